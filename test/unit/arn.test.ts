import { describe, expect, it } from 'vitest';
import { arnPartition, isAccountId, isMfaSerial, normaliseRoleName, parseRoleArn, roleArn, tryParseRoleArn } from '../../src/core/arn.js';
import { UsageError } from '../../src/core/errors.js';

describe('parseRoleArn', () => {
  it('reads a role ARN', () => {
    expect(parseRoleArn('arn:aws:iam::222222222222:role/OrganizationAccountAccessRole')).toEqual({
      partition: 'aws',
      accountId: '222222222222',
      roleName: 'OrganizationAccountAccessRole',
      path: '/',
    });
  });

  it('takes the last path segment as the role name', () => {
    expect(parseRoleArn('arn:aws:iam::222222222222:role/team/ops/Deployer')).toEqual({
      partition: 'aws',
      accountId: '222222222222',
      roleName: 'Deployer',
      path: '/team/ops/',
    });
  });

  it.each(['aws-cn', 'aws-us-gov', 'aws-iso-b'])('knows partition %s', (partition) => {
    expect(parseRoleArn(`arn:${partition}:iam::222222222222:role/R`).partition).toBe(partition);
  });

  it.each([
    'arn:aws:iam::22222222222:role/Short',
    'arn:aws:iam::2222222222222:role/Long',
    'arn:aws:iam::22222222222a:role/Letter',
    'arn:aws:iam::222222222222:user/alice',
    'arn:aws:sts::222222222222:assumed-role/R/s',
    'arn:aws:iam::222222222222:role/',
    'arn:aws:iam::222222222222:role/has space',
    'arn:aws:iam:us-east-1:222222222222:role/R',
    'arn:azure:iam::222222222222:role/R',
    `arn:aws:iam::222222222222:role/${'x'.repeat(65)}`,
    'OrganizationAccountAccessRole',
  ])('rejects %s', (arn) => {
    expect(tryParseRoleArn(arn)).toBeUndefined();
    expect(() => parseRoleArn(arn)).toThrow(UsageError);
    expect(() => parseRoleArn(arn)).toThrow(`invalid role ARN '${arn}': expected arn:aws:iam::<12-digit account id>:role/<name>`);
  });
});

describe('roleArn and normaliseRoleName', () => {
  it('builds ARNs, with paths', () => {
    expect(roleArn('aws', '222222222222', 'Admin')).toBe('arn:aws:iam::222222222222:role/Admin');
    expect(roleArn('aws-cn', '222222222222', 'team/Admin')).toBe('arn:aws-cn:iam::222222222222:role/team/Admin');
  });

  it('trims the slashes of a path', () => {
    expect(normaliseRoleName('/team/Admin')).toBe('team/Admin');
    expect(normaliseRoleName('Admin')).toBe('Admin');
    expect(normaliseRoleName('')).toBeUndefined();
    expect(normaliseRoleName('team//Admin')).toBeUndefined();
    expect(normaliseRoleName('Ad min')).toBeUndefined();
  });
});

describe('isAccountId', () => {
  it('wants exactly 12 digits', () => {
    expect(isAccountId('012345678901')).toBe(true);
    expect(isAccountId('12345678901')).toBe(false);
    expect(isAccountId('1234567890123')).toBe(false);
    expect(isAccountId('12345678901a')).toBe(false);
    expect(isAccountId(' 12345678901')).toBe(false);
  });
});

describe('isMfaSerial', () => {
  it.each([
    'arn:aws:iam::111111111111:mfa/alice',
    'arn:aws-cn:iam::111111111111:mfa/alice',
    'arn:aws-us-gov:iam::111111111111:mfa/path/alice.smith@corp',
    'GAHT12345678',
  ])('accepts %s', (serial) => expect(isMfaSerial(serial)).toBe(true));

  it.each([
    'arn:aws:iam::11111111111:mfa/alice',
    'arn:aws:iam::111111111111:user/alice',
    'arn:aws:iam::111111111111:mfa/',
    'GAHT1234',
    'has space 123',
    '',
  ])('rejects %j', (serial) => expect(isMfaSerial(serial)).toBe(false));
});

describe('arnPartition', () => {
  it('reads the partition of an ARN only', () => {
    expect(arnPartition('arn:aws-cn:iam::111111111111:mfa/a')).toBe('aws-cn');
    expect(arnPartition('GAHT12345678')).toBeUndefined();
  });
});
