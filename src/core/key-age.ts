/** How old a source's access key is, and when that calls for `xacct rotate`. */
import { error, ok, warning, type Finding } from './doctor-report.js';

/** Past this many days a key should be rotated (the CIS AWS Foundations benchmark says 90). */
export const KEY_AGE_WARNING_DAYS = 90;

const DAY_MS = 24 * 3600_000;

export interface KeyAgeInput {
  readonly topic: string;
  readonly source: string;
  readonly accessKeyId: string;
  /** CreateDate of that key in IAM; undefined when IAM does not list it. */
  readonly createDate: Date | undefined;
  readonly userName: string;
  readonly now: Date;
  /** Whether the key is stored by xacct (rotate can replace it) or read from an AWS profile. */
  readonly stored: boolean;
}

export function keyAgeFinding(k: KeyAgeInput): Finding {
  if (!k.createDate) return error(k.topic, `IAM does not list access key ${k.accessKeyId} among the keys of user ${k.userName}`, `store a key of that user with xacct add ${k.source}`);
  const days = Math.max(0, Math.floor((k.now.getTime() - k.createDate.getTime()) / DAY_MS));
  const age = `access key ${k.accessKeyId} is ${days} day${days === 1 ? '' : 's'} old (created ${k.createDate.toISOString().slice(0, 10)})`;
  if (days <= KEY_AGE_WARNING_DAYS) return ok(k.topic, age);
  const fix = k.stored ? `xacct rotate ${k.source}` : `move it into the keychain (xacct add ${k.source} --from-aws-profile <profile> --remove-plaintext), then xacct rotate ${k.source}`;
  return warning(k.topic, `${age}: older than ${KEY_AGE_WARNING_DAYS} days, rotate it`, fix);
}
