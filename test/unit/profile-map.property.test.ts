/**
 * Properties of the profile map parser: whatever the text, it returns a map or throws a ConfigError (exit 2, with
 * the file named), never anything else; and any valid map yields exactly the profiles and role ARNs it describes.
 * (Messages may quote values with newlines or escape characters: report-error.property.test.ts shows they are
 * printed as one harmless line.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';

const FILE = '/home/alice/.config/xacct/config.toml';

/** Builds the map, and says how it ended: a map, or a ConfigError naming the file. Any other error fails. */
function outcome(text: string): 'map' | 'config-error' {
  try {
    buildProfileMap({ profileMap: { file: FILE, text } });
    return 'map';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(text)}: ${String(err)}`, { cause: err });
    expect(err.exitCode).toBe(2);
    expect(err.message.startsWith(`${FILE}`)).toBe(true);
    return 'config-error';
  }
}

const KEYS = [
  'default_profile', 'backend', 'on_assume', 'sources', 'accounts', 'roles', 'profiles', 'mfa_serial', 'mfa_process', 'region',
  'session_duration', 'aws_profile', 'default', 'id', 'name', 'duration', 'role_arn', 'source', 'external_id', 'source_identity',
  'tags', 'role_session_name', 'identity', 'prod', 'admin', 'prod-admin', 'x',
];
const VALUES = [
  '"eu-west-1"', '"EU"', '"222222222222"', '222222222222', '"2222"', '"arn:aws:iam::111111111111:mfa/alice"', '"arn:aws:iam::222222222222:role/Admin"',
  '"arn:aws:iam::1:role/x"', '"1h"', '"15m"', '"14m"', '"37h"', '"900"', '900', '0', '-1', '1.5', '1e3', 'nan', 'inf', 'true', 'false', '"os"', '"file"',
  '"identity"', '"prod-admin"', '"a b"', '""', '[]', '["x"]', '{}', '{ id = "333333333333" }', '{ name = "ReadOnly", duration = "1h" }', '{ t = "v" }',
  '1979-05-27T07:32:00Z', '"""multi\nline"""', "'literal'", '"\\u00e9"',
];

/** TOML-ish documents: headers, key = value lines and noise, made of the words the parser knows. */
const tomlish = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('', 'sources.', 'accounts.', 'roles.', 'profiles.', 'profiles.prod-admin.'), fc.constantFrom(...KEYS)).map(([p, k]) => `[${p}${k}]`),
      fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([k, v]) => `${k} = ${v}`),
      fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([a, b, v]) => `${a}.${b} = ${v}`),
      fc.constantFrom('', '# comment', '[[x]]', '[', ']', '=', '"', "'", '{', '}', 'key', '[profiles."quoted name"]', '\t', '\u0000', '\ufeff'),
    ),
    { maxLength: 25 },
  )
  .map((lines) => lines.join('\n'));

describe('the profile map parser never throws anything but a ConfigError', () => {
  it('on TOML-ish documents made of the words it knows', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(tomlish, (text) => {
        seen.add(outcome(text));
      }),
      { numRuns: 1500 },
    );
    // Both outcomes were reached: the generator makes valid maps too, not only broken ones.
    expect([...seen].sort()).toEqual(['config-error', 'map']);
  });

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        outcome(text);
      }),
      { numRuns: 500 },
    );
  });
});

// Valid maps: account and role names that cannot make the same profile name twice (no '-' in them).
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const accountId = fc.stringMatching(/^\d{12}$/);
const roleName = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,20}$/);
const region = fc.constantFrom(undefined, 'eu-west-1', 'us-east-1', 'ap-southeast-2');

describe('a valid profile map yields exactly the profiles it describes', () => {
  it('every account × role, named <account>-<role>, with its role ARN and region', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(word, accountId, region), { minLength: 1, maxLength: 5, selector: ([name]) => name }),
        fc.uniqueArray(fc.tuple(word, roleName, fc.boolean()), { minLength: 1, maxLength: 4, selector: ([name]) => name }),
        region,
        (accounts, roles, sourceRegion) => {
          const text = [
            '[sources.identity]',
            'mfa_serial = "arn:aws:iam::111111111111:mfa/alice"',
            ...(sourceRegion ? [`region = "${sourceRegion}"`] : []),
            '[accounts]',
            ...accounts.map(([name, id, r]) => (r ? `${name} = { id = "${id}", region = "${r}" }` : `${name} = "${id}"`)),
            '[roles]',
            ...roles.map(([name, role, asTable]) => (asTable ? `${name} = { name = "${role}", duration = "2h" }` : `${name} = "${role}"`)),
          ].join('\n');
          const map = buildProfileMap({ profileMap: { file: FILE, text } });
          const expected = accounts.flatMap(([a, id, r]) =>
            roles.map(([rn, role, asTable]) => ({
              name: `${a}-${rn}`,
              roleArn: `arn:aws:iam::${id}:role/${role}`,
              accountId: id,
              region: r ?? sourceRegion,
              durationSeconds: asTable ? 7200 : 3600,
            })),
          );
          expect([...map.profiles.keys()]).toEqual(expected.map((p) => p.name).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
          for (const p of expected) {
            expect(map.profiles.get(p.name)).toMatchObject({ ...p, source: { name: 'identity' }, origin: 'generated' });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
