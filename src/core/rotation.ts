/**
 * `xacct rotate`: the durable record of a rotation in progress and what the next run does with it.
 *
 * The record lives in the secret store next to the source's keys (`rotation:<source>`). It is written before
 * CreateAccessKey, and again with the new key as soon as IAM has answered, so the new key is stored before anything
 * depends on it; the source's stored key switches to the new one only once STS accepts it, and the old key is
 * deleted in IAM only after that switch. Whatever step a run is killed at, the stored key works, and the state
 * (stored key, record, IAM's list of keys) says what is left to do.
 */
import type { AccessKeys } from './stored-keys.js';
import type { AccessKeyInfo } from './ports.js';

export interface RotationRecord {
  readonly userName: string;
  /** The key being replaced (the source's stored key when the rotation began). */
  readonly oldKeyId: string;
  /** When the rotation began (ISO 8601): a key IAM created after it, unknown to us, is the lost answer of ours. */
  readonly startedAt: string;
  /** The new key, once IAM has answered CreateAccessKey. */
  readonly newKey?: AccessKeys;
}

export function encodeRotation(r: RotationRecord): string {
  return JSON.stringify({ v: 1, ...r });
}

/** The record, or undefined for anything that is not a well-formed version-1 record. */
export function decodeRotation(text: string | null): RotationRecord | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || raw.v !== 1) return undefined;
  const { userName, oldKeyId, startedAt, newKey } = raw;
  if (typeof userName !== 'string' || typeof oldKeyId !== 'string' || typeof startedAt !== 'string' || Number.isNaN(Date.parse(startedAt))) return undefined;
  const key = newKey as { accessKeyId?: unknown; secretAccessKey?: unknown } | undefined;
  if (key !== undefined && (typeof key?.accessKeyId !== 'string' || typeof key.secretAccessKey !== 'string')) return undefined;
  return { userName, oldKeyId, startedAt, ...(key ? { newKey: { accessKeyId: key.accessKeyId as string, secretAccessKey: key.secretAccessKey as string } } : {}) };
}

/** IAM's CreateDate has second precision and its clock is not ours: a key this much older than the record still counts. */
const CLOCK_MARGIN_MS = 5 * 60_000;

/** What the next run does with a record, given the key the source holds now and IAM's list of the user's keys. */
export type Resumption =
  /** Killed around CreateAccessKey: keys IAM created since, whose secret nobody has, are deleted; then start again. */
  | { readonly step: 'delete-lost-keys'; readonly lost: readonly AccessKeyInfo[] }
  /** The new key is stored in the record, the source still holds the old one: wait for the new key, switch, delete the old. */
  | { readonly step: 'switch'; readonly newKey: AccessKeys }
  /** The source holds the new key: delete the old one (if IAM still lists it), retire sessions, drop the record. */
  | { readonly step: 'delete-old'; readonly oldStillListed: boolean }
  /** The record does not fit the source any more (other keys were stored meanwhile, or the new key is gone): drop it. */
  | { readonly step: 'stale'; readonly why: string };

export function resumption(record: RotationRecord, storedKeyId: string, iamKeys: readonly AccessKeyInfo[], userName: string): Resumption {
  const listed = (id: string) => iamKeys.some((k) => k.accessKeyId === id);
  if (record.userName !== userName) return { step: 'stale', why: `it was for IAM user ${record.userName}, and the source's keys now belong to ${userName}` };
  const { newKey } = record;
  if (newKey && storedKeyId === newKey.accessKeyId) return { step: 'delete-old', oldStillListed: listed(record.oldKeyId) };
  if (storedKeyId !== record.oldKeyId) {
    return { step: 'stale', why: `the source's keys were replaced meanwhile (now ${storedKeyId})${newKey && listed(newKey.accessKeyId) ? `; key ${newKey.accessKeyId} it created is still in IAM` : ''}` };
  }
  if (!newKey) {
    const since = Date.parse(record.startedAt) - CLOCK_MARGIN_MS;
    const lost = iamKeys.filter((k) => k.accessKeyId !== storedKeyId && k.createDate !== undefined && k.createDate.getTime() >= since);
    return { step: 'delete-lost-keys', lost };
  }
  if (!listed(newKey.accessKeyId)) return { step: 'stale', why: `the new key ${newKey.accessKeyId} is no longer in IAM` };
  return { step: 'switch', newKey };
}

/** For `doctor`, which asks IAM nothing: where the rotation stopped, from the record and the stored key alone. */
export function describeRotation(record: RotationRecord, storedKeyId: string | undefined): string {
  const { oldKeyId, newKey } = record;
  if (!newKey) return `a rotation of key ${oldKeyId} (IAM user ${record.userName}) stopped around CreateAccessKey, before a new key was stored`;
  if (storedKeyId === newKey.accessKeyId) return `a rotation from key ${oldKeyId} to ${newKey.accessKeyId} stopped after the switch: the old key may still be in IAM`;
  if (storedKeyId === oldKeyId) return `a rotation from key ${oldKeyId} to ${newKey.accessKeyId} stopped before the switch: the old key is still in use`;
  return `a rotation from key ${oldKeyId} to ${newKey.accessKeyId} no longer fits the stored key${storedKeyId ? ` ${storedKeyId}` : 's (none stored)'}`;
}
