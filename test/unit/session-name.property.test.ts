/**
 * Role session names and ARNs: whatever the user's name, the RoleSessionName sent is one AWS accepts
 * (2..64 of [\w+=,.@-]); role ARNs parse back to what they were built from, and a string either is a role ARN
 * that renders back to itself or is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMfaSerial, normaliseRoleName, roleArn, tryParseRoleArn } from '../../src/core/arn.js';
import { sanitizeSessionName, sessionName } from '../../src/core/session-name.js';

const AWS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const IAM_CHARS = /^[\w+=,.@-]+$/;

describe('sanitizeSessionName', () => {
  it('always gives a name AWS accepts, from any text (unicode, control characters, empty, very long)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ maxLength: 300 })), (raw) => {
        expect(sanitizeSessionName(raw)).toMatch(AWS_SESSION_NAME);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves a name that is already valid (and starts and ends with no dash) as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\w+=,.@][\w+=,.@-]{0,62}[\w+=,.@]$/), (name) => {
        expect(sanitizeSessionName(name)).toBe(name);
      }),
    );
  });

  it('keeps the letters of accented names ("José" → "Jose")', () => {
    expect(sanitizeSessionName('José Müller')).toBe('Jose-Muller');
  });

  it('the explicit role_session_name wins over the user name; both come out valid', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: undefined }), fc.option(fc.string({ maxLength: 80 }), { nil: undefined }), (explicit, user) => {
        expect(sessionName({ roleSessionName: explicit }, user)).toMatch(AWS_SESSION_NAME);
      }),
    );
  });
});

const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b');
const accountId = fc.stringMatching(/^\d{12}$/);
const segment = fc.stringMatching(/^[\w+=,.@-]{1,16}$/);

describe('role ARNs', () => {
  it('a role ARN built from valid parts parses back to them', () => {
    fc.assert(
      fc.property(partition, accountId, fc.array(segment, { maxLength: 3 }), fc.stringMatching(/^[\w+=,.@-]{1,64}$/), (p, id, path, name) => {
        const withPath = [...path, name].join('/');
        const parsed = tryParseRoleArn(roleArn(p, id, withPath));
        expect(parsed).toEqual({ partition: p, accountId: id, roleName: name, path: path.length ? `/${path.join('/')}/` : '/' });
        expect(normaliseRoleName(`/${withPath}/`)).toBe(withPath);
      }),
      { numRuns: 500 },
    );
  });

  it('any string is either refused or a role ARN that renders back to itself', () => {
    const arnish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc
        .tuple(fc.constantFrom('arn', 'arn ', 'ARN'), fc.constantFrom('aws', 'aws-cn', 'x', ''), fc.constantFrom('iam', 's3', ''), fc.string({ maxLength: 14 }), fc.constantFrom('role/', 'user/', 'role', 'role//'), fc.string({ maxLength: 20 }))
        .map(([a, p, s, id, kind, rest]) => `${a}:${p}:${s}::${id}:${kind}${rest}`),
    );
    fc.assert(
      fc.property(arnish, (text) => {
        const parsed = tryParseRoleArn(text);
        if (!parsed) return;
        expect(parsed.accountId).toMatch(/^\d{12}$/);
        expect(parsed.roleName).toMatch(IAM_CHARS);
        expect(parsed.roleName.length).toBeLessThanOrEqual(64);
        expect(`arn:${parsed.partition}:iam::${parsed.accountId}:role${parsed.path}${parsed.roleName}`).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('isMfaSerial never throws, and accepts only device ARNs or hardware serials', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        if (isMfaSerial(text)) expect(text).toMatch(/^(arn:aws(-[a-z]+)*:iam::\d{12}:mfa\/[\w+=,.@/-]+|[\w+=,.@-]{9,256})$/);
      }),
      { numRuns: 1000 },
    );
  });
});
