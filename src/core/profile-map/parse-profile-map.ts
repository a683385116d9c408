import type { TomlValue } from 'smol-toml';
import { isAccountId, isMfaSerial, normaliseRoleName } from '../arn.js';
import { PASSPHRASE_CACHE, SESSION_DURATION, ROLE_DURATION } from '../duration.js';
import type { OrganizationFile } from '../organization/organization-file.js';
import { NAME, REGION } from './checks.js';
import { linksFromTable, sourceKindSettings } from '../sources/index.js';
import { mergeDocuments, parseMapDocument, type MapDocument } from './include.js';
import { readOrganizationSettings, withSyncedAccounts, type MapOrganization } from './organization.js';
import { readProfiles, type Account, type ProfileCatalog, type Role } from './profile-plans.js';
import { TableReader, TomlFile, isTable, tableName } from './toml-table.js';
import type { SourcePlan } from './types.js';

const TOP_KEYS = ['include', 'default_profile', 'backend', 'file_passphrase_cache', 'on_assume', 'organization', 'sources', 'accounts', 'roles', 'profiles'];
/** Settings of every source; each kind of src/core/sources adds its own. */
const SOURCE_KEYS = ['mfa_serial', 'mfa_process', 'region', 'session_duration'];
const ACCOUNT_KEYS = ['id', 'region'];
const ROLE_KEYS = ['name', 'duration'];

/** The profile map file(s) after validation, before the profiles of ~/.aws/config are added. */
export interface ProfileMapFile {
  /** The main file: the one that includes the others. */
  readonly file: string;
  /** Every file read: the included maps (in reading order) and the main file last. */
  readonly files: readonly string[];
  readonly defaultProfile?: string;
  readonly backend?: 'os' | 'file';
  /** Seconds the passphrase agent keeps the file backend unlocked while in use (0: no agent). */
  readonly filePassphraseCache?: number;
  readonly onAssume?: string;
  readonly sources: ReadonlyMap<string, SourcePlan>;
  readonly defaultSource?: string;
  readonly profiles: ProfileCatalog;
  /** `[organization]`, and the accounts synced from it. */
  readonly organization?: MapOrganization;
  /** Locates keys of the file(s), for errors found later (default_profile naming no profile). */
  readonly toml: TomlFile;
}

/** The synced accounts, as the app read them from organization.toml. */
export interface SyncedInput {
  readonly file: string;
  readonly data: OrganizationFile;
}

/** Parses and validates one TOML profile map (SPEC, "The profile map"). Throws ConfigError naming file:line. */
export function parseProfileMap(text: string, file: string): ProfileMapFile {
  return readProfileMap([parseMapDocument(text, file)]);
}

/**
 * Validates a profile map made of `docs`: included maps first (lowest priority), the including file last.
 * `synced`: organization.toml, read as part of `[accounts]` when the map has an `[organization]` table.
 */
export function readProfileMap(docs: readonly MapDocument[], synced?: SyncedInput): ProfileMapFile {
  const doc = mergeDocuments(docs);
  const toml = new TomlFile([...docs].reverse());
  const top = new TableReader(toml, [], doc, TOP_KEYS);

  const backend = top.string('backend', { test: (v) => v === 'os' || v === 'file', expected: '"os" or "file"' }) as
    | 'os'
    | 'file'
    | undefined;
  const { sources, defaultSource } = readSources(top);
  const settings = readOrganizationSettings(top);
  const own = readAccounts(top);
  const { accounts, organization } = withSyncedAccounts(own, settings, synced, (a) => toml.where(['accounts', a.name]));
  const roles = readRoles(top);
  const profiles = readProfiles(top, namedEntries(top, 'profiles'), sources, defaultSource, accounts, roles);

  return {
    file: toml.file,
    files: docs.map((d) => d.file),
    defaultProfile: top.string('default_profile'),
    backend,
    filePassphraseCache: top.duration('file_passphrase_cache', PASSPHRASE_CACHE),
    onAssume: top.string('on_assume'),
    sources,
    defaultSource,
    profiles,
    ...(organization ? { organization: { ...organization, dropped: [...organization.dropped, ...profiles.dropped] } } : {}),
    toml,
  };
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
    const t = new TableReader(top.toml, path, value, [...SOURCE_KEYS, ...sourceKindSettings(), 'default']);
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
      credentials: linksFromTable(name, t),
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
  const table = top.subTable('accounts');
  if (!table) return accounts;
  for (const name of Object.keys(table)) {
    const value = table[name]!;
    // Most of them, at organisation scale: `name = "123456789012"`, checked without a reader.
    if (typeof value === 'string' && NAME.test(name) && isAccountId(value)) {
      accounts.set(name, { name, id: value, origin: 'map' });
      continue;
    }
    if (!NAME.test(name)) throw top.toml.error(['accounts', name], `invalid name '${name}' in ${tableName(['accounts'])}: use ${NAME.expected}`);
    const path = ['accounts', name];
    if (isTable(value)) {
      const t = new TableReader(top.toml, path, value, ACCOUNT_KEYS);
      if (!t.has('id')) throw t.error(undefined, `account '${name}' has no id`, `write ${name} = { id = "123456789012" }`);
      accounts.set(name, { name, id: accountId(t, 'id', `account '${name}'`), region: t.string('region', REGION), origin: 'map' });
    } else {
      const t = new TableReader(top.toml, ['accounts'], { [name]: value }, [name]);
      accounts.set(name, { name, id: accountId(t, name, `account '${name}'`), origin: 'map' });
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

