import type { AwsCredentials, CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import cacheEntry from '../cache-entry.cjs';
import type { Clock, LockManager, SecretStore } from '../ports.js';

const { decodeCacheEntry, encodeCacheEntry, secondsLeft } = cacheEntry;

export interface CacheOptions {
  /** Secret store key (core/session-keys.ts), or how to find it out (an MFA session's depends on the source's keys). */
  readonly key: string | (() => Promise<string>);
  /** What the session depends on; a cached session with another fingerprint is not reused. */
  readonly fingerprint: string | (() => Promise<string>);
  /** The entry's `source` tag (core/session-keys.ts identityTag): which keys the session is made from. */
  readonly source?: string | (() => Promise<string>);
  readonly store: SecretStore;
  readonly lock: LockManager;
  readonly clock: Clock;
  /** A cached session is reused while more than this many seconds remain (default 300). */
  readonly minSecondsLeft?: number;
  /** false with --no-cache: neither read nor write. */
  readonly enabled: boolean;
  /** Told when a new session could not be written; the session is still returned. */
  readonly onWriteError?: (err: unknown) => void;
}

/**
 * Cached-session decorator (aws-vault's CachedSessionProvider): a fresh cached session with a matching
 * fingerprint, else — under the key's lock, so that processes started together make one STS call —
 * the cache read again (another process may have refreshed it while we waited), else a new session, written back.
 * Corrupt or foreign entries are misses and get overwritten.
 */
export function cached(inner: CredentialProvider, options: CacheOptions): CredentialProvider {
  const minSecondsLeft = options.minSecondsLeft ?? 300;
  return provider(async () => {
    if (!options.enabled) return inner.retrieve();
    const fingerprintOf = once(options.fingerprint);
    const key = await once(options.key)();

    const readFresh = async (): Promise<AwsCredentials | null> => {
      const entry = decodeCacheEntry(await options.store.get(key));
      if (!entry || secondsLeft(entry.credentials, options.clock.now()) <= minSecondsLeft) return null;
      return entry.fingerprint === (await fingerprintOf()) ? entry.credentials : null;
    };

    const hit = await readFresh();
    if (hit) return hit;
    return options.lock.withLock(key, async () => {
      const refreshed = await readFresh();
      if (refreshed) return refreshed;
      const session = await inner.retrieve();
      if (session.expiration) await write(key, session, session.expiration, await fingerprintOf());
      return session;
    });
  });

  async function write(key: string, session: AwsCredentials, expiration: Date, fingerprint: string): Promise<void> {
    try {
      const source = options.source === undefined ? undefined : await once(options.source)();
      await options.store.set(key, encodeCacheEntry({ fingerprint, ...(source ? { source } : {}), credentials: { ...session, expiration } }));
    } catch (err) {
      if (!options.onWriteError) throw err;
      options.onWriteError(err);
    }
  }
}

function once(value: string | (() => Promise<string>)): () => Promise<string> {
  if (typeof value === 'string') return () => Promise.resolve(value);
  let result: Promise<string> | undefined;
  return () => (result ??= value());
}
