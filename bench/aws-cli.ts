/**
 * The AWS CLI's own cache hit, for comparison: `aws configure export-credentials` of a role profile, which AWS CLI v2
 * has from 2.13 on (v1 has no such command). Measured only with such a version; otherwise the reason it was not.
 */
import { onPath } from '../test/helpers/tools.js';
import { run, timeCommands, type Env, type Timing } from './measure.js';
import { AWS_PROFILE } from './setup.js';

/** "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64" → [2, 15]. */
export function awsCliVersion(versionLine: string): [number, number] | undefined {
  const m = /aws-cli\/(\d+)\.(\d+)/.exec(versionLine);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export async function awsCliHit(env: Env, opts: { runs: number; warmup: number; hyperfine: boolean }): Promise<Timing | string> {
  if (!onPath('aws', env.PATH)) return 'not measured: no `aws` on PATH';
  const out = await run(['aws', '--version'], env);
  const line = (out.stdout || out.stderr).trim().split(/\s+/)[0] ?? '';
  const version = awsCliVersion(line);
  if (!version) return `not measured: cannot tell the version of \`aws\` (${JSON.stringify(line)})`;
  const [major, minor] = version;
  if (major < 2 || (major === 2 && minor < 13)) {
    return `not measured: \`aws\` on PATH is ${line.replace('aws-cli/', 'AWS CLI ')}; \`configure export-credentials\` needs AWS CLI v2 ≥ 2.13`;
  }
  const argv = ['aws', 'configure', 'export-credentials', '--profile', AWS_PROFILE];
  // The first run assumes the role against moto (AWS_ENDPOINT_URL_STS) and caches it; the timed runs hit that cache.
  const first = await run(argv, env);
  if (first.code !== 0) return `not measured: ${line} failed: ${first.stderr.trim().split('\n')[0]}`;
  const [timing] = await timeCommands([{ name: 'aws configure export-credentials (hit)', argv }], env, opts);
  return timing!;
}
