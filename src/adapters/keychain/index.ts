import type { Env } from '../../core/paths.js';
import type { SecretStore } from '../../core/ports.js';
import { ConfigError } from '../../core/errors.js';
import { xacctPaths } from '../../core/paths.js';
import type { PassphraseSource } from './file.js';

export type Backend = 'os' | 'file';

export interface OpenSecretStoreOptions {
  /** `backend` of the profile map; XACCT_BACKEND overrides it. Default `os`. */
  readonly backend?: Backend;
  /** Passphrase of the file backend; default: XACCT_FILE_PASSPHRASE, else asked on the terminal. */
  readonly passphrase?: PassphraseSource;
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
  const passphrase = options.passphrase ?? (await import('./passphrase-prompt.js')).passphraseFromEnvOrTerminal(env);
  return createFileSecretStore({ file: paths.secretsFile, lock: createLockManager(paths.lockDir), passphrase });
}
