/**
 * One kind of source of long-term credentials (keys stored by `xacct add`, an AWS profile the SDK resolves…):
 * its settings in a `[sources.X]` table, its provider and its doctor check, behind one interface. The kinds are
 * listed once, in ./index.ts; a source's credentials come from the first of its links that has some (smithy's
 * provider chain: a link that has none throws NotThisSource, any other error stops the chain).
 */
import type { AwsCredentials, CredentialProvider } from '../credentials.js';
import type { Finding } from '../doctor-report.js';
import { XacctError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AwsProfileCredentialLoader, SecretStore } from '../ports.js';
import type { AwsIniFile } from '../profile-map/aws-config-profiles.js';
import type { TableReader } from '../profile-map/toml-table.js';
import type { SourceLink, SourcePlan } from '../profile-map/types.js';

/** What the providers of the kinds may use. */
export interface SourcePorts {
  readonly store: SecretStore;
  readonly awsProfiles: AwsProfileCredentialLoader;
  readonly log?: Logger;
}

/** What the doctor checks of the kinds may use; nothing of it prompts. */
export interface SourceDoctorPorts {
  /** The secret store as listed by doctor; undefined when it could not be read. */
  readonly store?: { readonly where: string; readonly keys: ReadonlySet<string>; get(key: string): Promise<string | null> };
  readonly awsFiles: { readonly awsConfig?: AwsIniFile; readonly awsCredentials?: AwsIniFile };
  /** Credentials of an SSO (or other SDK-resolved) AWS profile, without prompting. */
  readonly loadAwsProfile: (profile: string) => Promise<AwsCredentials>;
}

/** What the sessions of a source are keyed by may depend on (besides the source's links). */
export interface KeyFacts {
  /** The access key id `xacct add` stored for the source (`source:<name>`), if any. */
  readonly storedKeyId?: string | undefined;
  /** The static access key id of each AWS profile that has one (ProfileMap.awsKeyIds). */
  readonly awsKeyIds?: ReadonlyMap<string, string> | undefined;
}

/** What a kind's doctor check found for a source. */
export type SourceCheck =
  /** This link serves the source: its lines, and the keys when doctor can have them without prompting. */
  | { readonly found: true; readonly findings: readonly Finding[]; readonly credentials?: AwsCredentials; readonly noClock?: string }
  /** It does not: `none` says so ("none stored in the OS keychain"), `fix` how it would ("xacct add identity"). */
  | { readonly found: false; readonly none: string; readonly fix: string; readonly uncertain?: boolean };

export interface SourceKind {
  /** The `kind` of its links. */
  readonly kind: string;
  /** The settings of a `[sources.X]` table it reads (besides mfa_serial, mfa_process, region, session_duration, default). */
  readonly settings: readonly string[];
  /** Its link for a source of the profile map; undefined when the table does not ask for this kind. */
  fromTable(name: string, table: TableReader): SourceLink | undefined;
  /** Its link for a source that ~/.aws/config role profiles name (`source_profile = name`); undefined: none. */
  fromAwsProfile(name: string): SourceLink | undefined;
  /** The source's long-term credentials this way; throws NotThisSource when it has none this way. */
  provider(link: SourceLink, source: SourcePlan, ports: SourcePorts): CredentialProvider;
  doctor(link: SourceLink, source: SourcePlan, ports: SourceDoctorPorts, passed: readonly string[]): Promise<SourceCheck>;
  /**
   * What sessions made from this link's credentials are made from (core/session-keys.ts: a session is reused only
   * while it was made from the source's current keys): `key:<access key id>` for long-term keys, else a stable name
   * of where temporary keys come from; undefined when this link has none for the source (the next link is asked).
   * Never a secret; it is hashed before it names an entry.
   */
  keyIdentity(link: SourceLink, source: SourcePlan, facts: KeyFacts): string | undefined;
}

/** "Not me, try the next link" (smithy's `tryNextLink`); the message says what was looked at. */
export class NotThisSource extends XacctError {
  readonly tryNextLink = true;
  constructor(message: string, hint?: string) {
    super(message, { hint });
    this.name = 'NotThisSource';
  }
}
