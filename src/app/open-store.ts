/** The secret store for commands that only look (list, doctor): opened without asking anything. */
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap } from '../core/profile-map/types.js';

/** The secret store in force, never prompting: the file backend's passphrase only from XACCT_FILE_PASSPHRASE. */
export async function openStoreWithoutAsking(env: Env, backend: ProfileMap['backend']): Promise<SecretStore> {
  const { openSecretStore } = await import('../adapters/keychain/index.js');
  return openSecretStore(env, {
    ...(backend ? { backend } : {}),
    passphrase: async ({ file }) => {
      if (env.XACCT_FILE_PASSPHRASE) return env.XACCT_FILE_PASSPHRASE;
      throw new XacctError(`XACCT_FILE_PASSPHRASE is not set, and ${file} is not opened without it here`);
    },
  });
}
