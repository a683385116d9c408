/**
 * The one definition of what xacct stores and prints for a session (aws-vault's `sessionkeyring.go` idea): the
 * secret store's key names, the cache entry's format, its reuse rule's arithmetic and the `credential_process`
 * JSON. The full path and the credential-process fast path both load this file.
 *
 * CommonJS (compiled to cache-entry.cjs) and free of imports at run time: the fast path loads it before anything
 * else, where start-up time is the budget. ESM code imports it as `import cacheEntry from '…/cache-entry.cjs'`.
 *
 * Cache entry: `{"v":1,"fingerprint":"<sha256 of what the session depends on>","source":"<hash of the source key identity>",
 * "credentials":{StoredCredentials},"inputs":{"<input>":"<short digest>"…}}` (`source` optional; `inputs` optional: which
 * fingerprint input changed, for XACCT_DEBUG=1).
 */
import type { AwsCredentials, CacheEntry, StoredCredentials } from './credentials.js';

/** Keys of the secret store (service "xacct"); see docs/ARCHITECTURE.md. */
const secretKeys = {
  /** Long-term keys stored by `xacct add`. */
  source: (source: string) => `source:${source}`,
  /** `id`: a hash of the source's key identity and MFA device (core/session-keys.ts): sources alike share it. */
  mfaSession: (id: string) => `mfa-session:${id}`,
  /** `scope`: a hash of the files the profile map was read from (core/session-keys.ts), when known. */
  roleSession: (profile: string, scope?: string) => `role-session:${profile}${scope ? `@${scope}` : ''}`,
  /** A rotation of the source's key in progress (`xacct rotate`): it holds the new key until the old one is gone. */
  rotation: (source: string) => `rotation:${source}`,
} as const;

const SESSION_KEY_PREFIXES = ['mfa-session:', 'role-session:'] as const;

/** secretKeys.roleSession read back: the profile of `role-session:<profile>[@<scope>]`, else undefined. */
const ROLE_SESSION_KEY = /^role-session:(.+?)(?:@[0-9a-f]{1,64})?$/;

/**
 * The profile a role session entry is for, or undefined for any other key. A scope is lowercase hex
 * (core/session-keys.ts sessionScopeOf); names may hold `@`, so the shortest reading wins: an unscoped key of a name
 * that ends in `@<hex>` reads as the shorter name with a scope (only pre-scope entries were unscoped).
 */
function profileOfRoleSessionKey(key: string): string | undefined {
  return ROLE_SESSION_KEY.exec(key)?.[1];
}

/** Whether a secret store key holds a cached session (never the long-term keys of a source). */
function isSessionKey(key: string): boolean {
  return SESSION_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

function toStored(c: AwsCredentials): StoredCredentials {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
    ...(c.expiration ? { Expiration: c.expiration.toISOString() } : {}),
  };
}

function fromStored(s: StoredCredentials): AwsCredentials {
  return {
    accessKeyId: s.AccessKeyId,
    secretAccessKey: s.SecretAccessKey,
    ...(s.SessionToken ? { sessionToken: s.SessionToken } : {}),
    ...(s.Expiration ? { expiration: new Date(s.Expiration) } : {}),
  };
}

function encodeCacheEntry(entry: CacheEntry): string {
  return JSON.stringify({
    v: 1,
    fingerprint: entry.fingerprint,
    ...(entry.source ? { source: entry.source } : {}),
    credentials: toStored(entry.credentials),
    ...(entry.inputs ? { inputs: entry.inputs } : {}),
  });
}

/** The entry, or null for anything that is not a well-formed version-1 entry (absent, corrupt, foreign). */
function decodeCacheEntry(text: string | null | undefined): CacheEntry | null {
  if (!text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || raw.v !== 1 || typeof raw.fingerprint !== 'string' || !isStoredSession(raw.credentials)) {
    return null;
  }
  const credentials = fromStored(raw.credentials);
  if (!credentials.expiration || Number.isNaN(credentials.expiration.getTime())) return null;
  const source = typeof raw.source === 'string' && raw.source ? { source: raw.source } : {};
  const inputs = isRecord(raw.inputs) && Object.values(raw.inputs).every((v) => typeof v === 'string') ? { inputs: raw.inputs as Record<string, string> } : {};
  return { fingerprint: raw.fingerprint, ...source, credentials: { ...credentials, expiration: credentials.expiration }, ...inputs };
}

/** Seconds left before the credentials expire (Infinity for long-term keys). */
function secondsLeft(creds: Pick<AwsCredentials, 'expiration'>, now: Date = new Date()): number {
  if (!creds.expiration) return Infinity;
  return Math.floor((creds.expiration.getTime() - now.getTime()) / 1000);
}

/**
 * SPEC's `credential_process` output (Version 1, keys in this order, Expiration in UTC), without a newline;
 * undefined for credentials that are not a temporary session.
 */
function credentialProcessJson(c: AwsCredentials): string | undefined {
  if (!c.sessionToken || !c.expiration) return undefined;
  return JSON.stringify({
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration.toISOString(),
  });
}

function isStoredSession(value: unknown): value is StoredCredentials & { Expiration: string } {
  return (
    isRecord(value) &&
    isNonEmptyString(value.AccessKeyId) &&
    isNonEmptyString(value.SecretAccessKey) &&
    (value.SessionToken === undefined || typeof value.SessionToken === 'string') &&
    isNonEmptyString(value.Expiration)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export = { secretKeys, isSessionKey, profileOfRoleSessionKey, toStored, fromStored, encodeCacheEntry, decodeCacheEntry, secondsLeft, credentialProcessJson };
