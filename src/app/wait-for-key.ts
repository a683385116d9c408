/**
 * IAM is eventually consistent: a new access key may be refused for some seconds after CreateAccessKey. Before
 * xacct relies on one, STS must accept it — GetCallerIdentity with backoff, for a bounded time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AccessKeys } from '../core/stored-keys.js';
import { XacctError } from '../core/errors.js';
import type { IamUser, SourceIdentity } from './source-identity.js';

export interface KeyWaitOptions {
  /** Give up after this long (default 90 s: AWS speaks of seconds, and aws-vault waits about 15). */
  readonly timeoutMs?: number;
  /** The first pause after a refusal; it doubles up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told once, at the first refusal. */
  readonly onWait?: () => void;
  readonly sleep?: (ms: number) => Promise<unknown>;
  readonly now?: () => number;
}

const DEFAULTS = { timeoutMs: 90_000, firstDelayMs: 500, maxDelayMs: 8_000 };

/** Resolves once STS accepts `key` as the IAM user's; rejects with the last refusal when the time is up. */
export async function waitUntilKeyWorks(identity: SourceIdentity, key: AccessKeys, user: IamUser, options: KeyWaitOptions = {}): Promise<void> {
  const o = { ...DEFAULTS, ...options };
  const sleep = o.sleep ?? delay;
  const now = o.now ?? Date.now;
  const until = now() + o.timeoutMs;
  let pause = o.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      const { arn } = await identity.context.sts.getCallerIdentity(key, identity.source.region);
      if (arn === user.arn) return;
      failure = new XacctError(`STS says the new key is ${arn}'s, not ${user.arn}'s`);
    } catch (err) {
      failure = err;
    }
    if (attempt === 1) o.onWait?.();
    if (now() + pause > until) {
      const why = failure instanceof Error ? failure.message : String(failure);
      throw new XacctError(`STS still refused it after ${Math.round(o.timeoutMs / 1000)} s (${why})`, { cause: failure });
    }
    await sleep(pause);
    pause = Math.min(pause * 2, o.maxDelayMs);
  }
}
