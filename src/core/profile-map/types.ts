import type { XacctError } from '../errors.js';
import type { MapOrganization } from './organization.js';

/** Where a source's long-term credentials come from and how its MFA session is taken. */
export interface SourcePlan {
  /** Name of the source in the profile map, or of the AWS profile for `~/.aws/config` role profiles. */
  readonly name: string;
  /** Where its long-term credentials come from, tried in this order: one link per kind (src/core/sources). */
  readonly credentials: readonly SourceLink[];
  readonly mfaSerial?: string;
  readonly mfaProcess?: string;
  readonly region?: string;
  /** MFA session lifetime in seconds (GetSessionToken DurationSeconds). */
  readonly sessionDurationSeconds: number;
  /**
   * A `source_profile` of ~/.aws/config that the profile map does not define: it has no place for mfa_process
   * (a `[sources.<name>]` of the profile map would give it one).
   */
  readonly fromAwsConfig?: true;
}

/** One way a source may get its long-term credentials: a kind of src/core/sources and that kind's settings. */
export interface SourceLink {
  readonly kind: string;
  readonly settings: Readonly<Record<string, string>>;
}

/** Everything needed to obtain one profile's role session. */
export interface ProfilePlan {
  readonly name: string;
  /**
   * generated: an account × role pair of the profile map; organization: the same for an account synced from AWS
   * Organizations; explicit: `[profiles.X]` with role_arn; aws-config: a role profile of ~/.aws/config.
   */
  readonly origin: 'generated' | 'organization' | 'explicit' | 'aws-config';
  readonly roleArn: string;
  readonly accountId: string;
  /** Short account name from `[accounts]` (or organization.toml), when the profile was generated from one. */
  readonly accountName?: string;
  readonly roleName: string;
  readonly source: SourcePlan;
  /** When the source is itself a role profile (`source_profile` of a role profile): role chaining. */
  readonly parent?: ProfilePlan;
  /** Role session lifetime in seconds. */
  readonly durationSeconds: number;
  readonly region?: string;
  readonly externalId?: string;
  /** Explicit RoleSessionName; when absent the user's name is used. */
  readonly roleSessionName?: string;
  readonly sourceIdentity?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Where the profile was defined, for messages: "config.toml:12" or "~/.aws/config [profile x]". */
  readonly definedAt?: string;
}

/** What identifies a version of a file (a bigint stat of node:fs). */
export interface FileStat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** The whole profile map after validation; `profiles` holds every resolvable profile, keyed by name. */
export interface ProfileMap {
  /**
   * Files that were read: the profile map and the maps it includes, organization.toml, the AWS config and
   * credentials files that exist.
   */
  readonly files: readonly string[];
  readonly defaultProfile?: string;
  readonly backend?: 'os' | 'file';
  /** `file_passphrase_cache`: seconds the passphrase agent keeps the file backend unlocked while in use (0: no agent). */
  readonly filePassphraseCache?: number;
  readonly sources: ReadonlyMap<string, SourcePlan>;
  readonly defaultSource?: string;
  /**
   * Sorted by name. Plans are built on demand: `get`, `has` and `size` cost no more than one plan, iterating
   * builds them all.
   */
  readonly profiles: ReadonlyMap<string, ProfilePlan>;
  /**
   * The maps the profile map includes, by path, each with its stat taken before it was read (the credential-process
   * fast path stamps them).
   */
  readonly includedFiles?: ReadonlyMap<string, FileStat>;
  /** `[organization]` and the accounts synced from it (organization.toml). */
  readonly organization?: MapOrganization;
  /** Command run after each new role session (issue: on_assume). */
  readonly onAssume?: string;
  /** The profile map file, when there is one (absent: only ~/.aws/config profiles). */
  readonly profileMapFile?: string;
  /**
   * Role profiles of ~/.aws/config that xacct cannot use, with the error that using one raises: those it cannot
   * serve (credential_source…, a UsageError) and broken ones (bad values, source_profile loops: ConfigError with
   * file:line). The AWS config is shared with other tools, so one bad profile there does not stop xacct.
   */
  readonly unusableAwsProfiles?: ReadonlyMap<string, XacctError>;
  /**
   * The `aws_access_key_id` of each AWS profile that holds static keys (credentials file first, as the SDK reads
   * them): what a source taking its keys from that profile is keyed by (core/session-keys.ts). Key ids only.
   */
  readonly awsKeyIds?: ReadonlyMap<string, string>;
  /**
   * Which files this map was read from, hashed (set by the app): role sessions are cached per scope, so that two
   * profile maps (or two HOMEs) with a profile of the same name do not overwrite each other's sessions.
   */
  readonly sessionScope?: string;
}
