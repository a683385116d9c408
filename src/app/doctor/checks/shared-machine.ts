/**
 * What another user of the machine could use against xacct (issue 11): xacct's state, cache, data and lock folders
 * and the files in them, and the AWS files. The profile map's own trust is the profile map check's (it is refused
 * when loaded). Everything is looked at without opening anything (no FIFO waited on, no link followed).
 */
import { dirname } from 'node:path';
import { describeTrustProblem, type TrustProblem } from '../../../adapters/trust.js';
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import type { DoctorCheck } from '../context.js';

const TOPIC = 'files';

export const sharedMachineCheck: DoctorCheck = {
  name: 'shared machine',
  run: async (ctx) => {
    const { paths, deps: d } = ctx;
    const findings: Finding[] = [];
    const report = (problem: TrustProblem | undefined, name: string, asWarning = false) => {
      if (!problem) return false;
      const text = describeTrustProblem(problem, name);
      findings.push(asWarning ? warning(TOPIC, text, problem.fix) : error(TOPIC, `${text}; xacct will not use it`, problem.fix));
      return true;
    };
    const folders: [string, string][] = [
      [dirname(paths.auditLog), 'the state folder'],
      [paths.lockDir, 'the lock folder'],
      [dirname(paths.cacheIndex), 'the cache folder'],
    ];
    let bad = false;
    for (const [dir, what] of folders) bad = report(d.trust.stateFolder(dir), `${what} ${dir}`) || bad;
    bad = report(d.trust.privateFolder(dirname(paths.secretsFile)), `the data folder ${dirname(paths.secretsFile)}`) || bad;
    const files: [string, string][] = [
      [paths.auditLog, 'the audit log'],
      [paths.cacheIndex, 'the fast-path index'],
      [paths.secretsFile, 'the encrypted secrets file'],
    ];
    for (const [file, what] of files) bad = report(d.trust.stateFile(file), `${what} ${file}`) || bad;
    // The AWS files are the AWS tools' as much as xacct's: a warning (the AWS CLI runs their credential_process too).
    for (const [file, what] of [[paths.awsConfig, 'the AWS config'], [paths.awsCredentials, 'the AWS credentials file']] as const) {
      bad = report(d.trust.configFile(file), `${what} ${file}`, true) || bad;
    }
    if (!bad) findings.push(ok(TOPIC, 'xacct’s folders and files are yours alone, and no one else can change the AWS files'));
    return findings;
  },
};
