/**
 * Cross-process exclusive locks (the LockManager port), on the one lock mechanism of lock-file.cts: one file per
 * key in a private folder. This module adds what a use in one process needs: callers of the same key queue here
 * instead of polling our own lock file, a nested take of a lock fails instead of deadlocking, the heartbeat runs
 * while the work does, and a wait that passes its time limit ends in one clear line naming the holder.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LockManager, LockOptions as PerCallOptions } from '../core/ports.js';
import { XacctError } from '../core/errors.js';
import lockFile from './lock-file.cjs';
import { ensurePrivateDir } from './atomic-file.js';
import { fsFailure } from './trust.js';

export interface LockOptions {
  /** How long a caller waits for a live holder before failing (a holder may be waiting for a person's MFA code). */
  readonly timeoutMs?: number;
  /** A lock whose heartbeat is older than this is taken over even if its holder's PID looks alive. */
  readonly staleMs?: number;
  /** Longest pause between two attempts while waiting. */
  readonly maxPollMs?: number;
}

const DEFAULTS = { timeoutMs: 5 * 60_000, staleMs: lockFile.DEFAULT_STALE_MS, maxPollMs: 200 } as const;

/** Same lock in one process: callers queue here instead of polling our own lock file. */
const queues = new Map<string, Promise<unknown>>();
/** Lock paths held by the current async call chain, to fail fast on a nested take of the same lock. */
const inside = new AsyncLocalStorage<ReadonlySet<string>>();

export const lockPath = lockFile.lockPath;

export function createLockManager(lockDir: string, options: LockOptions = {}): LockManager {
  const opts = { ...DEFAULTS, ...options };
  let dirReady: Promise<void> | undefined;

  /** Waits `timeoutMs` at most, of the caller's whole limit `limitMs` (for the message). */
  async function acquire(key: string, path: string, timeoutMs: number, limitMs: number) {
    if (!dirReady) {
      dirReady = ensurePrivateDir(lockDir, 'the lock folder');
      dirReady.catch(() => (dirReady = undefined));
    }
    await dirReady;
    let got: Awaited<ReturnType<typeof lockFile.acquire>>;
    try {
      got = await lockFile.acquire(path, { timeoutMs, staleMs: opts.staleMs, maxPollMs: opts.maxPollMs });
    } catch (err) {
      throw fsFailure(err, 'create the lock file', path); // ENOSPC, EROFS… as one line
    }
    if ('timedOut' in got) throw timeoutError(key, got.holder, limitMs);
    return got.holder;
  }

  return {
    async withLock<T>(key: string, fn: () => Promise<T>, callOptions: PerCallOptions = {}): Promise<T> {
      const path = lockPath(lockDir, key);
      const held = inside.getStore();
      if (held?.has(path)) throw new Error(`lock "${key}" is not reentrant: already held by this call chain`);
      const queued = queues.get(path);
      const previous = queued ?? Promise.resolve();
      const timeoutMs = callOptions.timeoutMs ?? opts.timeoutMs;
      const deadline = Date.now() + timeoutMs;
      // The wait behind callers of this process is bounded as the wait for other processes is, by the same limit.
      const run = (queued ? turn(queued, timeoutMs) : Promise.resolve(true)).then(async (ours) => {
        if (!ours) throw timeoutError(key, 'here', timeoutMs);
        const me = await acquire(key, path, Math.max(0, deadline - Date.now()), timeoutMs);
        let holding = true;
        const stopHeartbeat = lockFile.heartbeat(path, () => holding);
        try {
          return await inside.run(new Set([...(held ?? []), path]), fn);
        } finally {
          holding = false;
          stopHeartbeat();
          await lockFile.release(path, me);
        }
      });
      // The next caller waits for this one, and for the one before it (which still holds the lock when this one
      // gave up waiting for it).
      const settled = Promise.all([previous, run.catch(() => undefined)]).then(() => undefined);
      queues.set(path, settled);
      void settled.then(() => {
        if (queues.get(path) === settled) queues.delete(path);
      });
      return run;
    },
  };
}

/** True when `previous` settled within `timeoutMs`, false when the time ran out first. */
function turn(previous: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  if (!Number.isFinite(timeoutMs)) return previous.then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  return Promise.race([previous.then(() => true as const), late]).finally(() => clearTimeout(timer));
}

/** `holder` 'here': another call of this very process holds the lock. */
function timeoutError(key: string, holder: { pid: number; host: string } | 'here' | undefined, timeoutMs: number): XacctError {
  if (holder === 'here') {
    return new XacctError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for another call of this xacct process (${process.pid}) to finish (lock "${key}")`, {
      hint: 'that call may be waiting for an MFA code or a keychain prompt: answer it, or try again',
    });
  }
  const who = holder ? `xacct process ${holder.pid} on ${holder.host}` : 'another xacct process';
  return new XacctError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${who} to finish (lock "${key}")`, {
    hint: holder ? `if that process is stuck, end it (kill ${holder.pid}); its lock is then taken over` : 'try again',
  });
}
