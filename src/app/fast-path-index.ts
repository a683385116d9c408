/**
 * The writer of the credential-process fast path's index (format: src/fast/index-file.cts): for each profile a
 * full `credential-process <profile>` has served, the secret store key of its role session, the fingerprint that
 * session must carry, when that session expires, and the stamp of the inputs its plan was resolved from. Nothing
 * secret: names, hashes, paths, a time and file identities. Written atomically, mode 0600, in the cache folder.
 */
import { dirname } from 'node:path';
import inputs from '../fast/inputs-stamp.cjs';
import indexFile from '../fast/index-file.cjs';
import userNames from '../core/user-name.cjs';
import type { Env } from '../core/paths.js';
import type { LockManager } from '../core/ports.js';
import { xacctPaths } from '../core/paths.js';
import type { FileStat, ProfilePlan } from '../core/profile-map/types.js';
import { roleSessionShape } from '../core/providers/engine.js';
import { ensurePrivateDir, writeFileAtomic } from '../adapters/atomic-file.js';
import { sessionRules } from './session-rules.js';

/** The index only speeds up later calls: a writer does not wait long for another. */
const INDEX_LOCK_WAIT_MS = 5_000;

export type InputsStamp = ReturnType<typeof inputs.takeStamp>;

/** The entry as src/fast/index-file.cts defines it, with the stamp as written here. */
export type FastPathIndexEntry = Omit<Exclude<ReturnType<typeof indexFile.readIndexEntry>, string>, 'stamp'> & { readonly stamp: InputsStamp };

/**
 * The stamp of the inputs as they are now: take it BEFORE the profile map is read, so that an edit made while the
 * command runs makes the stamp stale rather than pairing the new file with the old plan.
 * undefined when the fast path cannot be used (no HOME; a file that cannot be looked at).
 */
export function stampInputs(env: Env): InputsStamp | undefined {
  const files = inputs.inputFiles(env);
  if (!files) return undefined;
  try {
    return inputs.takeStamp(env, files, userNames.currentUserName(env));
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
  /** The maps the profile map includes, each with its stat as read (ProfileMap.includedFiles). */
  readonly included?: ReadonlyMap<string, FileStat>;
  /** The secret store key of its role session (core/session-keys.ts roleSessionKey). */
  readonly key: string;
  /** The key identity of the source it was made from: the fingerprint carries it. */
  readonly keys: string;
  /** When the session served expires (not a secret): the fast path misses on it without reading the keychain. */
  readonly expiration?: Date;
}

/**
 * The index entry for a profile served by the full path: what the engine expects of its cached role session
 * (fingerprint, reuse margin); undefined when the fast path must not serve it.
 */
export function indexEntryFor(env: Env, served: ServedProfile): FastPathIndexEntry | undefined {
  if (served.backend !== 'os' || served.plan.name !== served.profile) return undefined;
  const shape = roleSessionShape(served.plan, served.userName, served.keys);
  return {
    key: served.key,
    fingerprint: shape.fingerprint,
    minSecondsLeft: sessionRules(env).roleReuseMarginSeconds(shape.durationSeconds),
    ...(served.expiration ? { expiration: served.expiration.toISOString() } : {}),
    stamp: withIncluded(served.stamp, served.included),
  };
}

/** The stamp with the included maps after its own files, as the fast path takes it again (see includedFiles). */
function withIncluded(stamp: InputsStamp, included: ReadonlyMap<string, FileStat> | undefined): InputsStamp {
  if (!included?.size) return stamp;
  const files: Record<string, string> = { ...stamp.files };
  for (const [file, stat] of included) if (!(file in files)) files[file] = inputs.identityOf(stat);
  return { ...stamp, files };
}

/**
 * Adds or replaces the profile's entry; writes nothing when the entry is already there as it would be written.
 * With `lock`, the read-modify-write is done under the index's lock: full paths that finish together (one per
 * profile in a burst) would otherwise each write back the index they read, losing the others' entries.
 * Whether the index holds the entry now (false: the fast path must not serve this profile).
 */
export async function recordServedProfile(env: Env, served: ServedProfile, lock?: LockManager): Promise<boolean> {
  const entry = indexEntryFor(env, served);
  if (!entry) return false;
  const file = xacctPaths(env).cacheIndex;
  const upToDate = () => JSON.stringify(readIndexProfiles(file)[served.profile]) === JSON.stringify(entry);
  if (upToDate()) return true;
  const write = async () => {
    const profiles = new Map(Object.entries(readIndexProfiles(file)));
    if (JSON.stringify(profiles.get(served.profile)) === JSON.stringify(entry)) return;
    profiles.set(served.profile, entry);
    await ensurePrivateDir(dirname(file));
    await writeFileAtomic(file, indexFile.formatIndex(Object.fromEntries(profiles)), { mode: 0o600 });
  };
  await underIndexLock(lock, write);
  return true;
}

/**
 * Drops the entries that name one of `deletedKeys` (sessions `xacct clear` deleted), under the index's lock: the
 * short path would otherwise read a keychain entry that is gone before taking the full path (one more Secret
 * Service session and read for nothing). Writes nothing when no entry names them.
 */
export async function forgetServedSessions(env: Env, deletedKeys: readonly string[], lock?: LockManager): Promise<void> {
  if (deletedKeys.length === 0) return;
  const file = xacctPaths(env).cacheIndex;
  const gone = new Set(deletedKeys);
  const write = async () => {
    const profiles = Object.entries(readIndexProfiles(file));
    const kept = profiles.filter(([, entry]) => !gone.has(entry.key));
    if (kept.length === profiles.length) return;
    await writeFileAtomic(file, indexFile.formatIndex(Object.fromEntries(kept)), { mode: 0o600 });
  };
  try {
    await underIndexLock(lock, write);
  } catch {
    // The sessions are deleted, which is what was asked; an entry left behind only costs the short path a read.
  }
}

/** A read-modify-write of the index, under its lock when there is one (see recordServedProfile). */
function underIndexLock(lock: LockManager | undefined, write: () => Promise<void>): Promise<void> {
  return lock ? lock.withLock('fast-path-index', write, { timeoutMs: INDEX_LOCK_WAIT_MS }) : write();
}

/** The entries of the index, or none when it is missing or not one of ours (it is rebuilt as profiles are served). */
function readIndexProfiles(file: string): Exclude<ReturnType<typeof indexFile.readIndexFile>, string>['profiles'] {
  try {
    const index = indexFile.readIndexFile(file, process.getuid?.());
    return typeof index === 'string' ? {} : index.profiles;
  } catch {
    return {};
  }
}
