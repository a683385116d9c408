import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import xacctPaths from '../core/xacct-paths.cjs';
import { ensurePrivateDir } from './atomic-file.js';
import { UNWRITABLE, errnoOf, fsFailure } from './trust.js';

/**
 * The folder for lock files: the state folder's `locks` (xacctPaths), or, where that cannot be written at all (a
 * read-only HOME: EROFS, EACCES), a private folder in the runtime folder — `$XDG_RUNTIME_DIR/xacct/locks`, else
 * `$TMPDIR/xacct-<uid>/locks` (xacctPaths().runtimeLockDir, beside the passphrase agent's socket) — so that a cache miss with the keychain backend still works. Locks only order the
 * processes that see the same folder: every process of a read-only HOME falls back alike. A folder that belongs to
 * another user is never a reason to fall back: that is refused (exit 1), as everywhere.
 */
export async function usableLockDir(lockDir: string, env: Env): Promise<string> {
  try {
    await ensurePrivateDir(lockDir, 'the lock folder');
    // It may exist already on a file system that is read-only now.
    await access(lockDir, constants.W_OK).catch((err: unknown) => {
      throw fsFailure(err, 'write in the lock folder', lockDir);
    });
    return lockDir;
  } catch (err) {
    const code = err instanceof XacctError ? errnoOf(err.cause) : undefined;
    if (!code || !UNWRITABLE.has(code)) throw err;
    const fallback = xacctPaths.xacctPaths(env).runtimeLockDir;
    try {
      await ensurePrivateDir(fallback, 'the lock folder');
    } catch {
      throw err;
    }
    return fallback;
  }
}
