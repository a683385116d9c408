/**
 * The refresh claim of a burst, as the credential-process fast path takes it or sleeps on it: a lock of the one lock
 * mechanism (lock-file.cts) held until exit, whose holder hands the session it makes to the sleepers
 * (refresh-handoff.cts). Loaded only on a miss or when a claim is seen: a cache hit with nobody refreshing does
 * without it.
 */
import lockFile = require('../adapters/lock-file.cjs');
import lockRecord = require('../adapters/lock-record.cjs');
import handoff = require('./refresh-handoff.cjs');

type Handed = NonNullable<Awaited<ReturnType<typeof handoff.receive>>>;

/**
 * How long a caller sleeps on another process's refresh before taking the full path itself (whose own lock waits
 * are bounded too), and how often it looks when the folder cannot be watched (a crowd polling often costs CPU
 * that the refresher needs).
 */
const CLAIM_WAIT = { timeoutMs: 60_000, staleMs: 60_000, maxPollMs: 250 } as const;

/**
 * Claims the refresh for this process, listening first for the sleepers it will hand the session to: a claim that
 * can be seen has its socket. A claim another live process holds (a burst's later callers) is seen with one
 * synchronous look, before any socket or temp file is made. Whether it claimed; throws when the folder cannot be
 * written.
 */
async function claimRefresh(claim: string): Promise<boolean> {
  if (lockFile.heldByAnother(claim, CLAIM_WAIT.staleMs)) return false;
  const me = lockRecord.newHolder();
  const listening = handoff.listen(claim, me.token);
  let claimed = false;
  try {
    claimed = await lockFile.claimUntilExit(claim, CLAIM_WAIT.staleMs, me);
    return claimed;
  } finally {
    if (listening && !claimed) handoff.stop();
  }
}

/**
 * Sleeps on another process's refresh: takes the session it hands over as soon as it does; without one, sleeps
 * until its claim goes (within the same CLAIM_WAIT). Throws when the claim cannot be looked at.
 */
async function sleepOnClaim(claim: string): Promise<{ readonly handed: Handed } | { readonly outcome: 'none' | 'released' | 'timeout' }> {
  const started = Date.now();
  const handed = await handoff.receive(claim, CLAIM_WAIT.timeoutMs);
  if (handed) return { handed };
  const timeoutMs = Math.max(0, CLAIM_WAIT.timeoutMs - (Date.now() - started));
  return { outcome: await lockFile.waitForRelease(claim, { ...CLAIM_WAIT, timeoutMs }) };
}

export = { CLAIM_WAIT, claimRefresh, sleepOnClaim };
