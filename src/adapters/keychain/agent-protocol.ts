/**
 * The file backend's passphrase agent: what its client and its server share. One request per connection, one JSON
 * line each way, on a Unix socket in a folder only the user can enter (see SECURITY.md, "The passphrase agent").
 */
import { existsSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import trust from '../file-trust.cjs';
import { ensurePrivateDir } from '../atomic-file.js';
import { whoAmI } from '../trust.js';

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
 * Why `dir` must not hold the agent's socket, as a phrase ("its folder /tmp/xacct-1000 belongs to uid 1001…"):
 * another user's folder, one others can write, or below a folder others could swap (file-trust.cts, the checks of
 * every folder xacct keeps state in). 'missing' when it does not exist yet (and nothing above it is wrong).
 */
export function privateDirProblem(dir: string): string | undefined {
  const who = whoAmI();
  const problem = trust.privateFolderProblem(dir, who);
  if (problem) return trust.describeProblem(problem, `its folder ${dir}`);
  return existsSync(dir) ? undefined : 'missing';
}

/** Creates the socket's folder (0700) when missing, refusing one that is not the user's own (ensurePrivateDir). */
export async function makeSocketDir(socketPath: string): Promise<boolean> {
  try {
    await ensurePrivateDir(dirname(socketPath), 'the passphrase agent folder');
    return privateDirProblem(dirname(socketPath)) === undefined;
  } catch {
    return false;
  }
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
