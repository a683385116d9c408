/**
 * `mkdir -p`, one level at a time: the one way xacct makes folders (atomic-file.ts ensurePrivateDir, the
 * credential-process fast path's lock folder). Node's own recursive mkdir never returns where a parent exists but
 * refuses children (mkdir under /proc/self answers ENOENT, and it tries the parent again, without end).
 * CommonJS, synchronous and only node:fs/node:path, so that the fast path uses it too.
 */
import fs = require('node:fs');
import path = require('node:path');

function isFolder(dir: string): boolean {
  return fs.statSync(dir).isDirectory();
}

/** Makes `dir` and the parents it lacks, each with `mode`; throws the mkdir error (ENOENT: one cannot be made there). */
function makeDirs(dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir, { mode });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (isFolder(dir)) return;
      throw err;
    }
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirs(parent, mode);
  }
  // The parent exists now: a second ENOENT means this folder cannot be made there (and is not retried).
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !isFolder(dir)) throw err;
  }
}

export = { makeDirs };
