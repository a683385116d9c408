import cacheEntry from '../core/cache-entry.cjs';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap, ProfilePlan } from '../core/profile-map/types.js';

const { secretKeys } = cacheEntry;

/** The source a profile's sessions come from in the end: its own, or its chain's first profile's. */
function rootSource(plan: ProfilePlan): string {
  return plan.parent ? rootSource(plan.parent) : plan.source.name;
}

/**
 * Deletes the cached sessions made from a source's keys: its MFA session and the role sessions of every profile
 * whose chain starts at it. Returns the keys deleted.
 */
export async function retireSourceSessions(store: SecretStore, map: ProfileMap, source: string): Promise<string[]> {
  const keys = [secretKeys.mfaSession(source)];
  for (const plan of map.profiles.values()) if (rootSource(plan) === source) keys.push(secretKeys.roleSession(plan.name));
  const deleted: string[] = [];
  for (const key of keys) if (await store.delete(key)) deleted.push(key);
  return deleted;
}
