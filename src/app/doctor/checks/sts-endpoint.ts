/** The STS endpoint each source's calls go to, and why (an endpoint variable, the regional or global endpoint). */
import { ok, warning } from '../../../core/doctor-report.js';
import { environmentProblems } from '../../../core/environment.js';
import type { Env } from '../../../core/paths.js';
import type { SourcePlan } from '../../../core/profile-map/types.js';
import type { DoctorCheck } from '../context.js';
import { sourcesFact } from './sources.js';

export const stsEndpointCheck: DoctorCheck = {
  name: 'STS endpoint',
  run: async (ctx) => {
    const { env } = ctx;
    const custom = customEndpointVariable(env);
    if (custom && environmentProblems(env, [custom]).length) return [warning('STS', `endpoint unknown: ${custom} is malformed (see the environment line)`)];
    const sts = ctx.deps.createSts(env);
    const sources = await ctx.fact(sourcesFact);
    const targets = sources.length ? sources : [undefined];
    return targets.map((source) => {
      const endpoint = sts.endpointFor(source?.region);
      const why = custom ?? (/^https:\/\/sts\.amazonaws\.com/.test(endpoint) ? 'global endpoint: AWS_STS_REGIONAL_ENDPOINTS=legacy' : 'regional endpoint');
      return ok('STS', `${endpoint} (${why}), ${regionOf(env, source)}`);
    });
  },
};

function customEndpointVariable(env: Env): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : undefined;
}

function regionOf(env: Env, source: SourcePlan | undefined): string {
  if (source?.region) return `region ${source.region} (of source ${source.name})`;
  const r = env.AWS_REGION ? `${env.AWS_REGION} (AWS_REGION)` : env.AWS_DEFAULT_REGION ? `${env.AWS_DEFAULT_REGION} (AWS_DEFAULT_REGION)` : 'us-east-1 (no region set)';
  return `region ${r}${source ? ` for source ${source.name}` : ''}`;
}
