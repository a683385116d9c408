/**
 * The one lock mechanism of xacct: a file per key in the private lock folder, holding its holder's record
 * ({pid, host, time, token}). Used two ways:
 *  - `acquire`/`release` (through createLockManager in lock.ts): a mutual exclusion around one piece of work;
 *  - `claimUntilExit`/`waitForRelease` (the credential-process fast path): "this process refreshes that session";
 *    the others take the session it hands over (src/fast/refresh-handoff.cts, on a socket named from its token),
 *    or sleep until it exits, then read what it cached. A stale claim taken over goes with its holder's socket.
 *
 * Taking a lock: the record is written to a temp file which is then hard-linked to the lock path; link() fails with
 * EEXIST when the lock is held, so the lock file never exists half-written. While held, its mtime is refreshed
 * every few seconds (heartbeat).
 *
 * A lock is stale when its holder is a dead process on this host (or a zombie), when its heartbeat is older than
 * `staleMs` (holder frozen, PID reused, or on another host), or when the file is not the user's own (nobody else
 * can hold a lock of ours; the folder is private, so such a file can be removed). Waiters take a stale lock over one
 * at a time, under a short-lived guard file, and remove it only if it still holds the record they judged stale;
 * removal is rename-to-private-then-verify, so a lock that changed hands meanwhile is put back, not deleted.
 * Every wait is bounded by its caller's `timeoutMs`.
 *
 * CommonJS, and no node:crypto (~12 ms to load) nor an eager node:fs/promises: the fast path computes a claim's
 * path and looks for it on every call.
 */
import fs = require('node:fs');
import pids = require('./pid-alive.cjs');
import record = require('./lock-record.cjs');
import watching = require('./lock-watch.cjs');

const { host, lockPath, holderSocketPath, newHolder, tryCreate, inspect, inspectSync, removeIfHeldBy } = record;
const { lockWatcher } = watching;
type Holder = ReturnType<typeof newHolder>;
type Inspected = NonNullable<Awaited<ReturnType<typeof inspect>>>;

interface WaitOptions {
  /** How long to wait for a live holder, at most. */
  readonly timeoutMs: number;
  /** A lock whose heartbeat is older than this is taken over even if its holder's PID looks alive. */
  readonly staleMs: number;
  /** Longest pause between two looks. */
  readonly maxPollMs: number;
}

type AcquireResult = { readonly holder: Holder } | { readonly timedOut: true; readonly holder: Holder | undefined };

const DEFAULT_STALE_MS = 60_000;
const HEARTBEAT_MS = 5_000;
/** A takeover guard lives for a few milliseconds; one older than this belongs to a waiter that died mid-takeover. */
const GUARD_STALE_MS = 3_000;

/** Lock path → token of the locks this process holds; removed on exit even if their `finally` never runs. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function isStale(current: Inspected, staleMs: number): boolean {
  if (current.foreign || current.ageMs > staleMs) return true;
  const holder = current.holder;
  if (!holder) return false; // being written (no-link filesystems): give it until staleMs
  if (holder.host !== host()) return false;
  // Our own PID but not our token: left by an earlier process that had the same PID (containers reuse PIDs).
  if (holder.pid === process.pid) return ![...held.values()].includes(holder.token);
  return !pids.alive(holder.pid);
}

async function takeOver(file: string, stale: Holder | undefined): Promise<void> {
  const guard = `${file}.takeover`;
  if (!(await tryCreate(guard, { pid: process.pid, time: new Date().toISOString() }))) {
    await clearAbandonedGuard(guard);
    return;
  }
  try {
    const now = await inspect(file);
    if (!now) return;
    const sameRecord = stale ? now.holder?.token === stale.token : now.holder === undefined;
    if (!sameRecord) return;
    removeIfHeldBy(file, now.holder?.token);
    // A claim's holder killed mid-way left its socket too (no one listens on it any more).
    const socket = now.holder && holderSocketPath(file, now.holder.token);
    if (socket) await fs.promises.unlink(socket).catch(() => undefined);
  } finally {
    await fs.promises.unlink(guard).catch(() => undefined);
  }
}

async function clearAbandonedGuard(guard: string): Promise<void> {
  try {
    const st = await fs.promises.stat(guard);
    if (Date.now() - st.mtimeMs > GUARD_STALE_MS) await fs.promises.unlink(guard);
  } catch {
    /* gone already */
  }
}

