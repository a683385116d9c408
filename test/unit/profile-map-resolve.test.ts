import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { profileListHint, profileNames, resolveProfile } from '../../src/core/profile-map/resolve.js';
import { closestNames, didYouMean, editDistance } from '../../src/core/suggest.js';

const SPEC_EXAMPLE = readFileSync(new URL('../fixtures/profile-map/spec-example.toml', import.meta.url), 'utf8');
const map = buildProfileMap({ profileMap: { file: 'config.toml', text: SPEC_EXAMPLE } });
const noDefault = buildProfileMap({ profileMap: { file: 'config.toml', text: SPEC_EXAMPLE.replace(/^default_profile.*$/m, '') } });

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('resolveProfile', () => {
  it('finds a profile by name', () => {
    expect(resolveProfile(map, 'prod-admin').roleArn).toBe('arn:aws:iam::222222222222:role/OrganizationAccountAccessRole');
  });

  it('falls back to default_profile', () => {
    expect(resolveProfile(map, undefined).name).toBe('staging-readonly');
  });

  it('names the closest profiles for an unknown name', () => {
    const err = usageError(() => resolveProfile(map, 'prdo-admin'));
    expect(err.message).toBe("unknown profile 'prdo-admin'");
    expect(err.hint).toBe('did you mean prod-admin? (all profiles: xacct list)');
  });

  it('suggests by prefix', () => {
    expect(usageError(() => resolveProfile(map, 'staging')).hint).toBe('did you mean staging-admin, staging-readonly? (all profiles: xacct list)');
  });

  it('lists the profiles when nothing is close', () => {
    expect(usageError(() => resolveProfile(map, 'zzz')).hint).toBe('profiles: prod-admin, prod-readonly, staging-admin, staging-readonly, vendor-audit');
  });

  it('lists the profiles when no name is given and there is no default', () => {
    const err = usageError(() => resolveProfile(noDefault, undefined));
    expect(err.message).toBe('no profile given, and the profile map sets no default_profile');
    expect(err.hint).toBe('profiles: prod-admin, prod-readonly, staging-admin, staging-readonly, vendor-audit');
  });

  it('says how to define profiles when there are none', () => {
    const empty = buildProfileMap({});
    expect(usageError(() => resolveProfile(empty, undefined)).hint).toMatch(/^no profiles are defined/);
  });

  it('shortens long lists', () => {
    expect(profileListHint(map, 2)).toBe('profiles: prod-admin, prod-readonly, … (3 more: xacct list)');
  });

  it('gives the sorted names for pickers', () => {
    expect(profileNames(map)).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly', 'vendor-audit']);
  });
});

describe('suggestions', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('prdo', 'prod')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('finds close names, best first, ignoring case', () => {
    expect(closestNames('Prod-Admn', ['prod-admin', 'prod-readonly', 'dev-admin'])).toEqual(['prod-admin']);
    expect(closestNames('x', ['prod-admin'])).toEqual([]);
  });

  it('writes "did you mean"', () => {
    expect(didYouMean('regoin', ['region', 'id'])).toBe(" (did you mean 'region'?)");
    expect(didYouMean('prod', ['prod-admin', 'prod-ro'])).toBe(" (did you mean 'prod-admin' or 'prod-ro'?)");
    expect(didYouMean('zzz', ['region'])).toBe('');
  });
});
