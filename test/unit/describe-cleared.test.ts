import { describe, expect, it } from 'vitest';
import { describeCleared } from '../../src/cli/describe-cleared.js';

const HASHED = `mfa-session:${'a'.repeat(32)}`;
const OTHER = `mfa-session:${'b'.repeat(32)}`;

describe('describeCleared: the sessions cleared or retired, for people', () => {
  it('role sessions by profile (scoped or not, once each), MFA sessions by the source the labels name', () => {
    const keys = ['role-session:prod-admin@0123abcd', 'role-session:prod-admin', 'role-session:staging-admin@0123abcd', HASHED];
    expect(describeCleared(keys, new Map([[HASHED, 'identity']]))).toBe('the role sessions of prod-admin, staging-admin and the MFA session of identity');
    expect(describeCleared(['role-session:prod-admin@0123abcd'])).toBe('the role session of prod-admin');
  });

  it('one name for all (add, remove, rotate); an MFA session no label names is counted; a pre-hash key names its source', () => {
    expect(describeCleared([HASHED, OTHER], 'identity')).toBe('the MFA session of identity');
    expect(describeCleared([HASHED])).toBe('an MFA session');
    expect(describeCleared([HASHED, OTHER])).toBe('2 MFA sessions');
    expect(describeCleared(['mfa-session:legacy', HASHED, OTHER], new Map([[HASHED, 'identity']]))).toBe('the MFA sessions of legacy, identity and 1 other MFA session');
  });
});
