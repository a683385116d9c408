import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { XacctError } from '../core/errors.js';

/**
 * Creates `dir` (and its parents) if needed and makes `dir` itself private (0700).
 * Parents that already exist (~/.local/state) are left as they are.
 * Throws an XacctError naming the folder when it cannot be made (HOME below a file, read-only, /proc…).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir, 0o700);
    if (process.platform === 'win32') return;
    const st = await stat(dir);
    if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) await chmod(dir, 0o700);
  } catch (err) {
    throw new XacctError(`cannot create the folder ${dir}: ${whyNoFolder(err)}`, { hint: 'check HOME and the XDG_* variables', cause: err });
  }
}

function whyNoFolder(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of its path is a file';
    case 'ENOENT':
      return 'a folder above it cannot be created';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    default:
      return code ?? String(err);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns where a parent exists but refuses
 * children (mkdir under /proc/self answers ENOENT, and it tries the parent again, without end).
 */
export async function makeDirs(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { mode });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(dir)).isDirectory()) return;
      throw err;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeDirs(parent, mode);
  }
  // The parent exists now: a second ENOENT means this folder cannot be made there (and is not retried).
  await mkdir(dir, { mode }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST' || !(await stat(dir)).isDirectory()) throw err;
  });
}

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
}

/**
 * Replaces `path` with `data` so that a reader sees either the old or the new content, never a part:
 * a temp file in the same folder (same filesystem, so rename is atomic), fsync, rename over the target.
 * The temp file is private (0600) while it is written and gets `mode` just before the rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const ops: AtomicWriteOps = { open, chmod, rename, unlink, ...options.ops };
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await ops.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ops.chmod(temp, mode);
    await ops.rename(temp, path);
  } catch (err) {
    await ops.unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
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
