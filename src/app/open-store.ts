/** The secret store for commands that only look (list, doctor): opened without asking anything. */
import type { Env } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap } from '../core/profile-map/types.js';

/** The secret store in force, never prompting: the file backend's key only from XACCT_FILE_PASSPHRASE or the agent. */
export async function openStoreWithoutAsking(env: Env, backend: ProfileMap['backend']): Promise<SecretStore> {
  const { openSecretStore } = await import('../adapters/keychain/index.js');
  return openSecretStore(env, { ...(backend ? { backend } : {}), ask: false });
}
