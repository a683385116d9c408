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
  retrieve(): Promise<AwsCredentials>;
}

export type ProviderFn = () => Promise<AwsCredentials>;

export function provider(fn: ProviderFn): CredentialProvider {
  return { retrieve: fn };
}

/** Seconds left before the credentials expire (Infinity for long-term keys). */
export function secondsLeft(creds: Pick<AwsCredentials, 'expiration'>, now: Date = new Date()): number {
  if (!creds.expiration) return Infinity;
  return Math.floor((creds.expiration.getTime() - now.getTime()) / 1000);
}

/** Serialised form used in the cache and on the wire between processes. */
export interface StoredCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

export function toStored(c: AwsCredentials): StoredCredentials {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
    ...(c.expiration ? { Expiration: c.expiration.toISOString() } : {}),
  };
}

export function fromStored(s: StoredCredentials): AwsCredentials {
  return {
    accessKeyId: s.AccessKeyId,
    secretAccessKey: s.SecretAccessKey,
    ...(s.SessionToken ? { sessionToken: s.SessionToken } : {}),
    ...(s.Expiration ? { expiration: new Date(s.Expiration) } : {}),
  };
}
