/**
 * Each source: where its long-term keys come from, its cached MFA session, and whether STS accepts the keys
 * (GetCallerIdentity, which also measures the clock for the clock check).
 */
import cacheEntry from '../../../core/cache-entry.cjs';
import type { AwsCredentials } from '../../../core/credentials.js';
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import { formatDuration } from '../../../core/duration.js';
import { XacctError } from '../../../core/errors.js';
import { mfaSessionFingerprint } from '../../../core/fingerprint.js';
import type { SourcePlan } from '../../../core/profile-map/types.js';
import { stsRefusal } from '../../../adapters/sts-errors.js';
import type { DoctorCheck, DoctorContext } from '../context.js';
import { awsFilesFact } from './aws-files.js';
import { storeViewOf, type StoreView } from './keychain.js';
import { longTermKeys } from './long-term-keys.js';
import { profileMapOf } from './profile-map.js';
import { mfaSessionKey, readKeyIdentity } from '../../../core/session-keys.js';

const { decodeCacheEntry, secondsLeft } = cacheEntry;

export interface SourceProbe {
  readonly source: SourcePlan;
  readonly findings: readonly Finding[];
  /** Our clock minus STS's, measured with this source's GetCallerIdentity. */
  readonly skewSeconds?: number;
  readonly endpoint?: string;
  /** Why the clock could not be measured with this source. */
  readonly noClock?: string;
  /** The long-term credentials asked with, and whose STS says they are. */
  readonly credentials?: AwsCredentials;
  readonly arn?: string;
}

/** Every source of the map and of its profiles, by name. */
export async function sourcesFact(ctx: DoctorContext): Promise<readonly SourcePlan[]> {
  const map = await profileMapOf(ctx);
  if (!map) return [];
  const all = new Map(map.sources);
  for (const plan of map.profiles.values()) if (!all.has(plan.source.name)) all.set(plan.source.name, plan.source);
  return [...all.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function sourceProbesFact(ctx: DoctorContext): Promise<readonly SourceProbe[]> {
  const [sources, aws, view] = await Promise.all([ctx.fact(sourcesFact), ctx.fact(awsFilesFact), storeViewOf(ctx)]);
  return Promise.all(
    sources.map(async (source): Promise<SourceProbe> => {
      const keys = await longTermKeys(ctx, source, aws, view);
      const findings = [...keys.findings, await mfaSessionFinding(ctx, source, view)];
      if (!keys.credentials) return { source, findings, noClock: keys.noClock ?? `source ${source.name} has no long-term keys to ask STS with` };
      return askSts(ctx, source, keys.credentials, findings);
    }),
  );
}

async function askSts(ctx: DoctorContext, source: SourcePlan, credentials: AwsCredentials, findings: Finding[]): Promise<SourceProbe> {
  const topic = `source ${source.name}`;
  const sts = ctx.deps.createSts(ctx.env);
  const endpoint = sts.endpointFor(source.region);
  try {
    const identity = await sts.getCallerIdentity(credentials, source.region);
    const received = ctx.deps.now().getTime();
    findings.push(ok(topic, `STS accepts its long-term keys: ${identity.arn}`));
    // STS stamps its Date when it answers, so its clock is compared with ours when the answer came (timed by the
    // adapter around the request itself, where it can): what the request spends in the server, the midpoint of the
    // round trip would count as skew. The header counts whole seconds (truncated): STS's clock was within
    // [date, date + 1 s) then.
    const answered = identity.answeredAt?.getTime() ?? received;
    const skewSeconds = identity.serverTime ? (answered - identity.serverTime.getTime() - 500) / 1000 : undefined;
    const asked = { source, findings, endpoint, credentials, arn: identity.arn };
    return { ...asked, ...(skewSeconds !== undefined ? { skewSeconds } : { noClock: 'STS sent no Date header' }) };
  } catch (err) {
    findings.push(stsFailure(err, topic, source));
    return { source, findings, endpoint, noClock: `STS could not be asked with source ${source.name}` };
  }
}

function stsFailure(err: unknown, topic: string, source: SourcePlan): Finding {
  const refusal = stsRefusal(err);
  if (refusal === 'credentials') return error(topic, `STS refused its long-term keys: ${(err as XacctError).message}`, `store valid keys with xacct add ${source.name}`);
  if (refusal === 'clock') return error(topic, (err as XacctError).message, (err as XacctError).hint);
  const message = err instanceof XacctError ? err.message : String(err);
  return warning(topic, `STS not checked: ${message}`, err instanceof XacctError ? err.hint : undefined);
}

/** The source's key identity (core/session-keys.ts), as the engine reads it; undefined without a store or a map. */
export async function keyIdentityOf(ctx: DoctorContext, source: SourcePlan, view: StoreView | undefined): Promise<string | undefined> {
  const map = await profileMapOf(ctx);
  if (!view || !map) return undefined;
  return readKeyIdentity(source, { get: (key) => view.store.get(key).catch(() => null) }, map);
}

async function mfaSessionFinding(ctx: DoctorContext, source: SourcePlan, view: StoreView | undefined): Promise<Finding> {
  const topic = `source ${source.name}`;
  if (!source.mfaSerial) return ok(topic, 'no mfa_serial: roles are assumed with the long-term keys, without MFA');
  const identity = await keyIdentityOf(ctx, source, view);
  if (!view || !identity) return warning(topic, `MFA session (${source.mfaSerial}) unknown: the keychain could not be read`);
  const key = mfaSessionKey(identity, source.mfaSerial);
  const entry = view.keys.has(key) ? decodeCacheEntry(await view.store.get(key).catch(() => null)) : null;
  const next = `the next command asks for a code of ${source.mfaSerial}`;
  if (!entry) return ok(topic, `no MFA session cached: ${next}`);
  const left = secondsLeft(entry.credentials, ctx.deps.now());
  if (left <= 0) return ok(topic, `MFA session expired: ${next}`);
  if (entry.fingerprint !== mfaSessionFingerprint(source, identity)) {
    return ok(topic, `MFA session cached for other settings or keys, so not reused: ${next}`);
  }
  return ok(topic, `MFA session cached, ${formatDuration(Math.floor(left / 60) * 60)} left (until ${entry.credentials.expiration.toISOString()})`);
}

export const sourcesCheck: DoctorCheck = {
  name: 'sources',
  run: async (ctx) => (await ctx.fact(sourceProbesFact)).flatMap((probe) => probe.findings),
};
