import { createHash } from 'node:crypto';
import type { ProfilePlan, SourcePlan } from './profile-map/types.js';

/** How a role session is obtained; a session taken one way is not reused for a plan that asks for another. */
export type RoleSessionVia = 'long-term' | 'mfa-session' | 'mfa-direct' | 'role-chain';

/** sha256 of a canonical JSON form (sorted keys, undefined dropped) of what a session depends on. */
export function fingerprint(parts: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/** An MFA session depends on the source, its MFA device, its long-term key and the asked lifetime. */
export function mfaSessionFingerprint(source: SourcePlan, accessKeyId: string): string {
  return fingerprint({
    kind: 'mfa-session',
    source: source.name,
    mfaSerial: source.mfaSerial,
    accessKeyId,
    durationSeconds: source.sessionDurationSeconds,
  });
}

export interface RoleSessionParts {
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly via: RoleSessionVia;
  /** Fingerprint of the parent's role session, for role chaining. */
  readonly parentFingerprint?: string;
}

/** A role session depends on every AssumeRole parameter and on the identity it was assumed from. */
export function roleSessionFingerprint(plan: ProfilePlan, parts: RoleSessionParts): string {
  return fingerprint({
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
  });
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
