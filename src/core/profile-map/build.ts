import { didYouMean } from '../suggest.js';
import { awsConfigProfiles, type AwsIniFile } from './aws-config-profiles.js';
import { parseProfileMap } from './parse-profile-map.js';
import type { ProfileMap, ProfilePlan } from './types.js';

/** The files' contents, read by the app layer (core does no I/O). Absent: the file does not exist. */
export interface ProfileMapSources {
  readonly profileMap?: { readonly file: string; readonly text: string };
  readonly awsConfig?: AwsIniFile;
  readonly awsCredentials?: AwsIniFile;
}

/**
 * The validated profile map: the profiles of the TOML file, then the role profiles of ~/.aws/config that the
 * profile map does not shadow. Throws ConfigError (exit 2) naming the file and line of the first problem.
 */
export function buildProfileMap(input: ProfileMapSources): ProfileMap {
  const mapFile = input.profileMap ? parseProfileMap(input.profileMap.text, input.profileMap.file) : undefined;
  const sources = mapFile?.sources ?? new Map();
  const mapProfiles = mapFile?.profiles ?? new Map<string, ProfilePlan>();
  const fromAws = awsConfigProfiles(input.awsConfig, input.awsCredentials, { sources, profiles: mapProfiles });

  const all = [...mapProfiles.values(), ...fromAws.profiles.values()].sort((a, b) => compareNames(a.name, b.name));
  const profiles = new Map(all.map((p) => [p.name, p]));

  const defaultProfile = mapFile?.defaultProfile;
  if (mapFile && defaultProfile !== undefined && !profiles.has(defaultProfile)) {
    throw mapFile.toml.error(
      ['default_profile'],
      `default_profile '${defaultProfile}' names no profile${didYouMean(defaultProfile, profiles.keys())}`,
      'see them with: xacct list',
    );
  }

  return {
    files: [input.profileMap?.file, input.awsConfig?.file, input.awsCredentials?.file].filter((f): f is string => f !== undefined),
    defaultProfile,
    backend: mapFile?.backend,
    sources,
    defaultSource: mapFile?.defaultSource,
    profiles,
    onAssume: mapFile?.onAssume,
    profileMapFile: mapFile?.file,
    unusableAwsProfiles: fromAws.unusable,
  };
}

/** Plain code-unit order, so that the order is the same in every locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
