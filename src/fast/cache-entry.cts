/**
 * The CommonJS twin of decodeCacheEntry (src/core/cache-entry.ts) and credentialProcessJson
 * (src/cli/commands/credential-process.ts) for the fast path, which cannot load ESM modules cheaply.
 * test/unit/fast-path-cache-entry.test.ts checks that both give the same answers, byte for byte.
 */

interface FastCacheEntry {
  readonly fingerprint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** undefined when absent or empty, as fromStored() drops it. */
  readonly sessionToken: string | undefined;
  readonly expiration: Date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The entry, or null for anything that is not a well-formed version-1 entry (absent, corrupt, foreign). */
function decodeCacheEntry(text: string | null | undefined): FastCacheEntry | null {
  if (!text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || raw.v !== 1 || typeof raw.fingerprint !== 'string') return null;
  const c = raw.credentials;
  if (
    !isRecord(c) ||
    !isNonEmptyString(c.AccessKeyId) ||
    !isNonEmptyString(c.SecretAccessKey) ||
    !(c.SessionToken === undefined || typeof c.SessionToken === 'string') ||
    !isNonEmptyString(c.Expiration)
  ) {
    return null;
  }
  const expiration = new Date(c.Expiration);
  if (Number.isNaN(expiration.getTime())) return null;
  return {
    fingerprint: raw.fingerprint,
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken || undefined,
    expiration,
  };
}

/** SPEC's credential_process JSON (no newline); undefined where the slow path fails (not a temporary session). */
function credentialProcessJson(entry: FastCacheEntry): string | undefined {
  if (!entry.sessionToken) return undefined;
  return JSON.stringify({
    Version: 1,
    AccessKeyId: entry.accessKeyId,
    SecretAccessKey: entry.secretAccessKey,
    SessionToken: entry.sessionToken,
    Expiration: entry.expiration.toISOString(),
  });
}

/** As secondsLeft() in src/core/credentials.ts: whole seconds until `expiration`. */
function secondsLeft(expiration: Date, nowMs: number): number {
  return Math.floor((expiration.getTime() - nowMs) / 1000);
}

export = { decodeCacheEntry, credentialProcessJson, secondsLeft };
