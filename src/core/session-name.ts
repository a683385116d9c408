import type { ProfilePlan } from './profile-map/types.js';

const MIN_LENGTH = 2;
const MAX_LENGTH = 64;

/**
 * The RoleSessionName for a plan: its explicit `role_session_name`, else the user's name, so that CloudTrail
 * shows who assumed the role. Either is made valid for AWS: `[\w+=,.@-]`, 2..64 characters.
 */
export function sessionName(plan: Pick<ProfilePlan, 'roleSessionName'>, userName: string | undefined): string {
  return sanitizeSessionName(plan.roleSessionName || userName || '');
}

export function sanitizeSessionName(raw: string): string {
  const cleaned = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // "José" → "Jose" rather than "Jos-"
    .replace(/[^A-Za-z0-9_+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned.length === 0) return 'xacct';
  const named = cleaned.length < MIN_LENGTH ? `xacct-${cleaned}` : cleaned;
  return named.slice(0, MAX_LENGTH);
}
