import { homedir } from 'node:os';
import { readAwsSharedConfig } from '../adapters/config-files/aws-shared-config.js';
import { cachedMapParser } from '../adapters/config-files/parsed-map-cache.js';
import { readMapWithIncludes, readOrganizationFile, readProfileMapFile } from '../adapters/config-files/profile-map-file.js';
import { ConfigError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';
import { buildProfileMap } from '../core/profile-map/build.js';
import type { SyncedInput } from '../core/profile-map/parse-profile-map.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import { sessionScopeOf } from '../core/session-keys.js';
import { resolve } from 'node:path';

export interface LoadOptions {
  /**
   * false: leave organization.toml out (`xacct sync` reading a map whose synced file is broken); a SyncedInput:
   * use these synced accounts instead of the file's (`xacct sync` checking the map as it will be).
   */
  readonly organization?: false | SyncedInput;
  /**
   * false: without reading the AWS files (`aws-config`, which writes entries for the map's own profiles alone and reads
   * the AWS config itself: at 25,000 profiles, parsing it twice was most of a no-op run). default_profile is then not
   * checked against the AWS config's profiles.
   */
  readonly awsFiles?: boolean;
}

/**
 * The profile map of this environment: the TOML file ($XACCT_CONFIG, XDG…) with the maps it includes and, when it
 * has `[organization]`, the accounts synced into organization.toml; then the role profiles of the AWS config.
 * Missing files are fine (but for the file XACCT_CONFIG names); a bad file is a ConfigError (exit 2) naming file:line.
 */
export async function loadProfileMap(env: Env, options: LoadOptions = {}): Promise<ProfileMap> {
  const paths = xacctPaths(env);
  const [main, aws] = await Promise.all([
    readProfileMapFile(paths.profileMap),
    options.awsFiles === false ? Promise.resolve({}) : readAwsSharedConfig(paths.awsConfig, paths.awsCredentials, paths.parsedMaps),
  ]);
  // SPEC: XACCT_CONFIG naming a file that does not exist is a configuration error (a typo must not look like an
  // empty map); only the default location may be absent.
  if (!main && env.XACCT_CONFIG) {
    throw new ConfigError(`XACCT_CONFIG names ${env.XACCT_CONFIG}, which does not exist`, {
      hint: `create the profile map there, or unset XACCT_CONFIG to use ${xacctPaths({ ...env, XACCT_CONFIG: undefined }).profileMap}`,
    });
  }
  const parser = cachedMapParser(paths.parsedMaps);
  const read = main ? await readMapWithIncludes(main, env.HOME || homedir(), parser.parse) : undefined;
  const wantsOrganization = options.organization !== false && (read?.documents.some((d) => d.doc.organization !== undefined) ?? false);
  const organization = !wantsOrganization ? undefined : (options.organization || (await readOrganizationFile(paths.organizationFile)));
  const map = buildProfileMap({
    ...(read ? { documents: read.documents } : {}),
    ...(organization ? { organization } : {}),
    ...aws,
    ...(options.awsFiles === false ? { withoutAwsFiles: true } : {}),
  });
  parser.keep(); // a map that is refused leaves no parse behind
  // Role sessions are cached per map: a hash of the files it is read from (core/session-keys.ts).
  const sessionScope = sessionScopeOf({ profileMap: resolve(paths.profileMap), awsConfig: resolve(paths.awsConfig) });
  return { ...map, sessionScope, ...(read?.included.size ? { includedFiles: read.included } : {}) };
}
