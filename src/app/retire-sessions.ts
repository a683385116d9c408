/**
 * SPEC: replacing a source's keys (`add`, `rotate`, `remove`) retires every session made from the old ones, down the
 * chain. Each cache entry is tagged with the identity of the keys it was made from (core/session-keys.ts), so the
 * sessions of those keys are found whatever profile map, HOME or source name made them. Their entries in the fast
 * path's index go with them, so the next call of their profiles takes the full path without a keychain read.
 */
import { sourceForAwsProfile } from '../core/sources/index.js';
import cacheEntry from '../core/cache-entry.cjs';
import type { Env } from '../core/paths.js';
import type { LockManager, SecretStore } from '../core/ports.js';
import type { ProfileMap, SourcePlan } from '../core/profile-map/types.js';
import { identityTag, keyIdentity } from '../core/session-keys.js';
import { forgetServedSessions } from './fast-path-index.js';

const { decodeCacheEntry, isSessionKey } = cacheEntry;

/**
 * Where the fast path's index is, so that its entries of retired sessions go with them (as `xacct clear` does): the
 * short path would otherwise read an entry that is gone before taking the full path.
 */
export interface ServedIndex {
  readonly env: Env;
  readonly lock?: LockManager;
}

/** Deletes every cached session made from keys of `identity`; returns the keys deleted (sorted). */
export async function retireSessionsOf(store: SecretStore, identity: string, index?: ServedIndex): Promise<string[]> {
  const tag = identityTag(identity);
  const deleted: string[] = [];
  for (const key of (await store.list()).filter(isSessionKey).sort()) {
    const entry = decodeCacheEntry(await store.get(key));
    if (entry?.source === tag && (await store.delete(key))) deleted.push(key);
  }
  if (index) await forgetServedSessions(index.env, deleted, index.lock);
  return deleted;
}

/** The source's plan in the map (a source of the map, or one that role profiles of ~/.aws/config name). */
export function sourcePlanOf(map: ProfileMap, source: string): SourcePlan {
  return map.sources.get(source) ?? [...map.profiles.values()].find((p) => p.source.name === source)?.source ?? sourceForAwsProfile(source, { sessionDurationSeconds: 0 });
}

/**
 * The sessions to retire when the source's stored key changes from `before` (undefined: none was stored, so its
 * sessions came from its AWS profile) to `after` (undefined: removed): none when the key identity stays the same
 * (the same key stored again, or moved into the keychain from the profile the source used).
 */
export async function retireOnKeyChange(
  store: SecretStore,
  map: ProfileMap,
  source: string,
  change: { readonly before?: string; readonly after?: string },
  index?: ServedIndex,
): Promise<string[]> {
  const plan = sourcePlanOf(map, source);
  const old = keyIdentity(plan, change.before, map);
  const next = keyIdentity(plan, change.after, map);
  return old === next ? [] : retireSessionsOf(store, old, index);
}
