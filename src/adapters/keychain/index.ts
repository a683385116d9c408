import type { Env } from '../../core/paths.js';
import type { SecretStore } from '../../core/ports.js';
import { ConfigError } from '../../core/errors.js';
import { parseDuration, PASSPHRASE_CACHE } from '../../core/duration.js';
import { xacctPaths } from '../../core/paths.js';
import type { PassphraseSource } from './file.js';

export type Backend = 'os' | 'file';

export interface OpenSecretStoreOptions {
  /** `backend` of the profile map; XACCT_BACKEND overrides it. Default `os`. */
  readonly backend?: Backend;
  /** Passphrase of the file backend; default: XACCT_FILE_PASSPHRASE, else the passphrase agent, else asked on the terminal. */
  readonly passphrase?: PassphraseSource;
  /** `file_passphrase_cache` of the profile map: how long the agent keeps the file unlocked; XACCT_FILE_PASSPHRASE_CACHE overrides it. */
  readonly filePassphraseCache?: number;
  /** false: never ask on the terminal (the key from XACCT_FILE_PASSPHRASE or the agent only). */
  readonly ask?: boolean;
}

/** The backend in force: XACCT_BACKEND, else the profile map's, else `os`. */
export function chooseBackend(env: Env, configured?: Backend): Backend {
  const fromEnv = env.XACCT_BACKEND;
  if (fromEnv === undefined || fromEnv === '') return configured ?? 'os';
  if (fromEnv === 'os' || fromEnv === 'file') return fromEnv;
  throw new ConfigError(`XACCT_BACKEND must be "os" or "file", not ${JSON.stringify(fromEnv)}`, { hint: 'unset it to use the OS keychain' });
}

/**
 * Opens the secret store. Each backend is imported only when chosen, so the `os` path (credential-process on a
 * cache hit) loads neither node:crypto's scrypt user nor the prompt library.
 */
export async function openSecretStore(env: Env, options: OpenSecretStoreOptions = {}): Promise<SecretStore> {
  if (chooseBackend(env, options.backend) === 'os') {
    const { createOsSecretStore } = await import('./os.js');
    return createOsSecretStore(env);
  }
  const [{ createFileSecretStore }, { createLockManager }] = await Promise.all([import('./file.js'), import('../lock.js')]);
  const paths = xacctPaths(env);
  const lock = createLockManager(paths.lockDir);
  if (options.passphrase) return createFileSecretStore({ file: paths.secretsFile, lock, passphrase: options.passphrase });
  const { keyFromEnvAgentOrTerminal } = await import('./file-key.js');
  const holdSeconds = passphraseCacheSeconds(env, options.filePassphraseCache);
  const key = keyFromEnvAgentOrTerminal(env, { holdSeconds, socketPath: paths.agentSocket, ...(options.ask === false ? { ask: false } : {}) });
  return createFileSecretStore({ file: paths.secretsFile, lock, key });
}

/** XACCT_FILE_PASSPHRASE_CACHE, else the profile map's file_passphrase_cache, else 10 minutes; 0 turns the agent off. */
export function passphraseCacheSeconds(env: Env, configured?: number): number {
  const fromEnv = env.XACCT_FILE_PASSPHRASE_CACHE;
  if (fromEnv === undefined || fromEnv === '') return configured ?? PASSPHRASE_CACHE.default;
  try {
    return parseDuration(fromEnv, { ...PASSPHRASE_CACHE, what: 'XACCT_FILE_PASSPHRASE_CACHE' });
  } catch (err) {
    throw new ConfigError((err as Error).message, { hint: 'write it as 0 (no agent), 15m, 1h…, or unset it' });
  }
}
