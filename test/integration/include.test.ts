/**
 * `include = [...]` at the top of a profile map, through the built CLI: a team map kept elsewhere (`~` expanded),
 * a map it includes in turn (relative to it), what the including file says winning, and the clear errors of a
 * loop, a missing file, a mistake in an included map and an included map that others can write.
 */
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHome, runCli, type TestHome } from '../helpers/index.js';

interface Entry {
  name: string;
  accountId: string;
  region: string | null;
  durationSeconds: number;
  roleArn: string;
  source: string;
}

describe('include', () => {
  let home: TestHome;
  const configFile = () => home.path('.config/xacct/config.toml');
  const teamFile = () => home.path('src/team/xacct.toml');
  const list = async () => {
    const r = await runCli(['list', '--json'], { env: home.env });
    expect(r.code, r.stderr).toBe(0);
    return new Map((JSON.parse(r.stdout) as Entry[]).map((e) => [e.name, e]));
  };
  const fails = async (args: string[] = ['list']) => {
    const r = await runCli(args, { env: home.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    return r.stderr;
  };

  beforeAll(() => {
    home = makeHome();
  });
  afterAll(() => home.cleanup());

  beforeEach(() => {
    home.write(
      'src/team/xacct.toml',
      'include = ["roles.toml"]\n\n[accounts]\nprod = { id = "222222222222", region = "eu-central-1" }\nstaging = "333333333333"\n\n[profiles.prod-admin]\nduration = "1h"\nexternal_id = "team-id"\n',
    );
    home.write('src/team/roles.toml', '[roles]\nadmin = "OrganizationAccountAccessRole"\nreadonly = { name = "ReadOnly", duration = "2h" }\n');
    home.write(
      '.config/xacct/config.toml',
      'include = ["~/src/team/xacct.toml"]\n\n[sources.identity]\nregion = "eu-west-1"\n\n[accounts]\nstaging = "444444444444"\n\n[profiles.prod-admin]\nduration = "3h"\n',
    );
  });

  it('reads the team map and the map it includes; what the including file says wins', async () => {
    const profiles = await list();
    expect([...profiles.keys()]).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
    expect(profiles.get('prod-admin')).toMatchObject({ accountId: '222222222222', region: 'eu-central-1', durationSeconds: 3 * 3600, source: 'identity' });
    expect(profiles.get('prod-readonly')).toMatchObject({ durationSeconds: 2 * 3600, roleArn: 'arn:aws:iam::222222222222:role/ReadOnly' });
    expect(profiles.get('staging-admin')).toMatchObject({ accountId: '444444444444', region: 'eu-west-1' });
  });

  it('reads a map included twice once (two maps include one team map)', async () => {
    home.write('.config/xacct/extra.toml', 'include = ["../../src/team/xacct.toml"]\n[accounts]\ndev = "555555555555"\n');
    home.write('.config/xacct/config.toml', 'include = ["~/src/team/xacct.toml", "extra.toml"]\n[sources.identity]\n');
    expect([...(await list()).keys()]).toEqual(['dev-admin', 'dev-readonly', 'prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
  });

  it('names the including file and line of a loop, a missing file, and what include must be', async () => {
    home.write('src/team/roles.toml', '\ninclude = ["~/.config/xacct/config.toml"]\n[roles]\nadmin = "Admin"\n');
    expect(await fails()).toBe(
      `xacct: ${home.path('src/team/roles.toml')}:2: include '~/.config/xacct/config.toml': include loop: ${configFile()} → ${teamFile()} → ${home.path('src/team/roles.toml')} → ${configFile()}\n` +
        'xacct: a map may include another only once along a chain: remove one of these include entries\n',
    );
    home.write('.config/xacct/config.toml', '[sources.identity]\ninclude = ["x"]\n');
    expect(await fails()).toMatch(/^xacct: .*config\.toml:2: unknown key 'include' in \[sources\.identity\]/);
    home.write('.config/xacct/config.toml', 'include = ["team.toml"]\n[sources.identity]\n');
    expect(await fails()).toBe(
      `xacct: ${configFile()}:1: include 'team.toml': ${home.path('.config/xacct/team.toml')} does not exist\n` +
        'xacct: paths are relative to the folder of the file that includes them; ~/ is the home folder\n',
    );
    home.write('.config/xacct/config.toml', 'include = "team.toml"\n');
    expect(await fails()).toMatch(new RegExp(`^xacct: ${configFile()}:1: include must be a list of file paths`));
  });

  it('names the included file and line of a mistake in it, for any command', async () => {
    home.write('src/team/roles.toml', '[roles]\nadmin = "OrganizationAccountAccessRole"\n\n[roles.readonly]\nnmae = "ReadOnly"\n');
    expect(await fails(['credential-process', 'prod-admin'])).toMatch(new RegExp(`^xacct: ${home.path('src/team/roles.toml')}:5: unknown key 'nmae' in \\[roles\\.readonly\\]`));
    home.write('src/team/roles.toml', '[roles\n');
    expect(await fails()).toMatch(new RegExp(`^xacct: ${home.path('src/team/roles.toml')}:1: invalid TOML`));
  });

  it('refuses an included map that others can write, as it refuses the main one', async () => {
    chmodSync(teamFile(), 0o664);
    expect(await fails()).toBe(`xacct: ${teamFile()}: refused: it can be written by other users (mode 0664), and an included profile map names commands xacct runs\nxacct: run \`chmod go-w ${teamFile()}\`\n`);
    chmodSync(teamFile(), 0o600);
    expect((await list()).size).toBe(4);
  });
});
