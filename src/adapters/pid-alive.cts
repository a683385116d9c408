/**
 * The one liveness rule for a process xacct finds named in a lock or claim file. CommonJS and only node:fs, so
 * that the credential-process fast path uses it too.
 */
import fs = require('node:fs');

/** Whether `pid` is a running process: it exists (EPERM: it belongs to another user) and is not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** A killed process stays visible to kill(pid, 0) until its parent reaps it; it holds nothing any more. */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export = { alive };
