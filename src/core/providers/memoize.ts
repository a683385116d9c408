import type { AwsCredentials, CredentialProvider, RetrieveOptions } from '../credentials.js';
import { provider } from '../credentials.js';
import cacheEntry from '../cache-entry.cjs';
import type { Clock } from '../ports.js';

const { secondsLeft } = cacheEntry;

export interface MemoizeOptions {
  readonly clock: Clock;
  /** Credentials with this many seconds or fewer left are retrieved again (default 300). */
  readonly minSecondsLeft?: number;
}

/**
 * One retrieval shared by every caller in this process (like `@smithy/property-provider` `memoize`):
 * concurrent calls share the call in flight, later calls get its result while it is fresh;
 * a failure is not remembered, so the next call tries again. `forceRefresh` drops the remembered result.
 */
export function memoize(inner: CredentialProvider, options: MemoizeOptions): CredentialProvider {
  const minSecondsLeft = options.minSecondsLeft ?? 300;
  let current: Promise<AwsCredentials> | undefined;
  let settled: AwsCredentials | undefined;

  let forced = false;

  const start = (retrieveOptions?: RetrieveOptions): Promise<AwsCredentials> => {
    settled = undefined;
    forced = Boolean(retrieveOptions?.forceRefresh);
    const call = inner.retrieve(retrieveOptions);
    current = call;
    call.then(
      (creds) => {
        if (current === call) settled = creds;
      },
      () => {
        if (current === call) current = undefined;
      },
    );
    return call;
  };

  return provider(async (retrieveOptions) => {
    if (retrieveOptions?.forceRefresh) {
      // Replaced already (by a concurrent caller's refresh), or being replaced: share that.
      if (settled && retrieveOptions.refusedKeyId !== undefined && settled.accessKeyId !== retrieveOptions.refusedKeyId) return settled;
      if (current && !settled && forced) return current;
      return start(retrieveOptions);
    }
    if (settled && secondsLeft(settled, options.clock.now()) > minSecondsLeft) return settled;
    if (!current || settled) return start();
    return current;
  });
}
