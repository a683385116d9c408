import { randomBytes } from 'node:crypto';
import { constants, lstatSync, readdirSync, unlinkSync, type Stats } from 'node:fs';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import trust from './file-trust.cjs';
import folders from './make-dirs.cjs';
import { fsFailure, readRegularFile, stateRefusal, whoAmI, type Who } from './trust.js';

/**
 * Creates `dir` (and its parents) if needed and makes `dir` itself private (0700). A folder that belongs to another
 * user, or that others could swap (a folder above it writable by them), is never used: an XacctError (exit 1)
 * names it and the fix. Parents that already exist (~/.local/state) keep their mode.
 * `what` names the folder in messages ("the state folder").
 */
export async function ensurePrivateDir(dir: string, what = 'the folder'): Promise<void> {
  const who = whoAmI();
  // Looked at before anything is created in it: a foreign folder is not written into, not even a subfolder.
  refuseUntrustedDir(dir, who, what);
  try {
    makeDirs(dir, 0o700);
  } catch (err) {
    throw fsFailure(err, 'create the folder', dir, 'check HOME and the XDG_* variables', { ENOENT: 'a folder above it cannot be created' });
  }
  refuseUntrustedDir(dir, who, what);
  if (process.platform === 'win32') return;
  try {
    const st = await stat(dir);
    if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  } catch (err) {
    throw fsFailure(err, 'make private the folder', dir);
  }
}

/** Throws when `dir` exists and is not a folder xacct may keep state in (see file-trust.cts). */
export function refuseUntrustedDir(dir: string, who: Who, what: string): void {
  const problem = trust.stateFolderProblem(dir, who);
  if (problem) throw stateRefusal(problem, `use ${what}`, dir);
}

/**
 * The text of a private file of xacct's own (the file backend's store), undefined when it does not exist. Read only
 * from a folder of the user that no one else can write, never through a link or from a FIFO, and only when it is a
 * regular file of the user: else an XacctError (exit 1) names what is wrong and the fix.
 */
export function readPrivateFile(file: string, what: string): string | undefined {
  const who = whoAmI();
  const dir = dirname(file);
  const folder = trust.privateFolderProblem(dir, who);
  if (folder) throw stateRefusal({ ...folder, role: 'above' }, `read ${what}`, file);
  try {
    return readRegularFile(file, { who, what, notWritableByOthers: true }).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fsFailure(err, `read ${what}`, file);
  }
}

/** `mkdir -p`, one level at a time, synchronous (make-dirs.cts: the one definition, shared with the fast path). */
export const makeDirs = folders.makeDirs;

/** The file operations writeFileAtomic uses; tests replace one to fail half-way. */
export interface AtomicWriteOps {
  readonly open: typeof open;
  readonly chmod: typeof chmod;
  readonly rename: typeof rename;
  readonly unlink: typeof unlink;
}

export interface AtomicWriteOptions {
  /** The file's mode, exactly (the umask does not apply); default 0600. */
  readonly mode?: number;
  readonly ops?: Partial<AtomicWriteOps>;
  /** For messages: "write", "back up"… (default "write"). */
  readonly action?: string;
}

/** A temp file this old is abandoned even if a process has its PID now (PIDs are reused): a write takes moments. */
const STALE_TEMP_MS = 60 * 60_000;
const TEMP_SUFFIX = /\.(\d+)\.[0-9a-f]{12}\.tmp$/;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** O_CREAT|O_EXCL never follows a link; O_NOFOLLOW says so twice, and O_NONBLOCK keeps a FIFO from hanging us. */
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Replaces `path` with `data` so that a reader sees either the old or the new content, never a part:
 * a temp file in the same folder (same filesystem, so rename is atomic), fsync, rename over the target.
 * The temp file is private (0600) while it is written and gets `mode` just before the rename. The rename replaces
 * a link at `path` rather than writing through it. The folder must belong to the user or root, and others must not
 * be able to write it unless it is sticky (/tmp). Temp files of earlier writes whose process is gone (kill -9) are
 * removed first (see removeStaleTemps). Every failure is one XacctError line, and leaves no temp file behind.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const ops: AtomicWriteOps = { open, chmod, rename, unlink, ...options.ops };
  const mode = options.mode ?? 0o600;
  const action = options.action ?? 'write';
  const dir = dirname(path);
  const who = whoAmI();
  refuseForeignFolder(dir, await statOrFail(dir, action, path), who, action, path);
  removeStaleTemps(path, who);
  const temp = tempPathFor(path);
  let created = false;
  try {
    const handle = await ops.open(temp, NEW_FILE, 0o600);
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ops.chmod(temp, mode);
    await ops.rename(temp, path);
  } catch (err) {
    if (created) await ops.unlink(temp).catch(() => undefined);
    throw fsFailure(err, action, path);
  }
  await syncDir(dir);
}

/**
 * The folder of a file xacct replaces: the user's own (whatever its mode: ~/.aws is the user's to share), or root's
 * when others cannot write it or it is sticky (/tmp). Never a folder of another user.
 */
function refuseForeignFolder(dir: string, st: Stats, who: Who, action: string, path: string): void {
  if (who.uid === undefined || st.uid === who.uid) return;
  const problem = trust.statProblem(dir, st, who, true);
  if (problem) throw stateRefusal({ ...problem, role: 'above' }, action, path);
}

async function statOrFail(dir: string, action: string, path: string) {
  try {
    return await stat(dir);
  } catch (err) {
    throw fsFailure(err, action, path);
  }
}

/**
 * Temp files of writeFileAtomic for `path` left by a process that died between create and rename (kill -9):
 * of this user, regular, and their PID no longer alive (or older than an hour). Best effort; a live writer's temp
 * file is left alone.
 */
export function removeStaleTemps(path: string, who: Who = whoAmI()): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = TEMP_SUFFIX.exec(name.slice(prefix.length - 1));
    if (!m || name.length !== prefix.length - 1 + m[0].length) continue;
    const file = join(dir, name);
    try {
      const st = lstatSync(file);
      const abandoned = !processAlive(Number(m[1])) || Date.now() - st.mtimeMs > STALE_TEMP_MS;
      if (abandoned && st.isFile() && (who.uid === undefined || st.uid === who.uid)) unlinkSync(file);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes the rename itself durable; not every platform lets a folder be opened, hence best effort. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
