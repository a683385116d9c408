/**
 * The rules of session length and reuse that the composition root hands to the engine and the fast-path index:
 * SPEC's (sessions of at least 15 minutes, reused while more than 5 minutes remain), or, for tests only, shorter
 * ones. The test-only setting is read here and nowhere else; the core engine only receives the rule.
 */
import { ROLE_DURATION } from '../core/duration.js';
import type { Env } from '../core/paths.js';
import { REUSE_MARGIN_SECONDS } from '../core/providers/engine.js';

export interface SessionRules {
  /** The floor of --duration, in seconds: 900 (AWS's), lower only for tests. */
  readonly minRoleDurationSeconds: number;
  /** Seconds of a role session of this length that must remain for it to be reused. */
  roleReuseMarginSeconds(durationSeconds: number): number;
}

/** SPEC's rules, or with XACCT_UNSAFE_MIN_DURATION_SECONDS the test-only ones. */
export function sessionRules(env: Env): SessionRules {
  const min = unsafeMinDurationSeconds(env);
  if (min === undefined) return { minRoleDurationSeconds: ROLE_DURATION.min, roleReuseMarginSeconds: () => REUSE_MARGIN_SECONDS };
  // Sessions shorter than 15 minutes are reused down to a quarter of their length, so that a 60 s session serves 45 s.
  return { minRoleDurationSeconds: min, roleReuseMarginSeconds: (duration) => Math.min(REUSE_MARGIN_SECONDS, Math.floor(duration / 4)) };
}

/**
 * XACCT_UNSAFE_MIN_DURATION_SECONDS, for tests only: an integer 1..900 lets --duration go below AWS's 15 minutes
 * (moto accepts it; AWS does not) so that renewals can be tested in seconds. Anything else is ignored.
 */
export function unsafeMinDurationSeconds(env: Env): number | undefined {
  const text = env.XACCT_UNSAFE_MIN_DURATION_SECONDS?.trim();
  if (!text || !/^\d{1,3}$/.test(text)) return undefined;
  const seconds = Number(text);
  return seconds >= 1 && seconds <= ROLE_DURATION.min ? seconds : undefined;
}
