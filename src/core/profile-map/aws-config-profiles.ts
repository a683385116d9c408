import { isMfaSerial, tryParseRoleArn } from '../arn.js';
import { unservableRoleProfile, type IniProfile } from '../aws-profile-kind.js';
import { profileLines } from '../ini-lines.js';
import { sourceForAwsProfile } from '../sources/index.js';
import { ConfigError, UsageError, type XacctError } from '../errors.js';
import { parseDuration, ROLE_DURATION } from '../duration.js';
import { didYouMean } from '../suggest.js';
import { EXTERNAL_ID, REGION, SESSION_NAME, type Check } from './checks.js';
import type { ProfilePlan, SourcePlan } from './types.js';

export type { IniProfile } from '../aws-profile-kind.js';

/** One AWS shared config or credentials file, parsed as the AWS SDK parses it (core/sdk-ini-parse.ts), plus its text. */
export interface AwsIniFile {
  readonly file: string;
  /** Its text, only to find the line of each `[profile x]` for messages. */
  readonly text: string;
  /** Profiles by name (the config file's "profile " prefix removed). */
  readonly profiles: Readonly<Record<string, IniProfile>>;
  /**
   * The line of each profile's first header, when already known (a kept parse: there, only of the role profiles and
   * of sections without keys, all that is asked of it); else found in `text` when needed.
   */
  readonly lines?: ReadonlyMap<string, number>;
  /**
   * What the profile map asks of every profile, when a kept parse already knows it (adapters/config-files/aws-shared-config.ts), so that
   * `profiles` itself is parsed only when something else reads it: at 25,000 `aws-config --write` entries, that
   * parse was most of a call.
   */
  readonly summary?: IniSummary;
}

export interface IniSummary {
  /** The profiles with role_arn. */
  readonly roles: Readonly<Record<string, IniProfile>>;
  /** The other profiles a role profile names as source_profile. */
  readonly sources: Readonly<Record<string, IniProfile>>;
  /** Each profile's aws_access_key_id (keyIdsOf). */
  readonly keyIds: Readonly<Record<string, string>>;
}

/** What awsConfigProfiles and the static key ids ask of a config file's profiles (see AwsIniFile.summary). */
export function summaryOf(profiles: Readonly<Record<string, IniProfile>>): IniSummary {
  const roles: Record<string, IniProfile> = {};
  for (const name in profiles) if (profiles[name]!.role_arn) roles[name] = profiles[name]!;
  const sources: Record<string, IniProfile> = {};
  for (const name in roles) {
    const source = roles[name]!.source_profile;
    if (source !== undefined && Object.hasOwn(profiles, source) && !Object.hasOwn(roles, source)) sources[source] = profiles[source]!;
  }
  return { roles, sources, keyIds: keyIdsOf(profiles) };
}

/** Profile → aws_access_key_id, for the profiles that hold one. */
export function keyIdsOf(profiles: Readonly<Record<string, IniProfile>>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const name in profiles) {
    const id = profiles[name]!.aws_access_key_id?.trim();
    if (id) ids[name] = id;
  }
  return ids;
}

/** A role profile, or a profile one names as source_profile: from the summary when there is one. */
function profileNamed(config: AwsIniFile, name: string): IniProfile | undefined {
  const { summary } = config;
  if (!summary) return Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;
  return Object.hasOwn(summary.roles, name) ? summary.roles[name] : Object.hasOwn(summary.sources, name) ? summary.sources[name] : undefined;
}

export interface AwsConfigProfiles {
  readonly profiles: ReadonlyMap<string, ProfilePlan>;
  /** Role profiles xacct cannot use, with the error using one raises (see ProfileMap.unusableAwsProfiles). */
  readonly unusable: ReadonlyMap<string, XacctError>;
}

/** What the profile map already defines, which AWS config profiles refer to or are shadowed by. */
export interface MapContext {
  readonly sources: ReadonlyMap<string, SourcePlan>;
  readonly profiles: Pick<ReadonlyMap<string, ProfilePlan>, 'has' | 'get'>;
}

/**
 * The role profiles (those with role_arn) of ~/.aws/config as xacct profiles (SPEC, "The profile map").
 * `source_profile` names a source of the profile map, another role profile (role chaining: `parent`),
 * or any other AWS profile, whose credentials the AWS SDK resolves.
 * A broken role profile (bad value, unknown source_profile, loop) does not fail the others: its ConfigError is kept
 * in `unusable`, to be raised when it is used.
 */
