/**
 * How cached sessions are keyed, and what "the source's keys" are for the reuse rule (SPEC, "How credentials are
 * obtained", 4): a session is reused only while it was made from the source's current keys, so every fingerprint
 * down the chain carries the source's key identity; two sources with the same keys and MFA device share one MFA
 * session; two profile maps (or HOMEs) with a profile of one name keep separate role sessions.
 * Only hashes of key ids leave this module: keychain entry names and cache entries never hold a key id itself.
 * node:crypto: the full path only (the credential-process fast path reads the key from its index entry).
 */
import { createHash } from 'node:crypto';
import cacheEntry from './cache-entry.cjs';
import { decodeStoredKeys } from './stored-keys.js';
import { kindOf, SOURCE_KINDS } from './sources/index.js';
import type { SourceKind } from './sources/kind.js';
import type { SecretStore } from './ports.js';
import type { ProfileMap, ProfilePlan, SourcePlan } from './profile-map/types.js';

const { secretKeys } = cacheEntry;

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/**
 * What a source's sessions are made from: the first of its links that tells (SourceKind.keyIdentity, in the order
 * the links are tried): the key id stored by `xacct add`, else the static key id of its AWS profile, else (SSO,
 * credential_process: temporary keys that change on every call) the AWS profile's name.
 */
export function keyIdentity(
  source: SourcePlan,
  storedKeyId: string | undefined,
  map: Pick<ProfileMap, 'awsKeyIds'>,
  kinds: readonly SourceKind[] = SOURCE_KINDS,
): string {
  const facts = { storedKeyId, awsKeyIds: map.awsKeyIds };
  for (const link of source.credentials) {
    const identity = kindOf(link, kinds).keyIdentity(link, source, facts);
    if (identity) return identity;
  }
  return `aws-profile:${source.name}`;
}

/** keyIdentity() with the stored key read from the secret store (an unreadable entry counts as none). */
export async function readKeyIdentity(source: SourcePlan, store: Pick<SecretStore, 'get'>, map: Pick<ProfileMap, 'awsKeyIds'>): Promise<string> {
  return keyIdentity(source, decodeStoredKeys(await store.get(secretKeys.source(source.name)))?.accessKeyId, map);
}

/** The non-secret tag of a cache entry made from keys of this identity (CacheEntry.source). */
export function identityTag(identity: string): string {
  return hash('xacct source keys', identity).slice(0, 32);
}

/** The MFA session's entry: one per key identity and MFA device, whichever source names them. */
export function mfaSessionKey(identity: string, mfaSerial: string): string {
  return secretKeys.mfaSession(hash('xacct mfa session', identity, mfaSerial).slice(0, 32));
}

/** The role session's entry of a profile of this map. */
export function roleSessionKey(plan: Pick<ProfilePlan, 'name'>, map: Pick<ProfileMap, 'sessionScope'>): string {
  return secretKeys.roleSession(plan.name, map.sessionScope);
}

/** ProfileMap.sessionScope for the files a map is read from (absolute paths; existing or not). */
export function sessionScopeOf(files: { readonly profileMap: string; readonly awsConfig: string }): string {
  return hash('xacct map', files.profileMap, files.awsConfig).slice(0, 12);
}

/** The source of `mfa-session:<source>` as cached before MFA sessions were keyed by their keys and device; else undefined. */
export function sourceOfLegacyMfaKey(key: string): string | undefined {
  if (!key.startsWith('mfa-session:')) return undefined;
  const name = key.slice('mfa-session:'.length);
  return /^[0-9a-f]{32}$/.test(name) ? undefined : name;
}

/** The plan whose role session a chain starts from, and so whose source's keys it is made from. */
export function rootOf(plan: ProfilePlan): ProfilePlan {
  return plan.parent ? rootOf(plan.parent) : plan;
}
