import { describe, expect, it } from 'vitest';
import {
  awsConfigEntries,
  credentialProcessOf,
  mergeAwsConfigEntries,
  renderAwsConfigEntries,
  type AwsConfigEntry,
} from '../../src/core/aws-config-entries.js';
import { ConfigError } from '../../src/core/errors.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

function plan(name: string, origin: ProfilePlan['origin'], region?: string): ProfilePlan {
  return { name, origin, ...(region ? { region } : {}) } as ProfilePlan;
}

const USER_CONFIG = `# AWS config of alice
[default]
region = eu-west-1
output = json

; the identity account
[profile identity]
region = eu-west-1
credential_process = /usr/local/bin/some-vault export identity

[profile prod-admin]   # my own, hands off
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = identity

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
s3 =
    max_concurrent_requests = 20
region = us-east-1
`;

const entries: AwsConfigEntry[] = awsConfigEntries([
  plan('prod-admin', 'generated'),
  plan('staging-readonly', 'generated', 'us-east-1'),
  plan('vendor-audit', 'explicit'),
  plan('legacy-role', 'aws-config', 'eu-west-1'),
]);

const ADDED = `
[profile staging-readonly]
credential_process = xacct credential-process staging-readonly
region = us-east-1

[profile vendor-audit]
credential_process = xacct credential-process vendor-audit
`;

describe('awsConfigEntries', () => {
  it("one entry per profile of the map, none for the AWS config's own role profiles", () => {
    expect(entries).toEqual([
      { name: 'prod-admin', credentialProcess: 'xacct credential-process prod-admin' },
      { name: 'staging-readonly', credentialProcess: 'xacct credential-process staging-readonly', region: 'us-east-1' },
      { name: 'vendor-audit', credentialProcess: 'xacct credential-process vendor-audit' },
    ]);
  });

  it('renders sections separated by blank lines', () => {
    expect(renderAwsConfigEntries(entries.slice(1))).toBe(ADDED.slice(1));
  });

  it('quotes a command or profile name a shell would split', () => {
    expect(credentialProcessOf('/opt/my tools/xacct', "o'brien")).toBe(`'/opt/my tools/xacct' credential-process 'o'\\''brien'`);
    expect(credentialProcessOf('/usr/local/bin/xacct', 'prod-admin')).toBe('/usr/local/bin/xacct credential-process prod-admin');
  });
});

