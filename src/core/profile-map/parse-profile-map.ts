import { parse, TomlError, type TomlTable, type TomlValue } from 'smol-toml';
import { arnPartition, isAccountId, isMfaSerial, normaliseRoleName, roleArn, tryParseRoleArn } from '../arn.js';
import { ConfigError } from '../errors.js';
import { ROLE_DURATION, SESSION_DURATION } from '../duration.js';
import { didYouMean } from '../suggest.js';
import { EXTERNAL_ID, NAME, REGION, SESSION_NAME, TAG_LIMITS } from './checks.js';
import { TomlLines } from './toml-lines.js';
import { TableReader, TomlFile, isTable, tableName } from './toml-table.js';
import type { ProfilePlan, SourcePlan } from './types.js';

const TOP_KEYS = ['default_profile', 'backend', 'on_assume', 'sources', 'accounts', 'roles', 'profiles'];
const SOURCE_KEYS = ['mfa_serial', 'mfa_process', 'region', 'session_duration', 'aws_profile', 'default'];
const ACCOUNT_KEYS = ['id', 'region'];
const ROLE_KEYS = ['name', 'duration'];
const PROFILE_KEYS = ['role_arn', 'source', 'duration', 'external_id', 'source_identity', 'tags', 'region', 'role_session_name'];

/** The profile map file after validation, before the profiles of ~/.aws/config are added. */
export interface ProfileMapFile {
  readonly file: string;
  readonly defaultProfile?: string;
  readonly backend?: 'os' | 'file';
  readonly onAssume?: string;
  readonly sources: ReadonlyMap<string, SourcePlan>;
  readonly defaultSource?: string;
  readonly profiles: ReadonlyMap<string, ProfilePlan>;
  /** Locates keys of the file, for errors found later (default_profile naming no profile). */
  readonly toml: TomlFile;
}

interface Account {
  readonly name: string;
  readonly id: string;
  readonly region?: string;
}

interface Role {
  readonly name: string;
  /** As written, possibly with an IAM path: "path/Name". */
  readonly nameWithPath: string;
  readonly durationSeconds?: number;
}

/** Parses and validates the TOML profile map (SPEC, "The profile map"). Throws ConfigError naming file:line. */
export function parseProfileMap(text: string, file: string): ProfileMapFile {
  const doc = parseToml(text, file);
  const toml = new TomlFile(file, new TomlLines(text));
  const top = new TableReader(toml, [], doc, TOP_KEYS);

  const backend = top.string('backend', { test: (v) => v === 'os' || v === 'file', expected: '"os" or "file"' }) as
    | 'os'
    | 'file'
    | undefined;
  const { sources, defaultSource } = readSources(top);
  const accounts = readAccounts(top);
  const roles = readRoles(top);
  const profiles = readProfiles(top, sources, defaultSource, accounts, roles);

  return {
    file,
    defaultProfile: top.string('default_profile'),
    backend,
    onAssume: top.string('on_assume'),
    sources,
    defaultSource,
    profiles,
    toml,
  };
}

function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const what = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(`invalid TOML: ${what}`, { file, line: err.line });
    }
    throw err;
  }
}

/** The entries of a `[section]` whose values must be tables with names fit for profiles. */
function namedEntries(top: TableReader, section: string): [string, TomlValue][] {
  const table = top.subTable(section);
  if (!table) return [];
  return Object.entries(table).map(([name, value]) => {
    if (!NAME.test(name)) throw top.toml.error([section, name], `invalid name '${name}' in ${tableName([section])}: use ${NAME.expected}`);
    return [name, value] as [string, TomlValue];
  });
}

function readSources(top: TableReader): { sources: Map<string, SourcePlan>; defaultSource?: string } {
  const sources = new Map<string, SourcePlan>();
  let markedDefault: string | undefined;
  for (const [name, value] of namedEntries(top, 'sources')) {
    const path = ['sources', name];
    if (!isTable(value)) throw top.toml.error(path, `${tableName(path)} must be a table`);
    const t = new TableReader(top.toml, path, value, SOURCE_KEYS);
    const mfaSerial = t.string('mfa_serial', {
      test: isMfaSerial,
      expected: 'an MFA device ARN (arn:aws:iam::<12-digit account id>:mfa/<name>) or a hardware serial number',
    });
    const mfaProcess = t.string('mfa_process');
    if (mfaProcess !== undefined && mfaSerial === undefined) {
      throw t.error('mfa_process', `${tableName(path)} has mfa_process but no mfa_serial`, 'add the mfa_serial the codes are for');
    }
    if (t.boolean('default')) {
      if (markedDefault !== undefined) {
        throw t.error('default', `two sources are marked default = true: ${tableName(['sources', markedDefault])} and ${tableName(path)}`);
      }
      markedDefault = name;
    }
    sources.set(name, {
      name,
      awsProfile: t.string('aws_profile', { test: (v) => v.trim() !== '', expected: 'an AWS profile name' }) ?? name,
      mfaSerial,
      mfaProcess,
      region: t.string('region', REGION),
      sessionDurationSeconds: t.duration('session_duration', SESSION_DURATION) ?? SESSION_DURATION.default,
    });
  }
  const defaultSource = markedDefault ?? (sources.size === 1 ? [...sources.keys()][0] : undefined);
  return { sources, defaultSource };
}

