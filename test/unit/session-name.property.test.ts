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

/** The string with one character replaced, inserted or deleted: near misses of a valid form. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })).map(([s, at, how, ch]) => {
    const i = at % (s.length + 1);
    if (how === 'insert') return s.slice(0, i) + ch + s.slice(i);
    if (how === 'delete') return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + ch + s.slice(i + 1);
  });
}

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

  it('any string is either refused or a role ARN that renders back to itself (most runs reach the ARN checks)', () => {
    // Valid ARNs, the same with one character changed, and noise: the property is checked on every accepted string,
    // and the generator makes sure most strings are accepted.
    const valid = fc.tuple(partition, accountId, fc.array(segment, { maxLength: 3 }), fc.stringMatching(/^[\w+=,.@-]{1,64}$/)).map(([p, id, path, name]) => roleArn(p, id, [...path, name].join('/')));
    const arnish = fc.oneof({ weight: 6, arbitrary: valid }, { weight: 3, arbitrary: mutated(valid) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) });
    const runs = 2000;
    let checked = 0;
    fc.assert(
      fc.property(arnish, (text) => {
        const parsed = tryParseRoleArn(text);
        if (!parsed) return;
        checked++;
        expect(parsed.accountId).toMatch(/^\d{12}$/);
        expect(parsed.roleName).toMatch(IAM_CHARS);
        expect(parsed.roleName.length).toBeLessThanOrEqual(64);
        expect(`arn:${parsed.partition}:iam::${parsed.accountId}:role${parsed.path}${parsed.roleName}`).toBe(text);
      }),
      { numRuns: runs },
    );
    expect(checked, 'accepted strings, whose round trip was checked').toBeGreaterThan(runs / 2);
  });

  it('isMfaSerial never throws, and accepts only device ARNs or hardware serials (most runs reach the check)', () => {
    const device = fc.tuple(partition, accountId, fc.stringMatching(/^[\w+=,.@/-]{1,40}$/)).map(([p, id, name]) => `arn:${p}:iam::${id}:mfa/${name}`);
    const hardware = fc.stringMatching(/^[\w+=,.@-]{9,64}$/);
    const text = fc.oneof(
      { weight: 3, arbitrary: device },
      { weight: 3, arbitrary: hardware },
      { weight: 3, arbitrary: mutated(fc.oneof(device, hardware)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    );
    const runs = 1000;
    let accepted = 0;
    fc.assert(
      fc.property(text, (t) => {
        if (!isMfaSerial(t)) return;
        accepted++;
        expect(t).toMatch(/^(arn:aws(-[a-z]+)*:iam::\d{12}:mfa\/[\w+=,.@/-]+|[\w+=,.@-]{9,256})$/);
      }),
      { numRuns: runs },
    );
    expect(accepted, 'accepted strings, checked against the two forms').toBeGreaterThan(runs / 2);
  });
});
