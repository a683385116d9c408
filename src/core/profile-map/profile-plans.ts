/**
 * The profiles of the profile map: every account × role pair, refined or added by `[profiles.X]`.
 * Everything is validated when the map is read (names made twice, sources, `[profiles.X]` that match nothing),
 * but a ProfilePlan is built only when it is asked for: at organisation scale (thousands of accounts times a few
 * roles) `credential-process` resolves one profile, and completion needs names only.
 */
import { arnPartition, roleArn, tryParseRoleArn } from '../arn.js';
import { ROLE_DURATION } from '../duration.js';
import { didYouMean } from '../suggest.js';
import { EXTERNAL_ID, REGION, SESSION_NAME, TAG_LIMITS } from './checks.js';
import { TableReader, type TomlFile, isTable, tableName } from './toml-table.js';
import { profileEntries as entriesOf, type Entry, type ProfileEntries } from './profile-entries.js';
import type { ProfilePlan, SourcePlan } from './types.js';

const PROFILE_KEYS = ['role_arn', 'source', 'duration', 'external_id', 'source_identity', 'tags', 'region', 'role_session_name'];

export interface Account {
  readonly name: string;
  readonly id: string;
  readonly region?: string;
  /** Written in the profile map, or synced from AWS Organizations (organization.toml). */
  readonly origin: 'map' | 'organization';
  /** For a synced account: "organization.toml:12". */
  readonly definedAt?: string;
}

export interface Role {
  readonly name: string;
  /** As written, possibly with an IAM path: "path/Name". */
  readonly nameWithPath: string;
  readonly durationSeconds?: number;
}

/** A profile that a synced account would make, left out because the profile map has it already. */
export interface DroppedProfile {
  readonly profile: string;
  readonly account: Account;
  /** What has the name: "account 'x' with role 'y'", "[profiles.x] (config.toml:4)". */
  readonly by: string;
}

/** The settings a `[profiles.X]` table may give. */
export interface ProfileSettings {
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

/** The profiles of the TOML map by name: names at once, plans on demand (each built once). */
export class ProfileCatalog {
  private readonly plans = new Map<string, ProfilePlan>();
  private accountNamesById: Map<string, string> | undefined;