/** Waits until the lock is free and takes it, or gives up after `timeoutMs` (then names the holder it waited for). */
async function acquire(file: string, options: WaitOptions): Promise<AcquireResult> {
  const me = newHolder();
  const started = Date.now();
  let pause = 10;
  let watch: ReturnType<typeof lockWatcher> | undefined;
  try {
    for (;;) {
      if (await tryCreate(file, me)) {
        markHeld(file, me.token);
        return { holder: me };
      }
      const current = await inspect(file);
      if (current && isStale(current, options.staleMs)) {
        await takeOver(file, current.holder);
        continue;
      }
      const left = options.timeoutMs - (Date.now() - started);
      if (left <= 0) return { timedOut: true, holder: current?.holder };
      if (!watch) {
        // Look again with the watch set: a release between the look above and the watch would wake nobody.
        watch = lockWatcher(file);
        continue;
      }
      await watch.next(pause + Math.random() * pause, left);
      pause = Math.min(pause * 2, options.maxPollMs);
    }
  } finally {
    watch?.close();
  }
}

function markHeld(file: string, token: string): void {
  held.set(file, token);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', releaseAllSync);
}

async function release(file: string, holder: Holder): Promise<void> {
  held.delete(file);
  removeIfHeldBy(file, holder.token);
}

/** On exit: the locks this process still holds (a claim, or a lock whose `finally` never ran). */
function releaseAllSync(): void {
  for (const [file, token] of held) {
    try {
      removeIfHeldBy(file, token);
    } catch {
      /* best effort: a dead holder is taken over anyway */
    }
  }
  held.clear();
}

/** Refreshes the lock's mtime every few seconds while `stillHeld()`; the timer never keeps the process alive. */
function heartbeat(file: string, stillHeld: () => boolean): () => void {
  const timer = setInterval(() => {
    if (!stillHeld()) return clearInterval(timer);
    const now = new Date();
    fs.promises.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Takes the lock at once if it is free (or stale) and holds it until this process exits; false when a live holder
 * has it; true when this process holds it already. `me`: the record to claim it with (its token names what the
 * holder serves, made before the claim is visible). Throws when the folder cannot be written.
 */
async function claimUntilExit(file: string, staleMs = DEFAULT_STALE_MS, me: Holder = newHolder()): Promise<boolean> {
  if (held.has(file)) return true;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(file, me)) {
      markHeld(file, me.token);
      heartbeat(file, () => held.get(file) === me.token);
      return true;
    }
    const current = await inspect(file);
    if (current && !isStale(current, staleMs)) return false;
    await takeOver(file, current?.holder);
  }
  return false;
}

/**
 * Whether another process holds the lock now and is not stale by the rules above (synchronous and without
 * node:fs/promises: a burst's waiters look before they try to claim). Throws when the lock cannot be read.
 */
function heldByAnother(file: string, staleMs = DEFAULT_STALE_MS): boolean {
  const current = inspectSync(file);
  if (!current || isStale(current, staleMs)) return false;
  return !(current.holder && held.get(file) === current.holder.token);
}

/**
 * Sleeps while a live holder keeps the lock, at most `timeoutMs`. 'none': there was no lock (or only a stale one,
 * now removed); 'released': there was one and it went; 'timeout': a holder still has it.
 * A lock this process holds itself is never waited for.
 */
async function waitForRelease(file: string, options: WaitOptions): Promise<'none' | 'released' | 'timeout'> {
  const started = Date.now();
  let waited = false;
  let pause = 5;
  let watch: ReturnType<typeof lockWatcher> | undefined;
  try {
    for (;;) {
      const current = await inspect(file);
      if (!current) return waited ? 'released' : 'none';
      if (current.holder && held.get(file) === current.holder.token) return waited ? 'released' : 'none';
      if (isStale(current, options.staleMs)) {
        await takeOver(file, current.holder);
        return waited ? 'released' : 'none';
      }
      const left = options.timeoutMs - (Date.now() - started);
      if (left <= 0) return 'timeout';
      waited = true;
      if (!watch) {
        watch = lockWatcher(file); // then look again: see acquire
        continue;
      }
      await watch.next(pause, left);
      pause = Math.min(Math.ceil(pause * 1.5), options.maxPollMs);
    }
  } finally {
    watch?.close();
  }
}

export = {
  DEFAULT_STALE_MS,
  HEARTBEAT_MS,
  lockPath,
  acquire,
  release,
  heartbeat,
  claimUntilExit,
  heldByAnother,
  waitForRelease,
};
