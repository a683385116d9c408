/**
 * Profile names at scale (src/core/profile-map/profile-entries.ts): a name is looked up by splitting it at a dash
 * when no two account × role pairs can make one name, and every name is made otherwise. Whatever the accounts and
 * roles (names with dashes, so that one account is often another plus `-x`), the map has exactly the profiles an
 * account × role enumeration gives, each of the right pair, and is refused exactly when two pairs make one name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { namesCanClash } from '../../src/core/profile-map/profile-entries.js';

const FILE = '/home/alice/.config/xacct/config.toml';
/** Few words, joined by dashes: `a`, `a-b`, `b-a-b`… clash often. */
const name = fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 3 }).map((w) => w.join('-'));
const names = fc.uniqueArray(name, { minLength: 1, maxLength: 5 });
/** Some [profiles.X]: a refinement of a name that may exist, or an explicit profile. */
const refinements = fc.uniqueArray(fc.tuple(fc.tuple(name, name).map(([a, r]) => `${a}-${r}`), fc.boolean()), { maxLength: 3, selector: ([n]) => n });

function mapText(accounts: string[], roles: string[], profiles: [string, boolean][]): string {
  const lines = ['[sources.identity]', '', '[accounts]', ...accounts.map((a, i) => `${a} = "${String(200000000000 + i)}"`), '', '[roles]', ...roles.map((r) => `${r} = "R-${r}"`), ''];
  for (const [p, explicit] of profiles) lines.push(`[profiles.${p}]`, explicit ? 'role_arn = "arn:aws:iam::999999999999:role/X"' : 'external_id = "refined"', '');
  return lines.join('\n');
}

describe('profile names made or looked up', () => {
  it('the same profiles as the account × role enumeration, refused exactly when a name is made twice', () => {
    let lazy = 0;
    let runs = 0;
    let refused = 0;
    fc.assert(
      fc.property(names, names, refinements, fc.array(name.chain((a) => name.map((r) => `${a}-${r}`)), { maxLength: 6 }), (accounts, roles, profiles, probes) => {
        runs++;
        const pairs = new Map<string, [string, string][]>();
        for (const a of accounts) for (const r of roles) pairs.set(`${a}-${r}`, [...(pairs.get(`${a}-${r}`) ?? []), [a, r]]);
        const madeTwice = [...pairs.values()].some((p) => p.length > 1);
        if (!namesCanClash(accountsMap(accounts), rolesMap(roles))) lazy++;
        // A clash always means madeTwice could happen; no clash possible means no name is made twice.
        if (madeTwice) expect(namesCanClash(accountsMap(accounts), rolesMap(roles))).toBe(true);

        const orphan = profiles.find(([p, explicit]) => !explicit && !pairs.has(p));
        const hijack = profiles.find(([p, explicit]) => explicit && pairs.has(p));
        let map;
        try {
          map = buildProfileMap({ profileMap: { file: FILE, text: mapText(accounts, roles, profiles) } });
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect(madeTwice || orphan !== undefined || hijack !== undefined, (err as Error).message).toBe(true);
          refused++;
          return;
        }
        expect(madeTwice || orphan || hijack).toBeFalsy();
        const expected = [...pairs.keys(), ...profiles.filter(([p]) => !pairs.has(p)).map(([p]) => p)];
        expect(new Set(map.profiles.keys())).toEqual(new Set(expected));
        expect(map.profiles.size).toBe(expected.length);
        for (const [profile, [[a, r]]] of pairs as Map<string, [[string, string]]>) {
          const plan = map.profiles.get(profile)!;
          expect(plan.accountName).toBe(a);
          expect(plan.roleName).toBe(`R-${r}`);
          expect(plan.externalId).toBe(profiles.some(([p]) => p === profile) ? 'refined' : undefined);
        }
        for (const [p, explicit] of profiles) if (explicit) expect(map.profiles.get(p)?.roleArn).toBe('arn:aws:iam::999999999999:role/X');
        for (const p of probes) expect(map.profiles.has(p)).toBe(expected.includes(p));
      }),
      { numRuns: 800 },
    );
    // The lookup by splitting (no clash possible) and the enumeration both ran, often.
    expect(lazy, `${lazy} of ${runs}, ${refused} refused`).toBeGreaterThan(runs * 0.3);
    expect(runs - lazy, `${lazy} of ${runs}, ${refused} refused`).toBeGreaterThan(runs * 0.1);
    expect(runs - refused).toBeGreaterThan(runs * 0.3);
  });
});

const accountsMap = (accounts: string[]) => new Map(accounts.map((a) => [a, { name: a, id: '1', origin: 'map' as const }]));
const rolesMap = (roles: string[]) => new Map(roles.map((r) => [r, { name: r, nameWithPath: r }]));
