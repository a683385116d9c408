import type { AwsCredentials, CredentialProvider } from '../credentials.js';
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
 * a failure is not remembered, so the next call tries again.
 */
export function memoize(inner: CredentialProvider, options: MemoizeOptions): CredentialProvider {
  const minSecondsLeft = options.minSecondsLeft ?? 300;
  let current: Promise<AwsCredentials> | undefined;
  let settled: AwsCredentials | undefined;

  return provider(async () => {
    if (settled && secondsLeft(settled, options.clock.now()) > minSecondsLeft) return settled;
    if (!current || settled) {
      settled = undefined;
      const call = inner.retrieve();
      current = call;
      call.then(
        (creds) => {
          if (current === call) settled = creds;
        },
        () => {
          if (current === call) current = undefined;
        },
      );
    }
    return current;
  });
}
