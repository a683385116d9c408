/**
 * Cross-process exclusive locks, one file per key in a private folder.
 *
 * Taking a lock: the holder's record ({pid, host, time, token}) is written to a temp file which is then hard-linked
 * to the lock path; link() fails with EEXIST when the lock is held, so the lock file never exists half-written.
 * While held, its mtime is refreshed every few seconds (heartbeat).
 *
 * A lock is stale when its holder is a dead process on this host (or a zombie), or when its heartbeat is older
 * than `staleMs` (holder frozen, PID reused, or on another host). Waiters take a stale lock over one at a time,
 * under a short-lived guard file, and remove it only if it still holds the record they judged stale; removal is
 * rename-to-private-then-verify, so a lock that changed hands meanwhile is put back, not deleted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, linkSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockManager } from '../core/ports.js';
import { XacctError } from '../core/errors.js';
import { ensurePrivateDir } from './atomic-file.js';
import { fsFailure } from './trust.js';

export interface LockOptions {
  /** How long a caller waits for a live holder before failing (a holder may be waiting for a person's MFA code). */
  readonly timeoutMs?: number;
  /** A lock whose heartbeat is older than this is taken over even if its holder's PID looks alive. */
  readonly staleMs?: number;
  readonly heartbeatMs?: number;
  /** Longest pause between two attempts while waiting. */
  readonly maxPollMs?: number;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly time: string;
  readonly token: string;
}

const DEFAULTS = { timeoutMs: 5 * 60_000, staleMs: 60_000, heartbeatMs: 5_000, maxPollMs: 200 } as const;
/** A takeover guard lives for a few milliseconds; one older than this belongs to a waiter that died mid-takeover. */
const GUARD_STALE_MS = 3_000;

/** Lock path → token of the locks this process holds; removed on exit even if their `finally` never runs. */
const heldLocks = new Map<string, string>();
let exitHookInstalled = false;
/** Same lock in one process: callers queue here instead of polling our own lock file. */
const queues = new Map<string, Promise<unknown>>();
/** Lock paths held by the current async call chain, to fail fast on a nested take of the same lock. */
const inside = new AsyncLocalStorage<ReadonlySet<string>>();

export function createLockManager(lockDir: string, options: LockOptions = {}): LockManager {
  const opts = { ...DEFAULTS, ...options };
  const host = hostname();
  let dirReady: Promise<void> | undefined;

  async function acquire(key: string, path: string): Promise<Holder> {
    if (!dirReady) {
      dirReady = ensurePrivateDir(lockDir, 'the lock folder');
      dirReady.catch(() => (dirReady = undefined));
    }
    await dirReady;
    const me: Holder = { pid: process.pid, host, time: new Date().toISOString(), token: randomBytes(12).toString('hex') };
    const started = Date.now();
    let pause = 10;
    for (;;) {
      if (await tryCreate(path, JSON.stringify(me))) return me;
      const current = await inspect(path);
      if (current && isStale(current, host, opts.staleMs)) {
        await takeOver(path, current.holder);
        continue;
      }
      if (Date.now() - started >= opts.timeoutMs) throw timeoutError(key, current?.holder, opts.timeoutMs);
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, opts.maxPollMs);
    }
  }

  async function release(path: string, me: Holder): Promise<void> {
    heldLocks.delete(path);
    await removeIfHeldBy(path, me.token);
  }

  return {
    async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const path = lockPath(lockDir, key);
      const held = inside.getStore();
      if (held?.has(path)) throw new Error(`lock "${key}" is not reentrant: already held by this call chain`);
      const previous = queues.get(path) ?? Promise.resolve();
      const run = previous.then(async () => {
        const me = await acquire(key, path);
        heldLocks.set(path, me.token);
        installExitHook();
        const heartbeat = setInterval(() => {
          const now = new Date();
          utimes(path, now, now).catch(() => undefined);
        }, opts.heartbeatMs);
        heartbeat.unref();
        try {
          return await inside.run(new Set([...(held ?? []), path]), fn);
        } finally {
          clearInterval(heartbeat);
          await release(path, me);
        }
      });
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      queues.set(path, settled);
      void settled.then(() => {
        if (queues.get(path) === settled) queues.delete(path);
      });
      return run;
    },
  };
}

