import cacheEntry from '../core/cache-entry.cjs';
import type { Env } from '../core/paths.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import { resolveProfile } from '../core/profile-map/resolve.js';
import { createContext, type AppContext } from './context.js';

const { isSessionKey, secretKeys } = cacheEntry;

export interface ClearRequest {
  /** Only this profile's role session; absent: every cached session. */
  readonly profile?: string;
}

export interface ClearedSessions {
  /** Secret store keys deleted: `role-session:*` and `mfa-session:*`, never `source:*`. */
  readonly keys: readonly string[];
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
  const { store } = d.createContext(env, map);
  if (req.profile !== undefined) {
    const key = secretKeys.roleSession(req.profile);
    if (await store.delete(key)) return { keys: [key] };
    // A profile gone from the map may still have a session cached (deleted above); an unknown name is a typo.
    resolveProfile(map, req.profile); // throws the usual "unknown profile" usage error
    return { keys: [] };
  }
  const keys = (await store.list()).filter(isSessionKey).sort();
  const deleted: string[] = [];
  for (const key of keys) if (await store.delete(key)) deleted.push(key);
  return { keys: deleted };
}

/** For people: "the role session of prod-admin and the MFA session of identity". */
export function describeCleared(keys: readonly string[]): string {
  const roles = keys.filter((k) => k.startsWith('role-session:')).map((k) => k.slice('role-session:'.length));
  const mfas = keys.filter((k) => k.startsWith('mfa-session:')).map((k) => k.slice('mfa-session:'.length));
  const parts = [
    roles.length ? `the role session${roles.length > 1 ? 's' : ''} of ${roles.join(', ')}` : '',
    mfas.length ? `the MFA session${mfas.length > 1 ? 's' : ''} of ${mfas.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join(' and ');
}
