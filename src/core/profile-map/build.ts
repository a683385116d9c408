import { didYouMean } from '../suggest.js';
import { awsConfigProfiles, keyIdsOf, type AwsIniFile } from './aws-config-profiles.js';
import { parseMapDocument, type MapDocument } from './include.js';
import { readProfileMap, type SyncedInput } from './parse-profile-map.js';
import type { ProfileCatalog } from './profile-plans.js';
import type { ProfileMap, ProfilePlan } from './types.js';

/** The files' contents, read by the app layer (core does no I/O). Absent: the file does not exist. */
export interface ProfileMapSources {
  readonly profileMap?: { readonly file: string; readonly text: string };
  /**
   * The profile map and the maps it includes, parsed, the including file last (src/app/load-profile-map.ts
   * follows `include`). When given, `profileMap` is not parsed again.
   */
  readonly documents?: readonly MapDocument[];
  /** organization.toml, parsed; used when the map has `[organization]`. */
  readonly organization?: SyncedInput;
  readonly awsConfig?: AwsIniFile;
  readonly awsCredentials?: AwsIniFile;
  /** The AWS files were not read: the names they define are unknown, so default_profile is not checked against them. */
  readonly withoutAwsFiles?: boolean;
}

/**
 * The validated profile map: the profiles of the TOML file(s), then the role profiles of ~/.aws/config that the
 * profile map does not shadow. Throws ConfigError (exit 2) naming the file and line of the first problem.
 */
export function buildProfileMap(input: ProfileMapSources): ProfileMap {
  const documents = input.documents ?? (input.profileMap ? [parseMapDocument(input.profileMap.text, input.profileMap.file)] : []);
  const mapFile = documents.length ? readProfileMap(documents, input.organization) : undefined;
  const sources = mapFile?.sources ?? new Map();
  const catalog = mapFile?.profiles;
  const fromAws = awsConfigProfiles(input.awsConfig, input.awsCredentials, { sources, profiles: catalog ?? new Map<string, ProfilePlan>() });
  const profiles = new ProfilePlans(catalog, fromAws.profiles);

  const defaultProfile = mapFile?.defaultProfile;
  if (mapFile && defaultProfile !== undefined && !profiles.has(defaultProfile) && !input.withoutAwsFiles) {
    throw mapFile.toml.error(
      ['default_profile'],
      `default_profile '${defaultProfile}' names no profile${didYouMean(defaultProfile, profiles.keys())}`,
      'see them with: xacct list',
    );
  }

  const organizationFile = mapFile?.organization?.file;
  return {
    files: [...(mapFile?.files ?? []), organizationFile, input.awsConfig?.file, input.awsCredentials?.file].filter((f): f is string => f !== undefined),
    defaultProfile,
    backend: mapFile?.backend,
    ...(mapFile?.filePassphraseCache !== undefined ? { filePassphraseCache: mapFile.filePassphraseCache } : {}),
    sources,
    defaultSource: mapFile?.defaultSource,
    profiles,
    ...(mapFile?.organization ? { organization: mapFile.organization } : {}),
    onAssume: mapFile?.onAssume,
    profileMapFile: mapFile?.file,
    unusableAwsProfiles: fromAws.unusable,
    awsKeyIds: staticKeyIds(input.awsCredentials, input.awsConfig),
  };
}

/**
 * The profiles of the TOML map and of ~/.aws/config as one map sorted by name, building a plan only when it is
 * asked for (see ProfileCatalog). The two never share a name: the AWS config's are left out where the map has one.
 */
class ProfilePlans implements ReadonlyMap<string, ProfilePlan> {
  private sorted: string[] | undefined;

  constructor(
    private readonly catalog: ProfileCatalog | undefined,
    private readonly aws: ReadonlyMap<string, ProfilePlan>,
  ) {}

  get size(): number {
    return (this.catalog?.size ?? 0) + this.aws.size;
  }

  has(name: string): boolean {
    return (this.catalog?.has(name) ?? false) || this.aws.has(name);
  }

  get(name: string): ProfilePlan | undefined {
    return this.catalog?.get(name) ?? this.aws.get(name);
  }

  keys(): MapIterator<string> {
    this.sorted ??= [...(this.catalog?.names() ?? []), ...this.aws.keys()].sort(compareNames);
    return this.sorted[Symbol.iterator]();
  }

  *values(): MapIterator<ProfilePlan> {
    for (const name of this.keys()) yield this.get(name)!;
  }

  *entries(): MapIterator<[string, ProfilePlan]> {
    for (const name of this.keys()) yield [name, this.get(name)!];
  }

  [Symbol.iterator](): MapIterator<[string, ProfilePlan]> {
    return this.entries();
  }

  forEach(fn: (value: ProfilePlan, key: string, map: ReadonlyMap<string, ProfilePlan>) => void): void {
    for (const [name, plan] of this.entries()) fn(plan, name, this);
  }
}

/** Profile → aws_access_key_id, for the profiles that hold static keys; the first file given wins. */
function staticKeyIds(...files: (AwsIniFile | undefined)[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const file of files) {
    if (!file) continue;
    const ofFile = file.summary?.keyIds ?? keyIdsOf(file.profiles);
    for (const name in ofFile) if (!ids.has(name)) ids.set(name, ofFile[name]!);
  }
  return ids;
}

/** Plain code-unit order, so that the order is the same in every locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
