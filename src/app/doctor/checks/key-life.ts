/**
 * Each source's access key over its life: its age in IAM (ListAccessKeys, signed with the cached MFA session when
 * the source has mfa_serial — doctor asks for no code — else with the key itself), a second key of the user, and a
 * rotation that was stopped half-way (`xacct rotate` finishes it).
 */
import cacheEntry from '../../../core/cache-entry.cjs';
import { iamUserOfArn } from '../../../core/arn.js';
import type { AwsCredentials } from '../../../core/credentials.js';
import { ok, warning, type Finding } from '../../../core/doctor-report.js';
import { XacctError } from '../../../core/errors.js';
import { mfaSessionFingerprint } from '../../../core/fingerprint.js';
import { mfaSessionKey } from '../../../core/session-keys.js';
import { keyAgeFinding } from '../../../core/key-age.js';
import { decodeRotation, describeRotation } from '../../../core/rotation.js';
import { decodeStoredKeys } from '../../../core/stored-keys.js';
import type { DoctorCheck, DoctorContext } from '../context.js';
import { storeViewOf, type StoreView } from './keychain.js';
import { keyIdentityOf, sourceProbesFact, type SourceProbe } from './sources.js';

const { decodeCacheEntry, secondsLeft, secretKeys } = cacheEntry;

/** An MFA session about to expire is not worth a call. */
const MIN_SESSION_SECONDS = 60;

async function rotationFinding(source: string, view: StoreView | undefined): Promise<Finding | undefined> {
  const key = secretKeys.rotation(source);
  if (!view?.keys.has(key)) return undefined;
  const record = decodeRotation(await view.store.get(key).catch(() => null));
  const stored = decodeStoredKeys(await view.store.get(secretKeys.source(source)).catch(() => null));
  const what = record ? describeRotation(record, stored?.accessKeyId) : 'the record of a rotation in progress is unreadable';
  return warning(`source ${source}`, what, `run xacct rotate ${source} to finish it`);
}

/** What IAM calls would be signed with, without asking for anything; or why there is nothing. */
async function signerOf(ctx: DoctorContext, probe: SourceProbe, view: StoreView | undefined): Promise<AwsCredentials | string> {
  const { source, credentials } = probe;
  if (!source.mfaSerial) return credentials!;
  const identity = await keyIdentityOf(ctx, source, view);
  const entry = decodeCacheEntry(view && identity ? await view.store.get(mfaSessionKey(identity, source.mfaSerial)).catch(() => null) : null);
  const usable = entry && secondsLeft(entry.credentials, ctx.deps.now()) > MIN_SESSION_SECONDS && entry.fingerprint === mfaSessionFingerprint(source, identity!);
  return usable ? entry.credentials : 'no MFA session is cached (doctor asks for no code; the next command that opens one makes it checkable)';
}

async function keyAge(ctx: DoctorContext, probe: SourceProbe, view: StoreView | undefined): Promise<Finding[]> {
  const { source, credentials, arn } = probe;
  const topic = `source ${source.name}`;
  const user = arn ? iamUserOfArn(arn) : undefined;
  // Only an IAM user's long-term key has an age (not SSO or other temporary credentials).
  if (!credentials || credentials.sessionToken || !user) return [];
  const signer = await signerOf(ctx, probe, view);
  if (typeof signer === 'string') return [ok(topic, `age of access key ${credentials.accessKeyId} not checked: ${signer}`)];
  try {
    const keys = await ctx.deps.createIam(ctx.env, source.region).listAccessKeys(signer, user.userName);
    const mine = keys.find((k) => k.accessKeyId === credentials.accessKeyId);
    const stored = view?.keys.has(secretKeys.source(source.name)) ?? false;
    const findings = [keyAgeFinding({ topic, source: source.name, accessKeyId: credentials.accessKeyId, createDate: mine?.createDate, userName: user.userName, now: ctx.deps.now(), stored })];
    for (const other of keys.filter((k) => k.accessKeyId !== credentials.accessKeyId)) {
      findings.push(warning(topic, `IAM user ${user.userName} has a second access key, ${other.accessKeyId} (${other.status}), which xacct does not use: xacct rotate needs room for a new key`, `if nothing uses it, aws iam delete-access-key --user-name ${user.userName} --access-key-id ${other.accessKeyId}`));
    }
    return findings;
  } catch (err) {
    const message = err instanceof XacctError ? err.message : String(err);
    return [warning(topic, `age of access key ${credentials.accessKeyId} not checked: ${message}`, err instanceof XacctError ? err.hint : undefined)];
  }
}

export const keyLifeCheck: DoctorCheck = {
  name: 'key life',
  run: async (ctx) => {
    const [probes, view] = await Promise.all([ctx.fact(sourceProbesFact), storeViewOf(ctx)]);
    const perSource = await Promise.all(
      probes.map(async (probe) => {
        const rotation = await rotationFinding(probe.source.name, view);
        return [...(rotation ? [rotation] : []), ...(await keyAge(ctx, probe, view))];
      }),
    );
    return perSource.flat();
  },
};