function readAccounts(top: TableReader): Map<string, Account> {
  const accounts = new Map<string, Account>();
  for (const [name, value] of namedEntries(top, 'accounts')) {
    const path = ['accounts', name];
    if (isTable(value)) {
      const t = new TableReader(top.toml, path, value, ACCOUNT_KEYS);
      if (!t.has('id')) throw t.error(undefined, `account '${name}' has no id`, `write ${name} = { id = "123456789012" }`);
      accounts.set(name, { name, id: accountId(t, 'id', `account '${name}'`), region: t.string('region', REGION) });
    } else {
      const t = new TableReader(top.toml, ['accounts'], { [name]: value }, [name]);
      accounts.set(name, { name, id: accountId(t, name, `account '${name}'`) });
    }
  }
  return accounts;
}

/** A 12-digit account id, written as a string (or as an integer, which cannot have lost leading zeros). */
function accountId(t: TableReader, key: string, what: string): string {
  const value = t.table[key];
  const id = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || !isAccountId(id)) {
    const written = typeof id === 'string' ? `'${id}'` : Array.isArray(value) ? 'a list' : isTable(value) ? 'a table' : String(value);
    throw t.error(key, `the id of ${what} must be 12 digits, not ${written}`);
  }
  return id;
}

function readRoles(top: TableReader): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const [name, value] of namedEntries(top, 'roles')) {
    const path = ['roles', name];
    const t = isTable(value)
      ? new TableReader(top.toml, path, value, ROLE_KEYS)
      : new TableReader(top.toml, ['roles'], { [name]: value }, [name]);
    const key = isTable(value) ? 'name' : name;
    if (isTable(value) && !t.has('name')) {
      throw t.error(undefined, `role '${name}' has no name`, `write ${name} = { name = "RoleName" }`);
    }
    const written = t.string(key) ?? '';
    const nameWithPath = normaliseRoleName(written);
    if (!nameWithPath) {
      throw t.error(key, `invalid IAM role name '${written}' for role '${name}': use letters, digits and + = , . @ _ - (and / for a path)`);
    }
    roles.set(name, {
      name,
      nameWithPath,
      durationSeconds: isTable(value) ? t.duration('duration', ROLE_DURATION) : undefined,
    });
  }
  return roles;
}

/** The settings a `[profiles.X]` table may give. */
interface ProfileSettings {
  readonly reader: TableReader;
  readonly roleArn?: string;
  readonly source?: string;
  readonly durationSeconds?: number;
  readonly externalId?: string;
  readonly sourceIdentity?: string;
  readonly roleSessionName?: string;
  readonly region?: string;
  readonly tags: Record<string, string>;
}

function readProfileSettings(top: TableReader, name: string, value: unknown): ProfileSettings {
  const path = ['profiles', name];
  if (!isTable(value)) throw top.toml.error(path, `${tableName(path)} must be a table`);
  const t = new TableReader(top.toml, path, value, PROFILE_KEYS);
  return {
    reader: t,
    roleArn: t.string('role_arn', {
      test: (v) => tryParseRoleArn(v) !== undefined,
      expected: 'a role ARN (arn:aws:iam::<12-digit account id>:role/<name>)',
    }),
    source: t.string('source'),
    durationSeconds: t.duration('duration', ROLE_DURATION),
    externalId: t.string('external_id', EXTERNAL_ID),
    sourceIdentity: t.string('source_identity', SESSION_NAME),
    roleSessionName: t.string('role_session_name', SESSION_NAME),
    region: t.string('region', REGION),
    tags: readTags(t),
  };
}

function readTags(t: TableReader): Record<string, string> {
  const table = t.subTable('tags');
  if (!table) return {};
  const entries = Object.entries(table);
  if (entries.length > TAG_LIMITS.count) throw t.error('tags', `${t.describe('tags')} has ${entries.length} tags; AWS allows at most ${TAG_LIMITS.count}`);
  const tags: Record<string, string> = {};
  const path = [...t.path, 'tags'];
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw t.toml.error([...path, key], `tag '${key}' in ${tableName(path)} must be a string`);
    if (key.length > TAG_LIMITS.keyLength || value.length > TAG_LIMITS.valueLength) {
      throw t.toml.error([...path, key], `tag '${key}' in ${tableName(path)} is too long (keys up to ${TAG_LIMITS.keyLength}, values up to ${TAG_LIMITS.valueLength} characters)`);
    }
    tags[key] = value;
  }
  return tags;
}

