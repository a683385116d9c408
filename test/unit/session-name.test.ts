import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sanitizeSessionName, sessionName } from '../../src/core/session-name.js';
import userNames from '../../src/core/user-name.cjs';

const { userNameFrom } = userNames;

describe('sessionName', () => {
  it("uses the plan's role_session_name first", () => {
    expect(sessionName({ roleSessionName: 'ci-bot' }, 'alice')).toBe('ci-bot');
  });

  it("else the user's name", () => {
    expect(sessionName({}, 'alice')).toBe('alice');
  });

  it.each([
    ['alice.smith@example.com', 'alice.smith@example.com'],
    ['DOMAIN\\alice', 'DOMAIN-alice'],
    ['Jöhn Doe', 'John-Doe'],
    ['  bob  ', 'bob'],
    ['a', 'xacct-a'],
    ['é', 'xacct-e'],
    ['', 'xacct'],
    ['日本', 'xacct'],
    ['x'.repeat(80), 'x'.repeat(64)],
    ['a+b=c,d', 'a+b=c,d'],
  ])('sanitises %j to %j', (raw, expected) => {
    expect(sanitizeSessionName(raw)).toBe(expected);
  });

  it('always gives a name AWS accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (raw) => {
        expect(sanitizeSessionName(raw)).toMatch(/^[\w+=,.@-]{2,64}$/);
      }),
    );
  });

  it('takes the OS user, else USER, else USERNAME', () => {
    expect(userNameFrom({ USER: 'env-user' }, 'os-user')).toBe('os-user');
    expect(userNameFrom({ USER: 'env-user', USERNAME: 'win' })).toBe('env-user');
    expect(userNameFrom({ USERNAME: 'win' })).toBe('win');
    expect(userNameFrom({})).toBeUndefined();
  });
});