/** File name of a key's lock: readable prefix for people looking at the folder, hash for uniqueness. */
export function lockPath(lockDir: string, key: string): string {
  const readable = key.replace(/[^\w.-]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(lockDir, `${readable}-${hash}.lock`);
}

async function tryCreate(path: string, record: string): Promise<boolean> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.new`;
  try {
    // Inside the try: a full disk fails the write after the create, and the empty temp file must go too.
    await writeFile(temp, record, { mode: 0o600, flag: 'wx' });
    await link(temp, path);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(err) ?? '')) return tryCreateWithoutLink(path, record);
    throw fsFailure(err, 'create the lock file', path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Filesystems without hard links: exclusive create, then write (a reader may briefly see it empty). */
async function tryCreateWithoutLink(path: string, record: string): Promise<boolean> {
  let created = false;
  try {
    const handle = await open(path, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(record);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (created) await unlink(path).catch(() => undefined);
    throw fsFailure(err, 'create the lock file', path);
  }
}

interface Inspected {
  readonly holder: Holder | undefined;
  readonly ageMs: number;
}

async function inspect(path: string): Promise<Inspected | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { holder: parseHolder(text), ageMs: Date.now() - st.mtimeMs };
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined; // released meanwhile: try again at once
    throw err;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, host: v.host, time: String(v.time ?? ''), token: v.token };
    }
  } catch {
    /* unreadable: judged by age alone */
  }
  return undefined;
}

function isStale(current: Inspected, host: string, staleMs: number): boolean {
  if (current.ageMs > staleMs) return true;
  const holder = current.holder;
  if (!holder) return false; // being written (no-link filesystems): give it until staleMs
  if (holder.host !== host) return false;
  // Our own PID but not our token: left by an earlier process that had the same PID (containers reuse PIDs).
  if (holder.pid === process.pid) return ![...heldLocks.values()].includes(holder.token);
  return !processAlive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return code(err) === 'EPERM'; // exists, but belongs to another user
  }
  return !isZombie(pid);
}

/** A killed process stays visible to kill(pid, 0) until its parent reaps it; it holds nothing any more. */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

async function takeOver(path: string, stale: Holder | undefined): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await tryCreate(guard, JSON.stringify({ pid: process.pid, time: new Date().toISOString() })))) {
    await clearAbandonedGuard(guard);
    return;
  }
  try {
    const now = await inspect(path);
    if (!now) return;
    const sameRecord = stale ? now.holder?.token === stale.token : now.holder === undefined;
    if (sameRecord) await removeIfHeldBy(path, now.holder?.token);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function clearAbandonedGuard(guard: string): Promise<void> {
  try {
    const st = await stat(guard);
    if (Date.now() - st.mtimeMs > GUARD_STALE_MS) await unlink(guard);
  } catch {
    /* gone already */
  }
}

/**
 * Removes the lock file only if it still holds `token` (undefined: an unreadable record).
 * Rename first, so what gets checked is exactly what was taken away; put it back if it was someone else's.
 */
async function removeIfHeldBy(path: string, token: string | undefined): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.old`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const holder = parseHolder(await readFile(aside, 'utf8'));
    if (holder?.token !== token) await link(aside, path).catch(() => undefined);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [path, token] of heldLocks) {
      try {
        const aside = `${path}.${process.pid}.exit`;
        renameSync(path, aside);
        if (parseHolder(readFileSync(aside, 'utf8'))?.token !== token) linkSync(aside, path);
        unlinkSync(aside);
      } catch {
        /* best effort: a dead holder is taken over anyway */
      }
    }
  });
}

function timeoutError(key: string, holder: Holder | undefined, timeoutMs: number): XacctError {
  const who = holder ? `xacct process ${holder.pid} on ${holder.host}` : 'another xacct process';
  return new XacctError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${who} to finish (lock "${key}")`, {
    hint: holder ? `if that process is stuck, end it (kill ${holder.pid}); its lock is then taken over` : 'try again',
  });
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
