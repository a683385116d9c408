/** Use cases of `xacct add` / `xacct remove`: a source's long-term keys in the secret store. */
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import { UsageError } from '../core/errors.js';
import { xacctPaths } from '../core/paths.js';
import cacheEntry from '../core/cache-entry.cjs';
import { NAME } from '../core/profile-map/checks.js';
import { didYouMean } from '../core/suggest.js';
import { decodeStoredKeys, encodeStoredKeys, type AccessKeys } from '../core/stored-keys.js';
import { retireOnKeyChange, type ServedIndex } from './retire-sessions.js';
import { lockManagerFor } from './context.js';

export type { AccessKeys } from '../core/stored-keys.js';

const { secretKeys } = cacheEntry;

const LONG_TERM_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
const SESSION_KEY_ID = /^ASIA[A-Z0-9]{16}$/;

/** Every source name the profile map knows: its `[sources.X]` and the sources of `~/.aws/config` role profiles. */
function knownSources(map: ProfileMap): Set<string> {
  const names = new Set(map.sources.keys());
  for (const plan of map.profiles.values()) names.add(plan.source.name);
  return names;
}

/** Refuses a malformed name, and with a profile map that defines sources, a name it does not know. */
export function checkSourceName(source: string, map: ProfileMap | undefined): void {
  if (!NAME.test(source)) throw new UsageError(`'${source}' is not ${NAME.expected}`);
  if (!map) return;
  const known = knownSources(map);
  if (known.size === 0 || known.has(source)) return;
  const list = [...known].sort().map((s) => `'${s}'`).join(', ');
  throw new UsageError(`no source '${source}' in the profile map${didYouMean(source, known)}`, `sources: ${list}`);
}

/** Keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when both are set; undefined when neither is. */
export function accessKeysFromEnv(env: Env): AccessKeys | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (accessKeyId || secretAccessKey) {
    const missing = accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    throw new UsageError(`${missing} is not set while ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is`, 'set both, or neither to be asked for the keys');
  }
  return undefined;
}

/** Why an access key id cannot be stored, or true. Never mentions the secret. */
export function checkAccessKeyId(id: string): true | string {
  if (SESSION_KEY_ID.test(id)) {
    return `${id} is a temporary key (ASIA…); xacct add stores the long-term keys of an IAM user (AKIA…)`;
  }
  if (!LONG_TERM_KEY_ID.test(id)) return 'an access key id is AKIA followed by 16 capital letters or digits';
  return true;
}

export function checkSecretAccessKey(secret: string): true | string {
  if (secret.length === 0) return 'the secret access key is empty';
  if (/\s/.test(secret)) return 'the secret access key contains white space';
  if (LONG_TERM_KEY_ID.test(secret) || SESSION_KEY_ID.test(secret)) return 'that is an access key id, not the secret access key';
  return true;
}

export function checkAccessKeys(keys: AccessKeys): AccessKeys {
  for (const verdict of [checkAccessKeyId(keys.accessKeyId), checkSecretAccessKey(keys.secretAccessKey)]) {
    if (verdict !== true) {
      const hint = SESSION_KEY_ID.test(keys.accessKeyId)
        ? 'inside an xacct or AWS session, unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to be asked instead'
        : undefined;
      throw new UsageError(verdict, hint);
    }
  }
  return keys;
}

/**
 * Stores the keys under `source:<source>`; says whether keys were there before. SPEC: replacing a source's keys
 * retires every session made from the old ones, down the chain — so, given the map, every cached session made from
 * the keys the source had (stored, or of its AWS profile) is deleted, unless they are the same key
 * (app/retire-sessions.ts); the credential-process fast path then misses too. `retired`: the store keys deleted.
 */
export async function addSourceKeys(
  store: SecretStore,
  source: string,
  keys: AccessKeys,
  map?: ProfileMap,
  index?: ServedIndex,
): Promise<{ replaced: boolean; retired: string[] }> {
  const valid = checkAccessKeys(keys);
  const key = secretKeys.source(source);
  const before = await store.get(key);
  await store.set(key, encodeStoredKeys(valid));
  const retired = map ? await retireOnKeyChange(store, map, source, { before: decodeStoredKeys(before)?.accessKeyId, after: valid.accessKeyId }, index) : [];
  return { replaced: before !== null, retired };
}

/**
 * Deletes the keys of `source`; false when none were stored. Keys stored for a source the map no longer has are
 * deleted all the same (that is how they are cleaned up); a name that is neither a source of the map nor stored is
 * the usage error `add` gives for it (exit 2), not a quiet success.
 */
