import { UsageError } from '../errors.js';
import { closestNames } from '../suggest.js';
import { compareNames } from './build.js';
import type { ProfileMap, ProfilePlan } from './types.js';

/** Every profile name, sorted: for the interactive picker, completion and messages. */
export function profileNames(map: ProfileMap): string[] {
  return [...map.profiles.keys()].sort(compareNames);
}

/**
 * The plan of the named profile, else of `default_profile`. Unknown names and a missing name are UsageErrors
 * (exit 2) whose hint gives the closest names or the list of profiles.
 * (Asking with a picker when a terminal is there is the caller's job, before calling this without a name.)
 */
export function resolveProfile(map: ProfileMap, name: string | undefined): ProfilePlan {
  if (name === undefined || name === '') {
    const fallback = map.defaultProfile === undefined ? undefined : map.profiles.get(map.defaultProfile);
    if (fallback) return fallback;
    throw new UsageError('no profile given, and the profile map sets no default_profile', profileListHint(map));
  }
  const plan = map.profiles.get(name);
  if (plan) return plan;
  const unusable = map.unusableAwsProfiles?.get(name);
  if (unusable) throw unusable;
  const close = closestNames(name, map.profiles.keys(), 3);
  throw new UsageError(
    `unknown profile '${name}'`,
    close.length ? `did you mean ${close.join(', ')}? (all profiles: xacct list)` : profileListHint(map),
  );
}

/** "profiles: a, b, c", shortened after 20 names. */
export function profileListHint(map: ProfileMap, max = 20): string {
  const names = profileNames(map);
  if (names.length === 0) return 'no profiles are defined: write a profile map (xacct list tells where) or role profiles in ~/.aws/config';
  const shown = names.slice(0, max).join(', ');
  return `profiles: ${shown}${names.length > max ? `, … (${names.length - max} more: xacct list)` : ''}`;
}

/** A copy of `plan` with `changes`; what it finds only when read (definedAt) is not looked up by the copy. */
export function planWith(plan: ProfilePlan, changes: Partial<ProfilePlan>): ProfilePlan {
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(plan), ...Object.getOwnPropertyDescriptors(changes) }) as ProfilePlan;
}