describe('mergeAwsConfigEntries', () => {
  it("appends the missing entries, leaves the user's own section and every other byte alone", () => {
    const merge = mergeAwsConfigEntries(USER_CONFIG, entries);
    expect(merge.text).toBe(USER_CONFIG + ADDED);
    expect(merge.changed).toBe(true);
    expect(merge.added).toEqual(['staging-readonly', 'vendor-audit']);
    expect(merge.leftAlone).toEqual([{ name: 'prod-admin', reason: "it is not xacct's (it sets role_arn, source_profile)" }]);
  });

  it('changes nothing the second time', () => {
    const first = mergeAwsConfigEntries(USER_CONFIG, entries).text;
    const second = mergeAwsConfigEntries(first, entries);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first);
    expect(second.unchanged).toEqual(['staging-readonly', 'vendor-audit']);
    expect(second.added).toEqual([]);
  });

  it('keeps CRLF line endings', () => {
    const crlf = USER_CONFIG.replaceAll('\n', '\r\n');
    const merge = mergeAwsConfigEntries(crlf, entries);
    expect(merge.text).toBe(crlf + ADDED.replaceAll('\n', '\r\n'));
    expect(mergeAwsConfigEntries(merge.text, entries).changed).toBe(false);
  });

  it('keeps a missing final newline missing', () => {
    const text = '[default]\nregion = eu-west-1';
    expect(mergeAwsConfigEntries(text, entries.slice(2)).text).toBe(
      '[default]\nregion = eu-west-1\n\n[profile vendor-audit]\ncredential_process = xacct credential-process vendor-audit',
    );
  });

  it('does not add a second blank line after one', () => {
    expect(mergeAwsConfigEntries('[default]\n\n', entries.slice(2)).text).toBe(
      '[default]\n\n[profile vendor-audit]\ncredential_process = xacct credential-process vendor-audit\n',
    );
  });

  it('writes an empty file as just the entries', () => {
    expect(mergeAwsConfigEntries('', entries.slice(1)).text).toBe(ADDED.slice(1));
  });

  it("updates xacct's own sections in place, even written with another command, keeping the user's other settings", () => {
    const text = `[profile staging-readonly]\r\ncredential_process = /opt/old/bin/xacct credential-process staging-readonly\r\nregion = us-west-2\r\noutput = text\r\n\r\n[profile vendor-audit]\r\ncredential_process = xacct credential-process vendor-audit\r\n`;
    const merge = mergeAwsConfigEntries(text, entries.slice(1), { command: 'xacct' });
    expect(merge.text).toBe(
      `[profile staging-readonly]\r\ncredential_process = xacct credential-process staging-readonly\r\nregion = us-east-1\r\noutput = text\r\n\r\n[profile vendor-audit]\r\ncredential_process = xacct credential-process vendor-audit\r\n`,
    );
    expect(merge.updated).toEqual(['staging-readonly']);
    expect(merge.unchanged).toEqual(['vendor-audit']);
  });

  it('keeps a --command once written until another is given: its sections keep it, new ones take it', () => {
    const first = mergeAwsConfigEntries('# mine\n', entries.slice(1, 2), { command: '/opt/xacct/bin/xacct' });
    expect(first.text).toBe('# mine\n\n[profile staging-readonly]\ncredential_process = /opt/xacct/bin/xacct credential-process staging-readonly\nregion = us-east-1\n');
    // A later write without --command (entries built with plain `xacct`): nothing switches back.
    const later = mergeAwsConfigEntries(first.text, entries.slice(1));
    expect(later.command).toBe('/opt/xacct/bin/xacct');
    expect(later.updated).toEqual([]);
    expect(later.text).toBe(`${first.text}\n[profile vendor-audit]\ncredential_process = /opt/xacct/bin/xacct credential-process vendor-audit\n`);
    expect(mergeAwsConfigEntries(later.text, entries.slice(1)).changed).toBe(false);
    // Another --command switches every section.
    const other = mergeAwsConfigEntries(later.text, entries.slice(1), { command: 'xacct' });
    expect(other.updated).toEqual(['staging-readonly', 'vendor-audit']);
    expect(other.text).not.toContain('/opt/xacct');
  });

  it('--prune removes only the sections xacct wrote for profiles that are gone, giving back every byte of the user', () => {
    const user = '# my config\n[default]\nregion = eu-west-1\n\n[profile mine]\noutput = json\n';
    const both = mergeAwsConfigEntries(user, entries.slice(1)).text;
    const onlyStaging = mergeAwsConfigEntries(user, entries.slice(1, 2)).text;
    const pruned = mergeAwsConfigEntries(both, entries.slice(1, 2), { prune: true });
    expect(pruned.pruned).toEqual(['vendor-audit']);
    expect(pruned.text).toBe(onlyStaging);
    // Everything gone: the user's file as it was, to the byte (also without a final newline, and with CRLF).
    for (const text of [user, user.slice(0, -1), user.replaceAll('\n', '\r\n')]) {
      const written = mergeAwsConfigEntries(text, entries.slice(1)).text;
      expect(mergeAwsConfigEntries(written, [], { prune: true }).text).toBe(text);
    }
    // Without --prune the stale section stays, named.
    expect(mergeAwsConfigEntries(both, entries.slice(1, 2))).toMatchObject({ stale: ['vendor-audit'], pruned: [], changed: false });
  });

  it('--prune leaves a stale section alone when it holds a setting or a comment of the user', () => {
    const text = '[profile old]\ncredential_process = xacct credential-process old\noutput = json\n\n[profile older]\ncredential_process = xacct credential-process older\n# keep\nregion = eu-west-1\n';
    const merge = mergeAwsConfigEntries(text, [], { prune: true });
    expect(merge.changed).toBe(false);
    expect(merge.leftAlone.map((l) => l.name)).toEqual(['old', 'older']);
    expect(merge.leftAlone[0]!.reason).toContain('holds settings of yours (output)');
    expect(merge.leftAlone[1]!.reason).toContain('holds lines of yours');
  });

  it('adds a region line to an xacct section that has none', () => {
    const text = '[profile staging-readonly]\ncredential_process = xacct credential-process staging-readonly\noutput = json\n';
    expect(mergeAwsConfigEntries(text, [entries[1]!]).text).toBe(
      '[profile staging-readonly]\ncredential_process = xacct credential-process staging-readonly\nregion = us-east-1\noutput = json\n',
    );
  });

  it('recognises its own quoted command', () => {
    const quoted = awsConfigEntries([plan('p', 'generated')], '/opt/my tools/xacct');
    const once = mergeAwsConfigEntries('', quoted, { command: '/opt/my tools/xacct' }).text;
    expect(mergeAwsConfigEntries(once, quoted, { command: '/opt/my tools/xacct' }).changed).toBe(false);
  });

  it("never takes over a section that is not xacct's", () => {
    const cases: [string, string][] = [
      ['[profile prod-admin]\nregion = eu-west-1\n', "it is not xacct's (it has no credential_process)"],
      ['[profile prod-admin]\ncredential_process = aws-vault export --format=json prod-admin\n', "it is not xacct's (its credential_process runs another command)"],
      ['[profile prod-admin]\ncredential_process = xacct credential-process other\n', "it is not xacct's (its credential_process runs another command)"],
      ['[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\naws_access_key_id = AKIA\n', "it is not xacct's (it sets aws_access_key_id)"],
      ['[profile prod-admin]\nsso_session = corp\n', "it is not xacct's (it sets sso_session)"],
      ['[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\n[profile prod-admin]\nregion = x\n', 'it appears 2 times; the AWS CLI cannot read that either'],
    ];
    for (const [text, reason] of cases) {
      const merge = mergeAwsConfigEntries(text, [entries[0]!]);
      expect(merge.text).toBe(text);
      expect(merge.changed).toBe(false);
      expect(merge.leftAlone).toEqual([{ name: 'prod-admin', reason }]);
    }
  });

  it('reports its sections for profiles the map no longer has, and keeps them', () => {
    const text = '[profile gone]\ncredential_process = xacct credential-process gone\n';
    const merge = mergeAwsConfigEntries(text, entries.slice(2));
    expect(merge.stale).toEqual(['gone']);
    expect(merge.text.startsWith(text)).toBe(true);
  });

  it('refuses a file it cannot read, naming file and line', () => {
    const bad = (text: string) => () => mergeAwsConfigEntries(text, entries, { file: '/home/a/.aws/config' });
    expect(bad('[default]\nregion = x\nthis is not a setting\n')).toThrow(ConfigError);
    expect(bad('[default]\nregion = x\nthis is not a setting\n')).toThrow('/home/a/.aws/config:3: ');
    expect(bad('region = x\n[default]\n')).toThrow('/home/a/.aws/config:1: a setting before the first [section]');
    expect(bad('[profile x\nregion = y\n')).toThrow(':1: ');
  });

  it('says what is wrong with a header the AWS CLI reads but the tools read differently, without saying the CLI cannot', () => {
    const refusal = (text: string) => {
      try {
        mergeAwsConfigEntries(text, entries, { file: '/home/a/.aws/config' });
      } catch (err) {
        return { message: (err as ConfigError).message, hint: (err as ConfigError).hint };
      }
      throw new Error('not refused');
    };
    const rename = 'rename the section: no "]" inside its name, nothing but a comment after it; nothing was written';
    expect(refusal('[default]\n[profile a]b] # note\n')).toEqual({
      message: '/home/a/.aws/config:2: this section header of the AWS config has a "]" inside its name, which the AWS tools do not read alike (the AWS CLI takes the name up to the last "]")',
      hint: rename,
    });
    expect(refusal('[profile a] b\n')).toEqual({
      message: '/home/a/.aws/config:1: this section header of the AWS config has text after its "]" that is not a comment, which the AWS tools do not read alike',
      hint: rename,
    });
    expect(refusal('[default]\n[profile a = 1\n')).toEqual({
      message: '/home/a/.aws/config:2: this line of the AWS config starts with "[" but no "]" ends a section name on it',
      hint: 'end the section name with "]"; nothing was written',
    });
  });
});
