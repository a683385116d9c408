/**
 * The index of the credential-process fast path (src/fast/credential-process-hit.cts): for each profile a full
 * `credential-process <profile>` has served, the secret store key of its role session, the fingerprint that
 * session must carry, and the stamp of the inputs its plan was resolved from. Nothing secret: names, hashes, paths
 * and file identities. Written atomically, mode 0600, in the cache folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import inputs from '../fast/inputs-stamp.cjs';
import { secretKeys } from '../core/cache-entry.js';
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';
import type { ProfilePlan } from '../core/profile-map/types.js';
import { roleSessionShape } from '../core/providers/engine.js';
import { ensurePrivateDir, writeFileAtomic } from '../adapters/atomic-file.js';
import { currentUserName } from './context.js';
import { sessionRules } from './session-rules.js';

export const INDEX_VERSION = 1;

export type InputsStamp = ReturnType<typeof inputs.takeStamp>;

export interface FastPathIndexEntry {
  readonly key: string;
  readonly fingerprint: string;
  readonly minSecondsLeft: number;
  readonly stamp: InputsStamp;
}

export interface FastPathIndex {
  readonly v: typeof INDEX_VERSION;
  readonly profiles: Readonly<Record<string, FastPathIndexEntry>>;
}

/**
 * The stamp of the inputs as they are now: take it BEFORE the profile map is read, so that an edit made while the
 * command runs makes the stamp stale rather than pairing the new file with the old plan.
 * undefined when the fast path cannot be used (no HOME; a file that cannot be looked at).
 */
export function stampInputs(env: Env): InputsStamp | undefined {
  if (!env.HOME) return undefined;
  try {
    return inputs.takeStamp(env, xacctPaths(env), currentUserName(env));
  } catch {
    return undefined;
  }
}

export interface ServedProfile {
  /** The profile as named on the command line. */
  readonly profile: string;
  /** Its plan as resolved from the stamped inputs (no --duration applied). */
  readonly plan: ProfilePlan;
  readonly userName: string | undefined;
  readonly backend: 'os' | 'file';
  readonly stamp: InputsStamp;
}

/**
 * The index entry for a profile served by the full path: what the engine expects of its cached role session
 * (fingerprint, reuse margin); undefined when the fast path must not serve it.
 */
export function indexEntryFor(env: Env, served: ServedProfile): FastPathIndexEntry | undefined {
  if (served.backend !== 'os' || served.plan.name !== served.profile) return undefined;
  const shape = roleSessionShape(served.plan, served.userName);
  return {
    key: secretKeys.roleSession(served.plan.name),
    fingerprint: shape.fingerprint,
    minSecondsLeft: sessionRules(env).roleReuseMarginSeconds(shape.durationSeconds),
    stamp: served.stamp,
  };
}

/** Adds or replaces the profile's entry; writes nothing when the entry is already there as it would be written. */
export async function recordServedProfile(env: Env, served: ServedProfile): Promise<void> {
  const entry = indexEntryFor(env, served);
  if (!entry) return;
  const file = xacctPaths(env).cacheIndex;
  const profiles = new Map(Object.entries((await readIndex(file))?.profiles ?? {}));
  if (JSON.stringify(profiles.get(served.profile)) === JSON.stringify(entry)) return;
  profiles.set(served.profile, entry);
  const index: FastPathIndex = { v: INDEX_VERSION, profiles: Object.fromEntries(profiles) };
  await ensurePrivateDir(dirname(file));
  await writeFileAtomic(file, `${JSON.stringify(index)}\n`, { mode: 0o600 });
}

/** The index, or undefined when it is missing or not one of ours (it is rebuilt as profiles are served). */
export async function readIndex(file: string): Promise<FastPathIndex | undefined> {
  try {
    const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null) return undefined;
    const { v, profiles } = raw as Partial<FastPathIndex>;
    if (v !== INDEX_VERSION || typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) return undefined;
    return { v, profiles };
  } catch {
    return undefined;
  }
}
