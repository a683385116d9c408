/** The profiles of the AWS config whose credential_process runs xacct: each must name a profile xacct has. */
import type { XacctEntry } from '../../../core/doctor-checks.js';
import { error, ok, type Finding } from '../../../core/doctor-report.js';
import type { DoctorCheck } from '../context.js';
import { awsFilesFact, xacctEntriesFact } from './aws-files.js';
import { profileMapOf } from './profile-map.js';

export const awsConfigCheck: DoctorCheck = {
  name: 'AWS config entries',
  run: async (ctx) => {
    const [aws, found, map] = await Promise.all([ctx.fact(awsFilesFact), ctx.fact(xacctEntriesFact), profileMapOf(ctx)]);
    const file = aws.awsConfig?.file ?? ctx.paths.awsConfig;
    const findings: Finding[] = [];
    const good: XacctEntry[] = [];
    for (const entry of found) {
      const where = `[profile ${entry.profile}] in ${file}`;
      if (entry.subcommand !== undefined || entry.target === undefined) {
        const runs = `${where} runs '${entry.program} ${entry.subcommand ?? ''}'`.trimEnd();
        // --write leaves such a section alone (it is not xacct's): the fix is the user's edit.
        const fix = map?.profiles.has(entry.profile) ? `make it credential_process = ${entry.program} credential-process ${entry.profile}` : 'correct the entry, or remove it';
        findings.push(error('AWS config', `${runs}, not xacct credential-process <profile>`, fix));
      } else if (map && !map.profiles.has(entry.target)) {
        const message = `${where} runs xacct credential-process ${entry.target}, and '${entry.target}' is not a profile of xacct`;
        // xacct's own entry for a profile that is gone (`[profile X]` running credential-process X): --prune removes it.
        const fix = entry.target === entry.profile ? 'run xacct aws-config --write --prune' : `remove [profile ${entry.profile}], or point it at a profile of xacct`;
        findings.push(error('AWS config', message, fix));
      } else {
        good.push(entry);
      }
    }
    if (good.length) {
      const names = good.map((e) => e.profile);
      const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length - 6} more)` : names.join(', ');
      const one = names.length === 1;
      findings.push(ok('AWS config', `${one ? '1 profile' : `${names.length} profiles`} of ${file} ${one ? 'gets' : 'get'} credentials from xacct: ${shown}`));
    } else if (found.length === 0) {
      findings.push(ok('AWS config', `no profile of ${file} gets credentials from xacct (xacct aws-config --write adds them)`));
    }
    return findings;
  },
};