  constructor(
    private readonly toml: TomlFile,
    private readonly entries: ProfileEntries,
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly sourceFor: (profile: string, s: ProfileSettings | undefined) => SourcePlan,
    /** Synced profiles left out because the map has the name already. */
    readonly dropped: readonly DroppedProfile[],
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  get(name: string): ProfilePlan | undefined {
    const done = this.plans.get(name);
    if (done) return done;
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const plan = entry.kind === 'generated' ? this.generated(name, entry) : this.explicit(name, entry.settings);
    this.plans.set(name, plan);
    return plan;
  }

  private generated(name: string, { account, role, settings: s }: Extract<Entry, { kind: 'generated' }>): ProfilePlan {
    const source = this.sourceFor(name, s);
    return withDefinedAt({
      name,
      origin: account.origin === 'organization' ? 'organization' : 'generated',
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
    }, () => (s ? this.toml.where(['profiles', name]) : (account.definedAt ?? this.toml.where(['accounts', account.name]))));
  }

  private explicit(name: string, s: ProfileSettings): ProfilePlan {
    const arn = tryParseRoleArn(s.roleArn!)!;
    const source = this.sourceFor(name, s);
    this.accountNamesById ??= new Map([...this.accounts.values()].reverse().map((a) => [a.id, a.name]));
    return withDefinedAt({
      name,
      origin: 'explicit',
      roleArn: s.roleArn!,
      accountId: arn.accountId,
      accountName: this.accountNamesById.get(arn.accountId),
      roleName: arn.roleName,
      source,
      durationSeconds: s.durationSeconds ?? ROLE_DURATION.default,
      region: s.region ?? source.region,
      externalId: s.externalId,
      roleSessionName: s.roleSessionName,
      sourceIdentity: s.sourceIdentity,
      tags: s.tags,
    }, () => this.toml.where(['profiles', name]));
  }
}

/**
 * `definedAt` is for messages, and finding a key's line means scanning the map's text (~15 ms at 5,000 accounts):
 * it is found when first read. Copy a plan with planWith (resolve.ts), which keeps it so.
 */
function withDefinedAt(plan: Omit<ProfilePlan, 'definedAt'>, where: () => string): ProfilePlan {
  let line: string | undefined;
  return Object.defineProperty(plan, 'definedAt', { enumerable: true, configurable: true, get: () => (line ??= where()) });
}

/**
 * Validates `[profiles]` against the accounts and roles and returns the catalog. Throws ConfigError (file:line)
 * for a name made twice by the map itself, a `[profiles.X]` that matches nothing, a source that does not exist.
 * A synced account never makes the map fail: its profile is left out (and said in `dropped`) where the map has
 * the name already.
 */
export function readProfiles(
  top: TableReader,
  profileEntries: readonly [string, unknown][],
  sources: ReadonlyMap<string, SourcePlan>,
  defaultSource: string | undefined,
  accounts: ReadonlyMap<string, Account>,
  roles: ReadonlyMap<string, Role>,
  /** Tests: make every profile name (see profile-entries.ts). */
  options: { eager?: boolean } = {},
): ProfileCatalog {
  const settings = new Map(profileEntries.map(([name, value]) => [name, readProfileSettings(top, name, value)]));
  const dropped: DroppedProfile[] = [];
  const entries = entriesOf({ top, settings, accounts, roles, dropped, ...(options.eager ? { eager: true } : {}) });

  for (const [name, s] of settings) {
    if (entries.get(name)?.kind !== 'explicit' || s.roleArn !== undefined) continue;
    throw s.reader.error(
      undefined,
      `${tableName(['profiles', name])} matches no account and role, and has no role_arn${didYouMean(name, [...entries.keys()].filter((n) => n !== name))}`,
      'name it <account>-<role> to refine a generated profile, or give it a role_arn',
    );
  }

  const sourceFor = (_profile: string, s: ProfileSettings | undefined): SourcePlan => {
    if (s?.source !== undefined) return sources.get(s.source)!;
    return sources.get(defaultSource!)!;
  };
  // Sources are checked for every profile now, so that a bad one fails the map whichever profile is asked for:
  // those of [profiles.X], and the default source once for the first profile that takes it.
  for (const [name, s] of settings) if (s.source !== undefined && entries.has(name)) checkSource(top, name, s, sources, defaultSource);
  if (defaultSource === undefined) {
    for (const name of entries.keys()) {
      const e = entries.get(name)!;
      if (e.settings?.source !== undefined) continue;
      checkSource(top, name, e.settings, sources, defaultSource, e.kind === 'generated' && !e.settings ? ['accounts', e.account.name] : ['profiles', name]);
    }
  }
  return new ProfileCatalog(top.toml, entries, accounts, sourceFor, dropped);
}

function checkSource(
  top: TableReader,
  profile: string,
  s: ProfileSettings | undefined,
  sources: ReadonlyMap<string, SourcePlan>,
  defaultSource: string | undefined,
  where: readonly string[] = ['profiles', profile],
): void {
  if (s?.source !== undefined) {
    if (sources.has(s.source)) return;
    throw s.reader.error(
      'source',
      `source '${s.source}' of profile '${profile}' names no [sources.<name>] table${didYouMean(s.source, sources.keys())}`,
      sources.size ? `sources: ${[...sources.keys()].join(', ')}` : 'add a [sources.<name>] table',
    );
  }
  if (defaultSource !== undefined) return;
  if (sources.size === 0) {
    throw top.toml.error(where, `profile '${profile}' needs a source, and the profile map has no [sources.<name>] table`, 'add one: see SPEC "The profile map"');
  }
  throw top.toml.error(
    ['sources'],
    `profile '${profile}' needs a source, but none of ${[...sources.keys()].map((n) => tableName(['sources', n])).join(', ')} is marked default = true`,
    `mark one of them default = true, or give the profile a source in ${tableName(['profiles', profile])}`,
  );
}