export function awsConfigProfiles(
  config: AwsIniFile | undefined,
  credentials: AwsIniFile | undefined,
  map: MapContext,
): AwsConfigProfiles {
  const profiles = new Map<string, ProfilePlan>();
  const unusable = new Map<string, XacctError>();
  if (!config) return { profiles, unusable };

  const roleProfiles = new Map<string, IniProfile>();
  const roles = config.summary?.roles ?? config.profiles;
  for (const name in roles) {
    const p = roles[name]!;
    if (!p.role_arn || map.profiles.has(name)) continue;
    const why = unservableRoleProfile(p);
    if (why) unusable.set(name, new UsageError(`profile '${name}' of ${config.file} cannot be used by xacct: ${why}`, 'use it with the AWS CLI or SDK directly'));
    else roleProfiles.set(name, p);
  }
  // Lines are only for role profiles' messages: a config of 25,000 credential_process entries has none to scan for.
  if (roleProfiles.size === 0) return { profiles, unusable };
  const lines = config.lines ?? profileLines(config.text, true);
  const where = (name: string) => ({ file: config.file, line: lines.get(name) });
  // A role profile may name itself as source_profile when it also holds static keys (as in the AWS CLI).
  const hasStaticKeys = (name: string) => Boolean(profileNamed(config, name)?.aws_access_key_id || credentials?.profiles[name]?.aws_access_key_id);
  const credentialLines = credentials ? profileLines(credentials.text, false) : new Map<string, number>();
  // The loader drops sections without keys; the text still shows they exist.
  const knownProfile = (name: string) =>
    profileNamed(config, name) !== undefined ||
    lines.has(name) ||
    (credentials !== undefined && (Object.hasOwn(credentials.profiles, name) || credentialLines.has(name)));

  const resolve = (name: string, chain: readonly string[]): ProfilePlan => {
    const done = profiles.get(name);
    if (done) return done;
    const p = roleProfiles.get(name)!;
    const check = (key: string, c: Check): string | undefined => {
      const value = p[key];
      if (value !== undefined && !c.test(value)) {
        throw new ConfigError(`${key} of ${section(name)} is invalid: '${value}' is not ${c.expected}`, where(name));
      }
      return value;
    };
    const arn = tryParseRoleArn(p.role_arn!);
    if (!arn) {
      throw new ConfigError(`role_arn of ${section(name)} is not a role ARN: '${p.role_arn}'`, {
        ...where(name),
        hint: 'expected arn:aws:iam::<12-digit account id>:role/<name>',
      });
    }
    const mfaSerial = check('mfa_serial', { test: isMfaSerial, expected: 'an MFA device ARN or serial number' });
    const sourceName = p.source_profile!;

    let source: SourcePlan;
    let parent: ProfilePlan | undefined;
    const mapSource = map.sources.get(sourceName);
    if (mapSource) {
      source = mapSource.mfaSerial || !mfaSerial ? mapSource : { ...mapSource, mfaSerial };
    } else if (map.profiles.has(sourceName)) {
      parent = map.profiles.get(sourceName)!;
      source = parent.source;
    } else if (roleProfiles.has(sourceName) && !(sourceName === name && hasStaticKeys(name))) {
      if (chain.includes(sourceName)) {
        const cycle = [...chain.slice(chain.indexOf(sourceName)), sourceName].join(' → ');
        throw new ConfigError(`source_profile loop: ${cycle}`, { ...where(sourceName), hint: 'one of these profiles must take its credentials from elsewhere' });
      }
      parent = resolve(sourceName, [...chain, sourceName]);
      source = parent.source;
    } else if (knownProfile(sourceName)) {
      // Any other AWS profile (static keys, SSO, credential_process…), or this profile's own keys:
      // the AWS SDK resolves its credentials.
      source = sourceForAwsProfile(sourceName, { mfaSerial, region: profileNamed(config, sourceName)?.region, fromAwsConfig: true });
    } else {
      const files = [config.file, credentials?.file].filter(Boolean).join(' or ');
      throw new ConfigError(
        `source_profile '${sourceName}' of ${section(name)} names no profile in ${files} and no source of the profile map${didYouMean(sourceName, [
          ...Object.keys(config.profiles),
          ...Object.keys(credentials?.profiles ?? {}),
          ...map.sources.keys(),
        ])}`,
        where(name),
      );
    }

    const plan: ProfilePlan = {
      name,
      origin: 'aws-config',
      roleArn: p.role_arn!,
      accountId: arn.accountId,
      roleName: arn.roleName,
      source,
      parent,
      durationSeconds: roleDuration(p.duration_seconds, name, where(name)),
      region: check('region', REGION) ?? source.region,
      externalId: check('external_id', EXTERNAL_ID),
      roleSessionName: check('role_session_name', SESSION_NAME),
      tags: {},
      definedAt: lines.has(name) ? `${config.file}:${lines.get(name)}` : `${config.file} ${section(name)}`,
    };
    profiles.set(name, plan);
    return plan;
  };

  for (const name of roleProfiles.keys()) {
    try {
      resolve(name, [name]);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      unusable.set(name, err);
    }
  }
  return { profiles, unusable };
}

/** How the section of a profile is written in the config file. */
function section(name: string): string {
  return name === 'default' ? '[default]' : `[profile ${name}]`;
}

function roleDuration(value: string | undefined, profile: string, where: { file: string; line?: number }): number {
  if (value === undefined) return ROLE_DURATION.default;
  try {
    return parseDuration(value, { ...ROLE_DURATION, what: `duration_seconds of ${section(profile)}` });
  } catch (err) {
    if (err instanceof UsageError) throw new ConfigError(err.message, where);
    throw err;
  }
}
