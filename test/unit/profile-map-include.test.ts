/** Merging an include chain: what the including file says wins key by key, and errors name the file that wrote the key. */
import { describe, expect, it } from 'vitest';
import { includePath, includesOf, parseMapDocument } from '../../src/core/profile-map/include.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';

const team = parseMapDocument('[accounts]\nprod = "222222222222"\n[roles]\nadmin = "Admin"\n[profiles.prod-admin]\nduration = "1h"\nexternal_id = "team-id"\ntags = { team = "platform", cost = "a" }\n', '/t/team.toml');
const mine = (text: string) => parseMapDocument(`include = ["/t/team.toml"]\n[sources.me]\n${text}`, '/h/config.toml');

describe('include', () => {
  it('merges tables key by key, the including file winning; values and lists are replaced whole', () => {
    const map = buildProfileMap({ documents: [team, mine('[profiles.prod-admin]\nduration = "2h"\ntags = { cost = "b" }\n')] });
    expect(map.profiles.get('prod-admin')).toMatchObject({ durationSeconds: 7200, externalId: 'team-id', tags: { team: 'platform', cost: 'b' } });
    expect(map.profiles.get('prod-admin')?.definedAt).toBe('/h/config.toml:3');
    expect(map.files).toEqual(['/t/team.toml', '/h/config.toml']);
  });

  it('names the file and line that wrote a bad key, included or not', () => {
    const bad = parseMapDocument('[roles]\nadmin = "Admin"\n\n[roles.ops]\nnmae = "Ops"\n', '/t/team.toml');
    expect(() => buildProfileMap({ documents: [bad, mine('')] })).toThrow(/^\/t\/team\.toml:5: unknown key 'nmae' in \[roles\.ops\]/);
    expect(() => buildProfileMap({ documents: [team, mine('[accounts]\nprod = "2222"\n')] })).toThrow(/^\/h\/config\.toml:4: the id of account 'prod' must be 12 digits/);
  });

  it('finds the files to include: ~ from HOME, relative ones from the including file', () => {
    expect(includePath('~/src/team.toml', '/h/.config/xacct/config.toml', '/h')).toBe('/h/src/team.toml');
    expect(includePath('../team.toml', '/h/.config/xacct/config.toml', '/h')).toBe('/h/.config/team.toml');
    expect(includePath('/etc/xacct/team.toml', '/h/config.toml', '/h')).toBe('/etc/xacct/team.toml');
    expect(includesOf(parseMapDocument('\ninclude = ["a.toml", "~/b.toml"]\n', '/h/c/config.toml'), '/h')).toEqual([
      { written: 'a.toml', path: '/h/c/a.toml', from: '/h/c/config.toml', line: 2 },
      { written: '~/b.toml', path: '/h/b.toml', from: '/h/c/config.toml', line: 2 },
    ]);
    expect(() => includesOf(parseMapDocument('include = ["", 3]\n', '/h/c.toml'), '/h')).toThrow(/^\/h\/c\.toml:1: include must be a list of file paths/);
  });
});
