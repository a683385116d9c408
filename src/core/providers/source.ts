import type { AwsCredentials, CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import { XacctError } from '../errors.js';
import cacheEntry from '../cache-entry.cjs';
import { decodeStoredKeys } from '../stored-keys.js';
import type { AwsProfileCredentialLoader, SecretStore } from '../ports.js';
import type { SourcePlan } from '../profile-map/types.js';

const { secretKeys } = cacheEntry;

export interface SourceDeps {
  readonly store: SecretStore;
  readonly awsProfiles: AwsProfileCredentialLoader;
}

/** A source's long-term credentials: keys stored by `xacct add`, else the source's AWS profile. */
export function sourceCredentials(source: SourcePlan, deps: SourceDeps): CredentialProvider {
  return provider(async () => {
    const stored = await deps.store.get(secretKeys.source(source.name));
    if (stored !== null) return parseStoredKeys(stored, source.name);
    try {
      return await deps.awsProfiles.load(source.awsProfile);
    } catch (err) {
      if (err instanceof XacctError) throw err; // the loader's own message already says what to do
      const reason = err instanceof Error ? err.message : String(err);
      throw new XacctError(`no long-term credentials for source '${source.name}': ${reason}`, {
        hint: `store keys with 'xacct add ${source.name}', or set up the AWS profile '${source.awsProfile}'`,
        cause: err,
      });
    }
  });
}

function parseStoredKeys(text: string, sourceName: string): AwsCredentials {
  const keys = decodeStoredKeys(text);
  if (keys) return keys;
  throw new XacctError(`the keys stored for source '${sourceName}' are unreadable`, {
    hint: `store them again with 'xacct add ${sourceName}'`,
  });
}
