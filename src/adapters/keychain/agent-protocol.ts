/**
 * The file backend's passphrase agent: what its client and its server share. One request per connection, one JSON
 * line each way, on a Unix socket in a folder only the user can enter (see SECURITY.md, "The passphrase agent").
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A request or an answer is never longer than this; anything longer is not ours and is dropped. */
export const MAX_MESSAGE_BYTES = 4096;

export type AgentRequest =
  | { readonly op: 'ping' }
  | { readonly op: 'get'; readonly id: string }
  | { readonly op: 'put'; readonly id: string; readonly key: string; readonly idleSeconds: number; readonly maxSeconds: number }
  | { readonly op: 'status' }
  | { readonly op: 'stop' };

export interface AgentStatus {
  readonly pid: number;
  /** Unlocked files held, each with the seconds until the agent forgets it (idle limit, or its maximum age). */
  readonly keys: readonly { readonly secondsLeft: number }[];
}

export type AgentAnswer =
  | { readonly ok: true; readonly key?: string; readonly status?: AgentStatus }
  | { readonly ok: false; readonly error: string };

/**
 * Why `dir` must not hold the agent's socket (another user's, a link, open to others), 'missing' when it does not
 * exist, or undefined when it is the user's private folder.
 */
export function privateDirProblem(dir: string): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`;
  }
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o077) !== 0) return `is open to other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Creates the socket's folder (0700) when missing: its parent is the user's XDG_RUNTIME_DIR or the shared /tmp,
 * where a folder someone else made first is refused by {@link privateDirProblem}, never used.
 */
export function makeSocketDir(socketPath: string): string | undefined {
  const dir = dirname(socketPath);
  try {
    mkdirSync(dir, { mode: 0o700 });
    // Exactly 0700, whatever the umask (the agent's own, 0177, would leave the user unable to enter it).
    chmodSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  return privateDirProblem(dir);
}

/** Why the file at `socketPath` is not our agent's socket, or undefined when it is; 'missing' when there is none. */
export function socketProblem(socketPath: string): string | undefined {
  let st;
  try {
    st = lstatSync(socketPath);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (!st.isSocket()) return 'is not a socket';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `belongs to another user (uid ${st.uid})`;
  return undefined;
}

/** Unix socket paths are limited (108 bytes on Linux, 104 on macOS); a longer one cannot be used. */
export function socketPathUsable(socketPath: string): boolean {
  return process.platform !== 'win32' && Buffer.byteLength(socketPath) < 104;
}