interface Generated {
  readonly account: Account;
  readonly role: Role;
}

function generateNames(top: TableReader, accounts: Map<string, Account>, roles: Map<string, Role>): Map<string, Generated> {
  const generated = new Map<string, Generated>();
  for (const account of accounts.values()) {
    for (const role of roles.values()) {
      const name = `${account.name}-${role.name}`;
      const earlier = generated.get(name);
      if (earlier) {
        throw top.toml.error(
          ['accounts', account.name],
          `profile name '${name}' is made twice: by account '${earlier.account.name}' with role '${earlier.role.name}' and by account '${account.name}' with role '${role.name}'`,
          'rename one of these accounts or roles',
        );
      }
      generated.set(name, { account, role });
    }
  }
  return generated;
}

function readProfiles(
  top: TableReader,
  sources: Map<string, SourcePlan>,
  defaultSource: string | undefined,
  accounts: Map<string, Account>,
  roles: Map<string, Role>,
): Map<string, ProfilePlan> {
  const generated = generateNames(top, accounts, roles);
  const settings = new Map(namedEntries(top, 'profiles').map(([name, value]) => [name, readProfileSettings(top, name, value)]));

  const sourceFor = (profile: string, s: ProfileSettings | undefined, where: readonly string[]): SourcePlan => {
    if (s?.source !== undefined) {
      const named = sources.get(s.source);
      if (!named) {
        throw s.reader.error(
          'source',
          `source '${s.source}' of profile '${profile}' names no [sources.<name>] table${didYouMean(s.source, sources.keys())}`,
          sources.size ? `sources: ${[...sources.keys()].join(', ')}` : 'add a [sources.<name>] table',
        );
      }
      return named;
    }
    if (defaultSource !== undefined) return sources.get(defaultSource)!;
    if (sources.size === 0) {
      throw top.toml.error(where, `profile '${profile}' needs a source, and the profile map has no [sources.<name>] table`, 'add one: see SPEC "The profile map"');
    }
    throw top.toml.error(
      ['sources'],
      `profile '${profile}' needs a source, but none of ${[...sources.keys()].map((n) => tableName(['sources', n])).join(', ')} is marked default = true`,
      `mark one of them default = true, or give the profile a source in ${tableName(['profiles', profile])}`,
    );
  };

  const profiles = new Map<string, ProfilePlan>();
  for (const [name, { account, role }] of generated) {
    const s = settings.get(name);
    if (s?.roleArn !== undefined) {
      throw s.reader.error(
        'role_arn',
        `${tableName(['profiles', name])} has role_arn, but '${name}' is already the profile of account '${account.name}' with role '${role.name}'`,
        'remove role_arn to refine that profile, or give this one another name',
      );
    }
    const where = s ? ['profiles', name] : ['accounts', account.name];
    const source = sourceFor(name, s, where);
    profiles.set(name, {
      name,
      origin: 'generated',
      roleArn: roleArn(arnPartition(source.mfaSerial ?? '') ?? 'aws', account.id, role.nameWithPath),
      accountId: account.id,
      accountName: account.name,
      roleName: role.nameWithPath.split('/').pop()!,
      source,
      durationSeconds: s?.durationSeconds ?? role.durationSeconds ?? ROLE_DURATION.default,
      region: s?.region ?? account.region ?? source.region,
      externalId: s?.externalId,
      roleSessionName: s?.roleSessionName,
      sourceIdentity: s?.sourceIdentity,
      tags: s?.tags ?? {},
      definedAt: top.toml.where(where),
    });
  }

  for (const [name, s] of settings) {
    if (generated.has(name)) continue;
    if (s.roleArn === undefined) {
      throw s.reader.error(
        undefined,
        `${tableName(['profiles', name])} matches no account and role, and has no role_arn${didYouMean(name, generated.keys())}`,
        'name it <account>-<role> to refine a generated profile, or give it a role_arn',
      );
    }
    const arn = tryParseRoleArn(s.roleArn)!;
    const source = sourceFor(name, s, ['profiles', name]);
    profiles.set(name, {
      name,
      origin: 'explicit',
      roleArn: s.roleArn,
      accountId: arn.accountId,
      accountName: [...accounts.values()].find((a) => a.id === arn.accountId)?.name,
      roleName: arn.roleName,
      source,
      durationSeconds: s.durationSeconds ?? ROLE_DURATION.default,
      region: s.region ?? source.region,
      externalId: s.externalId,
      roleSessionName: s.roleSessionName,
      sourceIdentity: s.sourceIdentity,
      tags: s.tags,
      definedAt: top.toml.where(['profiles', name]),
    });
  }
  return profiles;
}
