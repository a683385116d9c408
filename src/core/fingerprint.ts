import { createHash } from 'node:crypto';
import type { ProfilePlan, SourcePlan } from './profile-map/types.js';

/** How a role session is obtained; a session taken one way is not reused for a plan that asks for another. */
export type RoleSessionVia = 'long-term' | 'mfa-session' | 'mfa-direct' | 'role-chain';

/** sha256 of a canonical JSON form (sorted keys, undefined dropped) of what a session depends on. */
export function fingerprint(parts: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/**
 * An MFA session depends on the MFA device, the long-term key (`keys`: the source's key identity, see
 * core/session-keys.ts) and the asked lifetime — not on the source's name: sources alike share it.
 */
export function mfaSessionFingerprint(source: SourcePlan, keys: string): string {
  return fingerprint(mfaSessionParts(source, keys));
}

export function mfaSessionParts(source: SourcePlan, keys: string): Readonly<Record<string, unknown>> {
  return {
    kind: 'mfa-session',
    mfaSerial: source.mfaSerial,
    keys,
    durationSeconds: source.sessionDurationSeconds,
  };
}

export interface RoleSessionParts {
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly via: RoleSessionVia;
  /** Fingerprint of the parent's role session, for role chaining (it carries the keys). */
  readonly parentFingerprint?: string;
  /** The key identity of the source the session is made from (core/session-keys.ts). */
  readonly keys: string;
}

/** A role session depends on every AssumeRole parameter and on the identity it was assumed from. */
export function roleSessionFingerprint(plan: ProfilePlan, parts: RoleSessionParts): string {
  return fingerprint(roleSessionInputs(plan, parts));
}

export function roleSessionInputs(plan: ProfilePlan, parts: RoleSessionParts): Readonly<Record<string, unknown>> {
  return {
    kind: 'role-session',
    profile: plan.name,
    roleArn: plan.roleArn,
    durationSeconds: parts.durationSeconds,
    externalId: plan.externalId,
    sourceIdentity: plan.sourceIdentity,
    tags: plan.tags,
    sessionName: parts.sessionName,
    source: plan.source.name,
    mfaSerial: plan.source.mfaSerial,
    via: parts.via,
    parent: parts.parentFingerprint,
    keys: parts.parentFingerprint ? undefined : parts.keys,
  };
}

/**
 * A short digest of each input: stored beside a cached session (no value is), so that XACCT_DEBUG=1 can say which
 * input changed when the fingerprint no longer matches.
 */
export function inputDigests(parts: Readonly<Record<string, unknown>>): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const [name, value] of Object.entries(parts)) {
    if (value !== undefined) digests[name] = createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
  }
  return digests;
}

/** The inputs whose digests differ (absent on one side counts), sorted. */
export function changedInputs(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]).sort();
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
