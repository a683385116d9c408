/** The xacct that the AWS tools run: the programs named by credential_process entries, and the one on PATH. */
import { delimiter, isAbsolute, join } from 'node:path';
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import { shellWord } from '../../../core/aws-config-sections.js';
import type { DoctorCheck, DoctorContext } from '../context.js';
import { xacctEntriesFact } from './aws-files.js';

export const pathCheck: DoctorCheck = {
  name: 'PATH',
  run: async (ctx) => {
    const { deps: d } = ctx;
    const entries = await ctx.fact(xacctEntriesFact);
    const findings: Finding[] = [];
    const self = await d.realpath(d.thisInstallation);
    const lastWord = (program: string) => program.split(' ').at(-1)!;
    const explicit = [...new Set(entries.map((e) => lastWord(e.program)).filter((p) => isAbsolute(p)))];
    const onPath = await findOnPath(ctx, 'xacct');
    // A plain --write keeps the command the entries run: the fix names one that works (xacct on PATH, else this one).
    const working = onPath ? 'xacct' : shellWord(self);
    for (const program of explicit) {
      if (!(await d.isExecutable(program))) {
        findings.push(error('PATH', `${program}, which credential_process entries run, is missing or not executable`, `run xacct aws-config --write --command ${working}`));
      }
    }
    const bare = entries.some((e) => !isAbsolute(lastWord(e.program)));
    if (!onPath) {
      const fix = 'run npm link in the xacct folder (or install xacct globally), or xacct aws-config --write --command /path/to/xacct';
      findings.push(bare ? error('PATH', 'xacct is not on PATH, so the AWS tools cannot run the credential_process entries', fix) : warning('PATH', 'xacct is not on PATH', fix));
      return findings;
    }
    const target = await d.realpath(onPath);
    if (target === self) findings.push(ok('PATH', `xacct is ${onPath}: this installation (${self})`));
    else findings.push(warning('PATH', `xacct on PATH is ${onPath} (${target}), not this installation (${self})`, 'remove the other installation, or put this one first on PATH'));
    return findings;
  },
};

async function findOnPath(ctx: DoctorContext, name: string): Promise<string | undefined> {
  for (const dir of (ctx.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await ctx.deps.isExecutable(candidate)) return candidate;
  }
  return undefined;
}
