import { XacctError } from './errors.js';

/** Credentials as xacct passes them around; `expiration` is absent only for long-term keys. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/**
 * One interface for every way of getting credentials (aws-vault's `Retrieve`):
 * providers wrap providers (source → MFA session → role session), decorators wrap any of them.
 */
export interface CredentialProvider {
  retrieve(options?: RetrieveOptions): Promise<AwsCredentials>;
}

export interface RetrieveOptions {
  /**
   * STS refused the credentials last returned (a StaleSession): drop what is remembered or cached and take new
   * ones, unless another process already has (smithy's memoize `forceRefresh`).
   */
  readonly forceRefresh?: boolean;
  /** The access key id of the refused credentials, so that a cached session that replaced them is used. */
  readonly refusedKeyId?: string;
}

export type ProviderFn = (options?: RetrieveOptions) => Promise<AwsCredentials>;

export function provider(fn: ProviderFn): CredentialProvider {
  return { retrieve: fn };
}

/** Serialised form used in the cache and on the wire between processes. */
export interface StoredCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

/** A cached session and the fingerprint of what it was obtained with (codec: cache-entry.cts). */
export interface CacheEntry {
  readonly fingerprint: string;
  readonly credentials: AwsCredentials & { readonly expiration: Date };
  /**
   * Non-secret: a hash of the key identity of the source the session was made from (core/session-keys.ts), so that
   * replacing the source's keys can retire every session made from the old ones, whatever map or HOME made them.
   */
  readonly source?: string;
  /** A digest of each input of the fingerprint (fingerprint.ts `inputDigests`), to tell which one changed. */
  readonly inputs?: Readonly<Record<string, string>>;
}

/** What an access key id, secret key or session token may hold: printable ASCII, no space (they go into headers). */
const KEY_TEXT = /^[\x21-\x7e]+$/;

/**
 * Refuses credentials that cannot be keys (a control character, a space, a non-ASCII letter), never quoting them: the
 * SDK would fail signing with "Invalid character in header content", after retries.
 */
/** `what`: "the keys of AWS profile 'x'". */
export function checkKeyShape(c: AwsCredentials, what: string): AwsCredentials {
  const bad = [c.accessKeyId, c.secretAccessKey, c.sessionToken].some((v) => v !== undefined && !KEY_TEXT.test(v));
  if (bad) throw new XacctError(`${what} cannot be AWS keys: they hold a space, a control character or a letter outside ASCII`);
  return c;
}