export async function removeSourceKeys(store: SecretStore, source: string, map?: ProfileMap): Promise<boolean> {
  if (!NAME.test(source)) throw new UsageError(`'${source}' is not ${NAME.expected}`);
  // A rotation in progress holds a key of the source too (xacct rotate): it goes with the source.
  const rotation = await store.delete(secretKeys.rotation(source));
  const removed = await store.delete(secretKeys.source(source));
  if (!removed && !rotation && map) checkSourceName(source, map);
  return removed;
}

/** `xacct remove`, then the sessions made from the keys removed (see addSourceKeys). */
async function removeAndRetire(store: SecretStore, source: string, map: ProfileMap, index: ServedIndex): Promise<{ removed: boolean; retired: string[] }> {
  const before = decodeStoredKeys(await store.get(secretKeys.source(source)))?.accessKeyId;
  const removed = await removeSourceKeys(store, source, map);
  return { removed, retired: removed ? await retireOnKeyChange(store, map, source, { before }, index) : [] };
}

/** The fast path's index, with the lock the full path writes it under (createContext's, without the rest of a context). */
function servedIndexOf(env: Env): ServedIndex {
  return { env, lock: lockManagerFor(env) };
}

/** "the OS keychain" / "the encrypted file …", for messages. */
export function storeDescription(store: SecretStore, secretsFile: string): string {
  if (store.backend === 'file') return `the encrypted file ${secretsFile}`;
  return process.platform === 'linux' ? 'the OS keychain (Secret Service)' : 'the OS keychain';
}

/** What `xacct add` / `xacct remove` did, for the line they print. */
export interface SourceKeysChange {
  /** "the OS keychain (Secret Service)", "the encrypted file …" */
  readonly where: string;
}

export interface SourceKeysDeps {
  readonly loadProfileMap: (env: Env) => Promise<ProfileMap>;
  readonly openStore: (env: Env, map: Pick<ProfileMap, 'backend' | 'filePassphraseCache'>) => Promise<SecretStore>;
  /** Asks for the keys on the terminal (the secret not echoed), in turn with other xacct prompts there. */
  readonly askForKeys: (source: string, env: Env) => Promise<AccessKeys>;
}

const defaultDeps: SourceKeysDeps = {
  loadProfileMap: async (env) => (await import('./load-profile-map.js')).loadProfileMap(env),
  openStore: async (env, map) => (await import('../adapters/keychain/index.js')).openSecretStore(env, { backend: map.backend, filePassphraseCache: map.filePassphraseCache }),
  askForKeys,
};

/**
 * `xacct add <source>`: the keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else asked for, stored for the
 * source. Keys given in the environment are checked first: a usage error (exit 2) whatever the state of the keychain.
 */
export async function addSource(
  env: Env,
  source: string,
  deps: Partial<SourceKeysDeps> = {},
): Promise<SourceKeysChange & { replaced: boolean; accessKeyId: string; retired: string[] }> {
  const d = { ...defaultDeps, ...deps };
  const map = await d.loadProfileMap(env);
  checkSourceName(source, map);
  const fromEnv = accessKeysFromEnv(env);
  if (fromEnv) checkAccessKeys(fromEnv);
  const store = await d.openStore(env, map);
  const given = fromEnv ?? (await d.askForKeys(source, env));
  const { replaced, retired } = await addSourceKeys(store, source, given, map, servedIndexOf(env));
  return { replaced, retired, accessKeyId: given.accessKeyId, where: storeDescription(store, xacctPaths(env).secretsFile) };
}

/** `xacct remove <source>`: deletes the source's stored keys; `removed` is false when none were stored. */
export async function removeSource(
  env: Env,
  source: string,
  deps: Partial<SourceKeysDeps> = {},
): Promise<SourceKeysChange & { removed: boolean; retired: string[] }> {
  const d = { ...defaultDeps, ...deps };
  const map = await d.loadProfileMap(env);
  const store = await d.openStore(env, map);
  const { removed, retired } = await removeAndRetire(store, source, map, servedIndexOf(env));
  return { removed, retired, where: storeDescription(store, xacctPaths(env).secretsFile) };
}

async function askForKeys(source: string, env: Env): Promise<AccessKeys> {
  const { askOnTerminal } = await import('../adapters/prompt/inquirer-on-tty.js');
  const [accessKeyId = '', secretAccessKey = ''] = await askOnTerminal(
    [
      { message: `Access key id of source '${source}':`, validate: checkAccessKeyId },
      { message: 'Secret access key:', secret: true, validate: checkSecretAccessKey },
    ],
    () =>
      new XacctError(`no terminal to ask for the keys of source '${source}'`, {
        hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run xacct add in a terminal',
      }),
    { env, need: { what: `the keys of source '${source}'`, otherwise: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' } },
  );
  return { accessKeyId, secretAccessKey };
}
