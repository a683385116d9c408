/**
 * Bad profile maps, AWS configs, profile names and command lines, through the built CLI. No keychain and no STS:
 * every case must fail before either is needed, with exit 2, one `xacct: …` line naming the file and line, no stack
 * trace, and every file of the user left as it was. Each case has a HOME of its own, so cases run side by side.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeHome, run, runCli, XACCT_BIN, type Env, type RunResult, type TestHome } from '../helpers/index.js';
import { expectCleanFailure, expectUnchanged, filesBelow, reportCount, snapshot } from './support.js';

const BASE = `[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
region = "eu-west-1"

[accounts]
prod = "222222222222"
staging = { id = "333333333333", region = "us-east-1" }

[roles]
admin = "OrganizationAccountAccessRole"
readonly = { name = "ReadOnly", duration = "1h" }
`;

/** The base map with `extra` appended (a later table or key). */
const withBase = (extra: string) => `${BASE}\n${extra}\n`;
/** The base map with one line replaced. */
const replacing = (line: string, by: string) => {
  if (!BASE.includes(line)) throw new Error(`not in BASE: ${line}`);
  return BASE.replace(line, by);
};

interface Case {
  readonly name: string;
  /** Profile map content; a function may build it on disk itself and return the path XACCT_CONFIG names. */
  readonly map?: string | Buffer | ((home: TestHome) => string);
  readonly awsConfig?: string;
  readonly awsCredentials?: string;
  readonly args?: readonly string[];
  readonly env?: Env;
  readonly code?: number;
  readonly message: RegExp;
}

const MAP = '.config/xacct/config.toml';
/** `<file>:<line>: ` of the profile map, as messages start. */
const at = (line: number) => new RegExp(`^xacct: \\S+/\\.config/xacct/config\\.toml:${line}: `);

const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));

