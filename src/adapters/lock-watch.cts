/**
 * How a waiter of lock-file.cts sleeps between two looks at a lock: woken by a change of the lock file in its
 * folder (inotify), else after a pause. CommonJS, node:fs and node:path only (the fast path loads it).
 */
import fs = require('node:fs');
import path = require('node:path');

/** With a watch on the folder, a waiter still looks this often (a holder that dies leaves no event). */
const WATCHED_POLL_MS = 1_000;

/**
 * Sleeps between two looks at a lock: until the folder reports a change of the lock file (inotify: a crowd of
 * waiters costs no CPU while it waits, and wakes at once), or after `pollMs`. Where no watch can be had (the
 * user's inotify instances are few: 128 by default), it is plain polling.
 */
function lockWatcher(file: string) {
  const base = path.basename(file);
  let wake: (() => void) | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (name === null || String(name) === base) wake?.();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
      wake?.();
    });
  } catch {
    watcher = undefined;
  }
  return {
    /** Waits for a change or `pollMs` (WATCHED_POLL_MS when watched, if longer). */
    next(pollMs: number, remainingMs: number): Promise<void> {
      const ms = Math.max(1, Math.min(remainingMs, watcher ? Math.max(pollMs, WATCHED_POLL_MS) : pollMs));
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    },
    close(): void {
      watcher?.close();
    },
  };
}

export = { lockWatcher, WATCHED_POLL_MS };
