import type { AwsCredentials, StoredCredentials } from './credentials.js';
import { fromStored, toStored } from './credentials.js';

/** Keys of the secret store (service "xacct"); see docs/ARCHITECTURE.md. */
export const secretKeys = {
  /** Long-term keys stored by `xacct add`. */
  source: (source: string) => `source:${source}`,
  mfaSession: (source: string) => `mfa-session:${source}`,
  roleSession: (profile: string) => `role-session:${profile}`,
  /** A rotation of the source's key in progress (`xacct rotate`): it holds the new key until the old one is gone. */
  rotation: (source: string) => `rotation:${source}`,
} as const;

const SESSION_KEY_PREFIXES = ['mfa-session:', 'role-session:'] as const;

/** Whether a secret store key holds a cached session (never the long-term keys of a source). */
export function isSessionKey(key: string): boolean {
  return SESSION_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** A cached session and the fingerprint of what it was obtained with. */
export interface CacheEntry {
  readonly fingerprint: string;
  readonly credentials: AwsCredentials & { readonly expiration: Date };
}

export function encodeCacheEntry(entry: CacheEntry): string {
  return JSON.stringify({ v: 1, fingerprint: entry.fingerprint, credentials: toStored(entry.credentials) });
}

/** The entry, or null for anything that is not a well-formed version-1 entry (absent, corrupt, foreign). */
export function decodeCacheEntry(text: string | null | undefined): CacheEntry | null {
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
  return { fingerprint: raw.fingerprint, credentials: { ...credentials, expiration: credentials.expiration } };
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
