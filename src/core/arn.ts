import { UsageError } from './errors.js';

export interface RoleArn {
  /** "aws", "aws-cn", "aws-us-gov"… */
  readonly partition: string;
  readonly accountId: string;
  /** The last path segment: "Name" of "role/path/Name". */
  readonly roleName: string;
  /** IAM path with its slashes: "/" or "/path/". */
  readonly path: string;
}

const PARTITION = 'aws(?:-[a-z]+)*';
/** IAM names (roles, MFA devices, path segments): letters, digits and + = , . @ _ - */
const IAM_NAME = /^[\w+=,.@-]+$/;
const ROLE_ARN = new RegExp(`^arn:(${PARTITION}):iam::(\\d{12}):role/(.+)$`);
const MFA_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:mfa/[\\w+=,.@/-]+$`);
/** Serial number of a hardware MFA device, e.g. GAHT12345678 (AWS: 9..256 chars). */
const HARDWARE_SERIAL = /^[\w+=,.@-]{9,256}$/;

export function isAccountId(id: string): boolean {
  return /^\d{12}$/.test(id);
}

/** Role ARN parts, or undefined when `arn` is not an IAM role ARN. */
export function tryParseRoleArn(arn: string): RoleArn | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition = '', accountId = '', pathAndName = ''] = m;
  const segments = pathAndName.split('/');
  const roleName = segments.pop() ?? '';
  if (roleName.length > 64 || !segments.concat(roleName).every((s) => IAM_NAME.test(s))) return undefined;
  return { partition, accountId, roleName, path: segments.length ? `/${segments.join('/')}/` : '/' };
}

export function parseRoleArn(arn: string): RoleArn {
  const parsed = tryParseRoleArn(arn);
  if (!parsed) {
    throw new UsageError(`invalid role ARN '${arn}': expected arn:aws:iam::<12-digit account id>:role/<name>`);
  }
  return parsed;
}

/**
 * A role name as written in `[roles]`, possibly with a path ("path/Name" or "/path/Name"), without its slashes
 * at the ends; undefined when it is not a valid IAM name.
 */
export function normaliseRoleName(nameWithPath: string): string | undefined {
  const trimmed = nameWithPath.replace(/^\/+|\/+$/g, '');
  const segments = trimmed.split('/');
  if (!trimmed || (segments.at(-1) ?? '').length > 64 || !segments.every((s) => IAM_NAME.test(s))) return undefined;
  return trimmed;
}

export function roleArn(partition: string, accountId: string, roleNameWithPath: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleNameWithPath}`;
}

/** A virtual MFA device ARN (arn:aws:iam::123456789012:mfa/alice) or a hardware device serial (GAHT12345678). */
export function isMfaSerial(serial: string): boolean {
  return serial.startsWith('arn:') ? MFA_ARN.test(serial) : HARDWARE_SERIAL.test(serial);
}

/** The partition of an ARN ("aws-cn" of "arn:aws-cn:iam::…"), or undefined when `text` is no ARN. */
export function arnPartition(text: string): string | undefined {
  return new RegExp(`^arn:(${PARTITION}):`).exec(text)?.[1];
}

export interface IamUserArn {
  readonly partition: string;
  readonly accountId: string;
  /** The last path segment: "alice" of "user/people/alice". */
  readonly userName: string;
}

/** The IAM user of an ARN such as GetCallerIdentity returns (arn:aws:iam::111111111111:user/alice); else undefined. */
export function iamUserOfArn(arn: string): IamUserArn | undefined {
  const m = new RegExp(`^arn:(${PARTITION}):iam::(\\d{12}):user/(.+)$`).exec(arn);
  if (!m) return undefined;
  const userName = m[3]!.split('/').pop() ?? '';
  return IAM_NAME.test(userName) ? { partition: m[1]!, accountId: m[2]!, userName } : undefined;
}
