import { readAwsSharedConfig } from '../adapters/config-files/aws-shared-config.js';
import { readProfileMapFile } from '../adapters/config-files/profile-map-file.js';
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';
import { buildProfileMap } from '../core/profile-map/build.js';
import type { ProfileMap } from '../core/profile-map/types.js';

/**
 * The profile map of this environment: the TOML file ($XACCT_CONFIG, XDG…) and the role profiles of the AWS config.
 * Missing files are fine; a bad file is a ConfigError (exit 2) naming file:line.
 */
export async function loadProfileMap(env: Env): Promise<ProfileMap> {
  const paths = xacctPaths(env);
  const [profileMap, aws] = await Promise.all([readProfileMapFile(paths.profileMap), readAwsSharedConfig(paths.awsConfig, paths.awsCredentials)]);
  return buildProfileMap({ profileMap, ...aws });
}
