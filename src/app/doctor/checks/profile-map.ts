/** The profile map: where it is, how many profiles it holds, which AWS config profiles were set aside. */
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import { XacctError } from '../../../core/errors.js';
import type { ProfileMap } from '../../../core/profile-map/types.js';
import type { DoctorCheck, DoctorContext } from '../context.js';

export interface ProfileMapFact {
  /** Absent when the profile map could not be read. */
  readonly map?: ProfileMap;
  readonly findings: readonly Finding[];
}

export async function profileMapFact(ctx: DoctorContext): Promise<ProfileMapFact> {
  const { paths } = ctx;
  let map: ProfileMap;
  try {
    map = await ctx.deps.loadProfileMap(ctx.env);
  } catch (err) {
    if (!(err instanceof XacctError)) throw err;
    return { findings: [error('profile map', err.message, err.hint ?? 'correct the file at the line named')] };
  }
  const findings: Finding[] = [];
  const fromAws = [...map.profiles.values()].filter((p) => p.origin === 'aws-config').length;
  const count = `${map.profiles.size} profile${map.profiles.size === 1 ? '' : 's'}${fromAws ? ` (${fromAws} from ${paths.awsConfig})` : ''}`;
  const defaultProfile = map.defaultProfile ? `, default_profile ${map.defaultProfile}` : '';
  if (map.profiles.size === 0) {
    findings.push(
      error(
        'profile map',
        map.profileMapFile
          ? `${map.profileMapFile} defines no profile, and ${paths.awsConfig} has no role profiles`
          : `no profile map at ${paths.profileMap}, and ${paths.awsConfig} has no role profiles`,
        `write [sources], [accounts] and [roles] in ${map.profileMapFile ?? paths.profileMap} (see the README)`,
      ),
    );
  } else if (map.profileMapFile) {
    const included = map.includedFiles?.size ? ` (including ${[...map.includedFiles.keys()].join(', ')})` : '';
    findings.push(ok('profile map', `${map.profileMapFile}${included}: ${count}${defaultProfile}`));
  } else {
    findings.push(ok('profile map', `none at ${paths.profileMap} (set XACCT_CONFIG to use another file); ${count}`));
  }
  for (const err of map.unusableAwsProfiles?.values() ?? []) findings.push(warning('AWS config', `set aside: ${err.message}`, err.hint));
  return { map, findings };
}

/** The profile map of this run, or undefined when it could not be read (the profile map check says why). */
export async function profileMapOf(ctx: DoctorContext): Promise<ProfileMap | undefined> {
  return (await ctx.fact(profileMapFact)).map;
}

export const profileMapCheck: DoctorCheck = {
  name: 'profile map',
  run: async (ctx) => (await ctx.fact(profileMapFact)).findings,
};
