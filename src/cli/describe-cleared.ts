import cacheEntry from '../core/cache-entry.cjs';
import { sourceOfLegacyMfaKey } from '../core/session-keys.js';

/**
 * For people: "the role sessions of prod-admin, staging-admin and the MFA session of identity". An MFA session's
 * key is a hash: `labels` names its source (a map from key to name, as `clearSessions` gives, or one name for all of
 * them); those without a name are counted.
 */
export function describeCleared(keys: readonly string[], labels: ReadonlyMap<string, string> | string = new Map()): string {
  const roles = [...new Set(keys.map(cacheEntry.profileOfRoleSessionKey).filter((p): p is string => p !== undefined))];
  const mfaKeys = keys.filter((k) => k.startsWith('mfa-session:'));
  const nameOf = (k: string) => (typeof labels === 'string' ? labels : (labels.get(k) ?? sourceOfLegacyMfaKey(k)));
  const named = [...new Set(mfaKeys.map(nameOf).filter((n): n is string => n !== undefined))];
  const unnamed = mfaKeys.filter((k) => nameOf(k) === undefined).length;
  const mfa = [
    named.length ? `the MFA session${named.length > 1 ? 's' : ''} of ${named.join(', ')}` : '',
    unnamed ? `${named.length ? `${unnamed} other` : unnamed === 1 ? 'an' : String(unnamed)} MFA session${unnamed > 1 ? 's' : ''}` : '',
  ].filter(Boolean);
  const parts = [roles.length ? `the role session${roles.length > 1 ? 's' : ''} of ${roles.join(', ')}` : '', mfa.join(' and ')].filter(Boolean);
  return parts.join(' and ');
}
