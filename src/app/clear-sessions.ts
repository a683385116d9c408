import cacheEntry from '../core/cache-entry.cjs';
import type { Env } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import { mfaSessionKey, readKeyIdentity, roleSessionKey } from '../core/session-keys.js';
import { resolveProfile } from '../core/profile-map/resolve.js';
import { createContext, type AppContext } from './context.js';
import { forgetServedSessions } from './fast-path-index.js';

const { isSessionKey, secretKeys } = cacheEntry;

export interface ClearRequest {
  /** Only this profile's role session; absent: every cached session. */
  readonly profile?: string;
}

export interface ClearedSessions {
  /** Secret store keys deleted: `role-session:*` and `mfa-session:*`, never `source:*`. */
  readonly keys: readonly string[];
  /** The source names of MFA session keys this map knows (for the CLI's describeCleared). */
  readonly labels: ReadonlyMap<string, string>;
}

export interface ClearDeps {
  readonly loadProfileMap: (env: Env) => Promise<ProfileMap>;
  readonly createContext: (env: Env, map: ProfileMap) => AppContext;
}

const defaultDeps: ClearDeps = {
  loadProfileMap: async (env) => (await import('./load-profile-map.js')).loadProfileMap(env),
  createContext: (env, map) => createContext(env, map),
};

/** `xacct clear [profile]`: deletes cached sessions; the long-term keys of `xacct add` stay. */
export async function clearSessions(env: Env, req: ClearRequest, deps: Partial<ClearDeps> = {}): Promise<ClearedSessions> {
  const d = { ...defaultDeps, ...deps };
  const map = await d.loadProfileMap(env);
  const { store, lock } = d.createContext(env, map);
  if (req.profile !== undefined) {
    // This map's session of the profile, and one cached before sessions were kept per map.
    const keys = [roleSessionKey({ name: req.profile }, map), secretKeys.roleSession(req.profile)];
    const deleted: string[] = [];
    for (const key of new Set(keys)) if (await store.delete(key)) deleted.push(key);
    if (deleted.length) {
      await forgetServedSessions(env, deleted, lock);
      return { keys: deleted, labels: new Map() };
    }
    // A profile gone from the map may still have a session cached (deleted above); an unknown name is a typo.
    resolveProfile(map, req.profile); // throws the usual "unknown profile" usage error
    return { keys: [], labels: new Map() };
  }
  const keys = (await store.list()).filter(isSessionKey).sort();
  const labels = await mfaSessionLabels(store, map);
  const deleted: string[] = [];
  for (const key of keys) if (await store.delete(key)) deleted.push(key);
  await forgetServedSessions(env, deleted, lock);
  return { keys: deleted, labels };
}

/** The sources of the map whose MFA session each MFA session key is, for messages ("the MFA session of identity"). */
async function mfaSessionLabels(store: SecretStore, map: ProfileMap): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const sources = new Map(map.sources);
  for (const plan of map.profiles.values()) if (!sources.has(plan.source.name)) sources.set(plan.source.name, plan.source);
  for (const source of sources.values()) {
    if (!source.mfaSerial) continue;
    const key = mfaSessionKey(await readKeyIdentity(source, store, map), source.mfaSerial);
    labels.set(key, labels.has(key) ? `${labels.get(key)}/${source.name}` : source.name);
  }
  return labels;
}