const CASES: Case[] = [
  // TOML syntax
  { name: 'unclosed table header', map: '[sources.identity\nregion = "eu-west-1"\n', message: at(1) },
  { name: 'unterminated string', map: withBase('[profiles.prod-admin]\nexternal_id = "abc\n'), message: /config\.toml:\d+: invalid TOML/ },
  { name: 'value without quotes', map: replacing('region = "eu-west-1"', 'region = eu-west-1'), message: /config\.toml:3: invalid TOML/ },
  { name: 'duplicate key', map: replacing('prod = "222222222222"', 'prod = "222222222222"\nprod = "444444444444"'), message: /config\.toml:\d+: invalid TOML/ },
  { name: 'duplicate profile table', map: withBase('[profiles.prod-admin]\nduration = "1h"\n[profiles.prod-admin]\nduration = "2h"'), message: /invalid TOML/ },
  { name: 'duplicate source table', map: withBase('[sources.identity]\nregion = "us-east-1"'), message: /invalid TOML/ },
  { name: 'deeply nested arrays', map: `x = ${'['.repeat(20000)}`, message: /invalid TOML: .*nested/ },
  { name: 'binary garbage', map: garbage, message: /config\.toml:\d+: invalid TOML/ },
  { name: 'NUL byte inside a string', map: replacing('prod = "222222222222"', 'prod = "2222\u000022222222"'), message: /invalid TOML/ },
  { name: 'huge file (8 MiB in one value)', map: `region = "${'x'.repeat(8 << 20)}"\n`, message: /unknown key 'region' in the top level/ },

  // Wrong types
  { name: 'sources is a string', map: 'sources = "identity"\n', message: /'sources' in the top level must be a table/ },
  { name: 'a source is a string', map: '[sources]\nidentity = "x"\n', message: /\[sources\.identity\] must be a table/ },
  { name: 'region is a number', map: replacing('region = "eu-west-1"', 'region = 5'), message: /'region' in \[sources\.identity\] must be a string/ },
  { name: 'account id is a boolean', map: replacing('prod = "222222222222"', 'prod = true'), message: /the id of account 'prod' must be 12 digits, not true/ },
  { name: 'account id is a list', map: replacing('prod = "222222222222"', 'prod = ["222222222222"]'), message: /not a list/ },
  { name: 'role is a number', map: replacing('admin = "OrganizationAccountAccessRole"', 'admin = 5'), message: /'admin' in \[roles\] must be a string/ },
  { name: 'default is a string', map: replacing('region = "eu-west-1"', 'region = "eu-west-1"\ndefault = "yes"'), message: /must be true or false/ },
  { name: 'mfa_process is a number', map: replacing('region = "eu-west-1"', 'region = "eu-west-1"\nmfa_process = 1'), message: /'mfa_process' .* must be a string/ },
  { name: 'tags is a string', map: withBase('[profiles.prod-admin]\ntags = "ticket"'), message: /'tags' in \[profiles\.prod-admin\] must be a table/ },
  { name: 'a tag value is a number', map: withBase('[profiles.prod-admin]\ntags = { ticket = 42 }'), message: /tag 'ticket' .* must be a string/ },
  { name: 'duration is a boolean', map: withBase('[profiles.prod-admin]\nduration = true'), message: /must be a duration/ },
  { name: 'on_assume is a table', map: `on_assume = { cmd = "x" }\n${BASE}`, message: /'on_assume' in the top level must be a string/ },
  { name: 'a profile is a string', map: withBase('[profiles]\nprod-admin = "x"'), message: /\[profiles\.prod-admin\] must be a table/ },

  // Unknown keys (with suggestions)
  { name: 'unknown top-level key', map: `defualt_profile = "prod-admin"\n${BASE}`, message: /unknown key 'defualt_profile' in the top level \(did you mean 'default_profile'\?\)/ },
  { name: 'unknown source key', map: replacing('mfa_serial =', 'mfa_serail ='), message: /unknown key 'mfa_serail' in \[sources\.identity\] \(did you mean 'mfa_serial'\?\)/ },
  { name: 'unknown account key', map: replacing('{ id = "333333333333"', '{ ident = "333333333333"'), message: /unknown key 'ident'/ },
  { name: 'unknown profile key', map: withBase('[profiles.prod-admin]\nrolearn = "x"'), message: /unknown key 'rolearn' .*did you mean 'role_arn'/ },
  { name: 'secret keys in the map are refused without echoing them', map: replacing('region = "eu-west-1"', 'aws_secret_access_key = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"'), message: /unknown key 'aws_secret_access_key'/ },

  // Names and ids
  { name: 'account id too short', map: replacing('prod = "222222222222"', 'prod = "22222"'), message: /the id of account 'prod' must be 12 digits, not '22222'/ },
  { name: 'account id too long', map: replacing('prod = "222222222222"', 'prod = "2222222222222"'), message: /must be 12 digits/ },
  { name: 'account id with letters', map: replacing('prod = "222222222222"', 'prod = "22222222222a"'), message: /must be 12 digits/ },
  { name: 'account id as a float', map: replacing('prod = "222222222222"', 'prod = 222222222222.5'), message: /must be 12 digits/ },
  { name: 'account id missing', map: replacing('{ id = "333333333333", region = "us-east-1" }', '{ region = "us-east-1" }'), message: /account 'staging' has no id/ },
  { name: 'account name with a space', map: replacing('prod = "222222222222"', '"pr od" = "222222222222"'), message: /invalid name 'pr od' in \[accounts\]/ },
  { name: 'role name with a space', map: replacing('"OrganizationAccountAccessRole"', '"Organization Access"'), message: /invalid IAM role name 'Organization Access'/ },
  { name: 'role name too long', map: replacing('"OrganizationAccountAccessRole"', `"${'R'.repeat(65)}"`), message: /invalid IAM role name/ },

  // ARNs and MFA serials
  { name: 'role_arn with a short account', map: withBase('[profiles.vendor]\nrole_arn = "arn:aws:iam::1234:role/Auditor"'), message: /'role_arn' in \[profiles\.vendor\] is invalid/ },
  { name: 'role_arn of a user', map: withBase('[profiles.vendor]\nrole_arn = "arn:aws:iam::444444444444:user/Auditor"'), message: /is invalid: .* is not a role ARN/ },
  { name: 'role_arn of another service', map: withBase('[profiles.vendor]\nrole_arn = "arn:aws:s3:::bucket"'), message: /is not a role ARN/ },
  { name: 'role_arn empty', map: withBase('[profiles.vendor]\nrole_arn = ""'), message: /is not a role ARN/ },
  { name: 'role_arn on a generated profile', map: withBase('[profiles.prod-admin]\nrole_arn = "arn:aws:iam::444444444444:role/X"'), message: /already the profile of account 'prod'/ },
  { name: 'MFA serial of a user ARN', map: replacing('mfa/alice', 'user/alice'), message: /'mfa_serial' in \[sources\.identity\] is invalid/ },
  { name: 'MFA serial too short', map: replacing('"arn:aws:iam::111111111111:mfa/alice"', '"GAHT1"'), message: /'mfa_serial' .* is invalid/ },
  { name: 'MFA serial with a short account', map: replacing('111111111111:mfa', '1111:mfa'), message: /'mfa_serial' .* is invalid/ },
  { name: 'mfa_process without mfa_serial', map: '[sources.identity]\nmfa_process = "ykman oath accounts code"\n', message: /has mfa_process but no mfa_serial/ },

  // Durations
  { name: 'session_duration below 15m', map: replacing('region = "eu-west-1"', 'session_duration = "14m"'), message: /session_duration .* 14m is out of range: it must be between 15 minutes and 36 hours/ },
  { name: 'session_duration above 36h', map: replacing('region = "eu-west-1"', 'session_duration = "37h"'), message: /out of range/ },
  { name: 'role duration above 12h', map: replacing('duration = "1h"', 'duration = "13h"'), message: /out of range: it must be between 15 minutes and 12 hours/ },
  { name: 'duration zero', map: withBase('[profiles.prod-admin]\nduration = 0'), message: /out of range/ },
  { name: 'duration negative', map: withBase('[profiles.prod-admin]\nduration = -900'), message: /invalid duration in \[profiles\.prod-admin\] '-900'/ },
  { name: 'duration float', map: withBase('[profiles.prod-admin]\nduration = 900.5'), message: /invalid duration/ },
  { name: 'duration 1.5h', map: withBase('[profiles.prod-admin]\nduration = "1.5h"'), message: /invalid duration .*'1\.5h'/ },
  { name: 'duration unit unknown', map: withBase('[profiles.prod-admin]\nduration = "1d"'), message: /invalid duration/ },
  { name: 'duration empty', map: withBase('[profiles.prod-admin]\nduration = ""'), message: /invalid duration/ },
  { name: 'duration huge', map: withBase('[profiles.prod-admin]\nduration = "99999999999999999999h"'), message: /out of range|invalid duration/ },

  // Regions
  { name: 'region in capitals', map: replacing('region = "eu-west-1"', 'region = "EU-WEST-1"'), message: /'region' in \[sources\.identity\] is invalid: 'EU-WEST-1' is not an AWS region/ },
  { name: 'region with underscores', map: replacing('region = "us-east-1"', 'region = "us_east_1"'), message: /'region' in \[accounts\.staging\] is invalid/ },
  { name: 'region empty', map: withBase('[profiles.prod-admin]\nregion = ""'), message: /'region' in \[profiles\.prod-admin\] is invalid/ },
  { name: 'region a word', map: replacing('region = "eu-west-1"', 'region = "moon"'), message: /is not an AWS region/ },

  // Sources and defaults
  {
    name: 'duplicate generated profile names',
    map: '[sources.identity]\n[accounts]\na = "222222222222"\na-b = "333333333333"\n[roles]\nc = "C"\nb-c = "BC"\n',
    message: /profile name 'a-b-c' is made twice/,
  },
  { name: 'unknown source, closest suggested', map: withBase('[profiles.prod-admin]\nsource = "identiy"'), message: /source 'identiy' of profile 'prod-admin' names no \[sources\.<name>\] table \(did you mean 'identity'\?\)/ },
  { name: 'two defaults', map: `${BASE.replace('region = "eu-west-1"', 'region = "eu-west-1"\ndefault = true')}\n[sources.other]\ndefault = true\n`, message: /two sources are marked default = true/ },
  { name: 'several sources, none default', map: `${BASE}\n[sources.other]\nregion = "eu-west-1"\n`, message: /needs a source, but none of .* is marked default = true/ },
  { name: 'profiles but no source', map: BASE.replace(/\[sources\.identity\][^[]*/, ''), message: /needs a source, and the profile map has no \[sources\.<name>\] table/ },
  { name: 'default_profile naming nothing', map: `default_profile = "prod-admn"\n${BASE}`, message: /^xacct: \S+config\.toml:1: default_profile 'prod-admn' names no profile \(did you mean 'prod-admin'\?\)/ },
  { name: 'default_profile of the wrong type', map: `default_profile = 1\n${BASE}`, message: /'default_profile' in the top level must be a string/ },
  { name: 'backend unknown', map: `backend = "keychain"\n${BASE}`, message: /'backend' .* is invalid: 'keychain' is not "os" or "file"/ },
  { name: 'profile matching no account × role', map: withBase('[profiles.prod-admn]\nduration = "1h"'), message: /\[profiles\.prod-admn\] matches no account and role, and has no role_arn \(did you mean 'prod-admin'\?\)/ },
  { name: 'external_id with a space', map: withBase('[profiles.prod-admin]\nexternal_id = "a b"'), message: /'external_id' .* is invalid/ },
  { name: 'source_identity too short', map: withBase('[profiles.prod-admin]\nsource_identity = "a"'), message: /'source_identity' .* is invalid/ },
  { name: 'too many tags', map: withBase(`[profiles.prod-admin]\ntags = { ${Array.from({ length: 51 }, (_, i) => `t${i} = "v"`).join(', ')} }`), message: /has 51 tags; AWS allows at most 50/ },
  { name: 'a tag value too long', map: withBase(`[profiles.prod-admin]\ntags = { t = "${'v'.repeat(257)}" }`), message: /tag 't' .* is too long/ },

  // The file itself
  {
    name: 'a folder instead of the file',
    map: (home) => {
      const dir = home.path('map-folder');
      mkdirSync(dir);
      return dir;
    },
    message: /cannot read the profile map: it is a folder/,
  },
  {
    name: 'XACCT_CONFIG names a dangling symlink: the file does not exist',
    map: (home) => {
      const link = home.path('dangling.toml');
      symlinkSync(home.path('nowhere.toml'), link);
      return link;
    },
    args: ['credential-process', 'prod-admin'],
    message: /^xacct: XACCT_CONFIG names \S+\/dangling\.toml, which does not exist\n/,
  },
  {
    name: 'XACCT_CONFIG names a path below a regular file',
    map: (home) => home.write('plain-file', 'x') + '/config.toml',
    args: ['credential-process', 'prod-admin'],
    message: /^xacct: XACCT_CONFIG names \S+\/plain-file\/config\.toml, which does not exist\n/,
  },
  { name: 'empty file: no profiles to use', map: '', args: ['credential-process', 'prod-admin'], message: /unknown profile 'prod-admin'\nxacct: no profiles are defined/ },

  // The AWS config
  { name: 'AWS config role profile with a bad role_arn', awsConfig: '[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = identity\n', args: ['credential-process', 'r'], message: /config:1: role_arn of \[profile r\] is not a role ARN/ },
  { name: 'AWS config source_profile loop', awsConfig: '[profile a]\nrole_arn = arn:aws:iam::222222222222:role/x\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/y\nsource_profile = a\n', args: ['credential-process', 'a'], message: /source_profile loop/ },
  { name: 'AWS config source_profile naming nothing', awsConfig: '[profile r]\nrole_arn = arn:aws:iam::222222222222:role/x\nsource_profile = identiy\n', map: '', args: ['credential-process', 'r'], message: /source_profile 'identiy' of \[profile r\] names no profile/ },
  { name: 'AWS config with credential_source', awsConfig: '[profile r]\nrole_arn = arn:aws:iam::222222222222:role/x\ncredential_source = Ec2InstanceMetadata\n', args: ['credential-process', 'r'], message: /cannot be used by xacct: .*credential_source/ },
  { name: 'AWS config duration_seconds out of range', awsConfig: '[profile r]\nrole_arn = arn:aws:iam::222222222222:role/x\nsource_profile = identity\nduration_seconds = 60\n', args: ['credential-process', 'r'], message: /duration_seconds of \[profile r\] 60 is out of range/ },
  {
    name: 'AWS config: an unreadable line is not quoted (it may be a pasted secret)',
    awsConfig: '[profile x]\nwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n',
    args: ['aws-config', '--write'],
    message: /\.aws\/config:2: /,
  },
  { name: 'AWS config binary garbage, then aws-config --write', awsConfig: garbage.toString('latin1'), args: ['aws-config', '--write'], message: /\.aws\/config/ },

  // Profiles named on the command line
  { name: 'unknown profile, closest suggested', args: ['credential-process', 'prdo-admin'], message: /^xacct: unknown profile 'prdo-admin'\nxacct: did you mean prod-admin\?/ },
  { name: 'ambiguous prefix, both suggested', args: ['credential-process', 'prod'], message: /did you mean prod-admin, prod-readonly\?/ },
  { name: 'no profile and no default, without a terminal', args: ['credential-process'], message: /no profile given, and the profile map sets no default_profile\nxacct: profiles: prod-admin, prod-readonly, staging-admin, staging-readonly/ },
  { name: 'exec without a profile or default', args: ['exec', '--', 'true'], message: /no profile given/ },
  { name: 'clear an unknown profile', args: ['clear', 'prdo-admin'], env: { XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'unused' }, message: /unknown profile 'prdo-admin'/ },

  // Command lines
  { name: '--duration malformed', args: ['credential-process', 'prod-admin', '--duration', '1x'], message: /invalid --duration '1x'/ },
  { name: '--duration out of range', args: ['credential-process', 'prod-admin', '--duration', '13h'], message: /--duration 13h is out of range/ },
  { name: '--duration zero', args: ['credential-process', 'prod-admin', '--duration', '0'], message: /--duration 0 is out of range/ },
  { name: 'unknown command', args: ['assmue'], message: /unknown command 'assmue'/ },
  { name: 'unknown option', args: ['list', '--jsno'], message: /unknown option '--jsno'/ },
  { name: 'missing argument', args: ['add'], message: /missing required argument 'source'/ },
  { name: 'bad completion shell', args: ['completion', 'tcsh'], message: /value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/ },
  { name: 'bad export shell', args: ['assume', 'prod-admin', '--export', 'tcsh'], message: /--export: unknown shell 'tcsh'/ },
  { name: 'exec without a command', args: ['exec', 'prod-admin'], message: /no command given\nxacct: .*for a shell with the credentials: xacct assume prod-admin\n/ },
  { name: 'exec with two profiles', args: ['exec', 'prod-admin', 'staging-admin', '--', 'true'], message: /one profile expected before --/ },
  { name: 'add: malformed source name', args: ['add', '../etc'], message: /'\.\.\/etc' is not a name/ },
  { name: 'add: unknown source', args: ['add', 'identiy'], message: /no source 'identiy' in the profile map \(did you mean 'identity'\?\)/ },
  { name: 'add: a session key id', args: ['add', 'identity'], env: { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE000000001', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY' }, message: /is a temporary key/ },
  { name: 'add: only one of the two keys', args: ['add', 'identity'], env: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE000000001' }, message: /AWS_SECRET_ACCESS_KEY is not set while AWS_ACCESS_KEY_ID is/ },
  { name: 'XACCT_BACKEND unknown', args: ['clear'], env: { XACCT_BACKEND: 'vault' }, message: /XACCT_BACKEND must be "os" or "file", not "vault"/ },
  { name: 'remove: unknown source', args: ['remove', 'identiy'], env: { XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'unused' }, message: /^xacct: no source 'identiy' in the profile map \(did you mean 'identity'\?\)/ },

  // Environment variables (SPEC: a malformed value is a configuration error naming the variable)
  { name: 'XACCT_CONFIG names a missing file', map: (home) => home.path('no-such-map.toml'), message: /^xacct: XACCT_CONFIG names \S+\/no-such-map\.toml, which does not exist\n/ },
  { name: 'AWS_ENDPOINT_URL_STS not a URL', args: ['credential-process', 'prod-admin'], env: { AWS_ENDPOINT_URL_STS: 'notaurl' }, message: /^xacct: AWS_ENDPOINT_URL_STS="notaurl" is not a URL\n/ },
  { name: 'AWS_ENDPOINT_URL not http(s)', args: ['exec', 'prod-admin', '--', 'true'], env: { AWS_ENDPOINT_URL: 'ftp://sts.example' }, message: /^xacct: AWS_ENDPOINT_URL="ftp:\/\/sts\.example" is not an http\(s\) URL/ },
  { name: 'AWS_ENDPOINT_URL_IAM not a URL', env: { AWS_ENDPOINT_URL_IAM: 'iam' }, message: /^xacct: AWS_ENDPOINT_URL_IAM="iam" is not a URL/ },
  { name: 'AWS_ENDPOINT_URL_ORGANIZATIONS not a URL', env: { AWS_ENDPOINT_URL_ORGANIZATIONS: 'http://' }, message: /^xacct: AWS_ENDPOINT_URL_ORGANIZATIONS="http:\/\/" is not a URL/ },
  { name: 'AWS_REGION malformed', args: ['whoami', 'prod-admin'], env: { AWS_REGION: 'Europe (Ireland)' }, message: /^xacct: AWS_REGION="Europe \(Ireland\)" is not an AWS region such as eu-west-1/ },
  { name: 'AWS_DEFAULT_REGION malformed', env: { AWS_DEFAULT_REGION: 'eu_west_1' }, message: /^xacct: AWS_DEFAULT_REGION="eu_west_1" is not an AWS region/ },
  { name: 'AWS_STS_REGIONAL_ENDPOINTS unknown', env: { AWS_STS_REGIONAL_ENDPOINTS: 'global' }, message: /^xacct: AWS_STS_REGIONAL_ENDPOINTS="global" must be "regional" or "legacy"/ },
  { name: 'AWS_USE_FIPS_ENDPOINT not a boolean', env: { AWS_USE_FIPS_ENDPOINT: 'yes' }, message: /^xacct: AWS_USE_FIPS_ENDPOINT="yes" must be "true" or "false"/ },
  { name: 'XACCT_DEBUG unknown', env: { XACCT_DEBUG: 'verbose' }, message: /^xacct: XACCT_DEBUG="verbose" must be 1, true, 0 or false/ },
  { name: 'XDG_CACHE_HOME relative', args: ['credential-process', 'prod-admin'], env: { XDG_CACHE_HOME: 'cache' }, message: /^xacct: XDG_CACHE_HOME="cache" is not an absolute path/ },
];

describe('bad input through the CLI: profile maps, AWS configs, profile names, command lines', () => {
  const homes: TestHome[] = [];
  afterAll(() => {
    for (const h of homes) h.cleanup();
    reportCount('bad profile maps, AWS configs and command lines', CASES.length);
  });

  async function runCase(c: Case): Promise<{ r: RunResult; before: Map<string, Buffer | null>; home: TestHome }> {
    const home = makeHome();
    homes.push(home);
    let mapPath = home.path(MAP);
    if (typeof c.map === 'function') mapPath = c.map(home);
    else if (Buffer.isBuffer(c.map)) writeFileSync(home.write(MAP, ''), c.map);
    else home.write(MAP, c.map ?? BASE);
    if (c.awsConfig !== undefined) home.write('.aws/config', c.awsConfig);
    if (c.awsCredentials !== undefined) home.write('.aws/credentials', c.awsCredentials);
    const env: Env = { ...home.env, ...(mapPath === home.path(MAP) ? {} : { XACCT_CONFIG: mapPath }), ...c.env };
    const before = snapshot(filesBelow(home.dir));
    const r = await runCli(c.args ?? ['list'], { env, timeoutMs: 20_000 });
    return { r, before, home };
  }

  // Side by side (vitest's maxConcurrency, 5): each case has its own HOME.
  it.concurrent.each(CASES)('$name: exit 2, one error line, nothing changed', async (c) => {
    const { r, before, home } = await runCase(c);
    expectCleanFailure(r, c.code ?? 2, { message: c.message, label: c.name, secrets: ['wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY'] });
    expectUnchanged(before, c.name);
    // Nothing new either: no lock, cache or log file for a command that failed on its input.
    expect(filesBelow(home.dir).sort(), c.name).toEqual([...before.keys()].sort());
  });

  it('a reader that stops early (xacct list | head -1): exit 1, quietly, no stack trace', async () => {
    const home = makeHome();
    homes.push(home);
    // Big enough (~1 MiB of JSON) to fill the pipe, so that xacct is still writing when head has gone.
    const accounts = Array.from({ length: 2000 }, (_, i) => `a${i} = "${String(222222220000 + i)}"`).join('\n');
    home.write(MAP, `[sources.identity]\n[accounts]\n${accounts}\n[roles]\nadmin = "Admin"\nreadonly = "ReadOnly"\n`);
    for (const args of ['list --json', 'list', 'aws-config', 'completion zsh']) {
      const r = await run('bash', ['-c', `set -o pipefail; "$0" "$1" ${args} | head -c 1 >/dev/null; echo "status $?" >&2`, process.execPath, XACCT_BIN], { env: home.env });
      expect(r.stderr, args).not.toMatch(/EPIPE|^\s+at /m);
      expect(r.stderr, args).toMatch(/status (0|1)\n$/);
    }
  });

  it('a valid map next to these: the same base map lists its four profiles (the cases fail for their change alone)', async () => {
    const home = makeHome();
    homes.push(home);
    home.write(MAP, BASE);
    const r = await runCli(['list', '--json'], { env: home.env });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
    rmSync(home.path(MAP));
  });
});
