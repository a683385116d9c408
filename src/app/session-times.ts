/**
 * The cached role sessions `xacct list` shows, from one read of the whole secret store (the `role-session:<profile>@<scope>`
 * entries and the sources' keys). Nothing is asked: without a reachable keychain (or the file
 * backend's passphrase in XACCT_FILE_PASSPHRASE) the sessions are unknown, and a warning says why.
 */
import cacheEntry from '../core/cache-entry.cjs';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap, ProfilePlan } from '../core/profile-map/types.js';
import { roleSessionShape } from '../core/providers/engine.js';
import { readKeyIdentity, roleSessionKey, rootOf } from '../core/session-keys.js';
import userNames from '../core/user-name.cjs';
import { openStoreWithoutAsking } from './open-store.js';

const { decodeCacheEntry } = cacheEntry;

/** A role session found in the cache for a profile. */
export interface CachedSession {
  readonly expiresAt: Date;
  /** Cached for other settings than the profile's current ones (its fingerprint differs): it will not be reused. */
  readonly stale: boolean;
}

/** The profile's cached role session, or null when none is cached. */
export type SessionTimeLeft = (plan: ProfilePlan) => Promise<CachedSession | null>;

export interface SessionTimesDeps {
  readonly openStore: (env: Env, backend: ProfileMap['backend']) => Promise<SecretStore>;
  readonly userName: (env: Env) => string | undefined;
}

const defaultDeps: SessionTimesDeps = {
  openStore: openStoreWithoutAsking,
  userName: userNames.currentUserName,
};

export async function cachedSessionLookup(
  env: Env,
  map: ProfileMap,
  deps: Partial<SessionTimesDeps> = {},
): Promise<{ lookup?: SessionTimeLeft; warning?: string }> {
  const d = { ...defaultDeps, ...deps };
  const found = new Map<string, CachedSession>();
  try {
    const store = await d.openStore(env, map.backend);
    // One pass over the store (with the OS keychain: one Secret Service session, whatever the number of sessions).
    const stored = await store.readAll();
    const userName = d.userName(env);
    const view = { get: async (key: string) => stored.get(key) ?? null };
    // A session made from other keys than the source's current ones is stale too: one identity per source.
    const identities = new Map<string, string>();
    for (const plan of map.profiles.values()) {
      const text = stored.get(roleSessionKey(plan, map));
      if (text === undefined) continue;
      const entry = decodeCacheEntry(text);
      if (!entry) continue; // corrupt or foreign: the engine treats it as no session
      const source = rootOf(plan).source;
      let identity = identities.get(source.name);
      if (identity === undefined) identities.set(source.name, (identity = await readKeyIdentity(source, view, map)));
      const expected = roleSessionShape(plan, userName, identity).fingerprint;
      found.set(plan.name, { expiresAt: entry.credentials.expiration, stale: entry.fingerprint !== expected });
    }
  } catch (err) {
    const reason = err instanceof XacctError ? err.message : String(err);
    return { warning: `cached sessions unknown: ${reason}` };
  }
  return { lookup: async (plan: ProfilePlan) => found.get(plan.name) ?? null };
}
