import type { AwsCredentials, CacheEntry, CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import cacheEntry from '../cache-entry.cjs';
import { changedInputs } from '../fingerprint.js';
import { keyIdForLog, type Logger } from '../logger.js';
import type { Clock, LockManager, SecretStore } from '../ports.js';

const { decodeCacheEntry, encodeCacheEntry, secondsLeft } = cacheEntry;

/** What a session depends on: its fingerprint and a digest of each input (fingerprint.ts). */
export interface SessionInputs {
  readonly fingerprint: string;
  readonly inputs?: Readonly<Record<string, string>>;
}

export interface CacheOptions {
  /** Secret store key (core/session-keys.ts), or how to find it out (an MFA session's depends on the source's keys). */
  readonly key: string | (() => Promise<string>);
  /** What the session depends on; a cached session with another fingerprint is not reused. */
  readonly fingerprint: string | SessionInputs | (() => Promise<string | SessionInputs>);
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
  /** Why a cached session is used or not (XACCT_DEBUG=1). */
  readonly log?: Logger;
}

/**
 * Cached-session decorator (aws-vault's CachedSessionProvider): a fresh cached session with a matching
 * fingerprint, else — under the key's lock, so that processes started together make one STS call —
 * the cache read again (another process may have refreshed it while we waited), else a new session, written back.
 * Corrupt or foreign entries are misses and get overwritten. `forceRefresh` (a StaleSession) reuses only a session
 * that replaced the refused one.
 */
export function cached(inner: CredentialProvider, options: CacheOptions): CredentialProvider {
  const minSecondsLeft = options.minSecondsLeft ?? 300;
  return provider(async (retrieveOptions) => {
    if (!options.enabled) {
      options.log?.debug('sessions not read nor written (--no-cache)');
      return inner.retrieve();
    }
    const inputsOf = onceInputs(options.fingerprint);
    const key = await once(options.key)();
    const debug = (message: string) => options.log?.debug(`${key}: ${message}`);
    const refused = retrieveOptions?.forceRefresh ? (retrieveOptions.refusedKeyId ?? '') : undefined;

    /** The cached session if it may be reused, else why not. */
    const readFresh = async (): Promise<AwsCredentials | string> => {
      const entry = decodeCacheEntry(await options.store.get(key));
      if (!entry) return 'none cached (or unreadable)';
      const left = secondsLeft(entry.credentials, options.clock.now());
      if (left <= minSecondsLeft) return `the cached session has ${Math.max(0, left)} s left, not more than ${minSecondsLeft} s`;
      if (refused !== undefined && (refused === '' || entry.credentials.accessKeyId === refused)) return `STS refused the cached session ${keyIdForLog(entry.credentials.accessKeyId)}`;
      const current = await inputsOf();
      if (entry.fingerprint !== current.fingerprint) return `the cached session was made for other settings or keys: ${mismatch(entry, current)}`;
      debug(`cached session ${keyIdForLog(entry.credentials.accessKeyId)} used, ${Math.floor(left / 60)} min left`);
      return entry.credentials;
    };

    const hit = await readFresh();
    if (typeof hit !== 'string') return hit;
    debug(`${hit}; waiting for the lock to take a new one`);
    return options.lock.withLock(key, async () => {
      const refreshed = await readFresh();
      if (typeof refreshed !== 'string') return refreshed;
      const session = await inner.retrieve();
      if (session.expiration) await write(key, session, session.expiration, await inputsOf());
      return session;
    });
  });

  async function write(key: string, session: AwsCredentials, expiration: Date, current: SessionInputs): Promise<void> {
    try {
      const source = options.source === undefined ? undefined : await once(options.source)();
      await options.store.set(key, encodeCacheEntry({ ...current, ...(source ? { source } : {}), credentials: { ...session, expiration } }));
      options.log?.debug(`${key}: new session ${keyIdForLog(session.accessKeyId)} cached until ${expiration.toISOString()}`);
    } catch (err) {
      if (!options.onWriteError) throw err;
      options.onWriteError(err);
    }
  }
}

/** Which inputs changed, by their digests (entries written before xacct stored them cannot say). */
function mismatch(entry: CacheEntry, current: SessionInputs): string {
  if (!entry.inputs || !current.inputs) return 'fingerprint differs';
  const changed = changedInputs(entry.inputs, current.inputs);
  return changed.length ? `${changed.join(', ')} changed` : 'fingerprint differs';
}

function once(value: string | (() => Promise<string>)): () => Promise<string> {
  if (typeof value === 'string') return () => Promise.resolve(value);
  let result: Promise<string> | undefined;
  return () => (result ??= value());
}

function onceInputs(value: CacheOptions['fingerprint']): () => Promise<SessionInputs> {
  const normal = (v: string | SessionInputs): SessionInputs => (typeof v === 'string' ? { fingerprint: v } : v);
  if (typeof value !== 'function') return () => Promise.resolve(normal(value));
  let result: Promise<SessionInputs> | undefined;
  return () => (result ??= value().then(normal));
}
