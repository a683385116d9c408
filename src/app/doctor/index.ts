/**
 * `xacct doctor`: what xacct sees — the profile map, the keychain, each source's long-term keys and MFA session,
 * the clock against STS, the STS endpoint, the AWS config entries that call xacct and the xacct on PATH.
 * It never prompts: no MFA code, no passphrase; the only AWS call is GetCallerIdentity with each source's
 * long-term keys (which needs no MFA), time-limited. Each check is a module of ./checks/, listed in
 * ./checks/index.ts in the order of the report.
 */
import type { Finding } from '../../core/doctor-report.js';
import { xacctPaths, type Env } from '../../core/paths.js';
import { DOCTOR_CHECKS } from './checks/index.js';
import { createDoctorContext, type DoctorCheck, type DoctorDeps } from './context.js';
import { defaultDoctorDeps } from './deps.js';

export type { DoctorCheck, DoctorContext, DoctorDeps, DoctorSts, Fact } from './context.js';

export async function runDoctor(env: Env, deps: Partial<DoctorDeps> = {}, checks: readonly DoctorCheck[] = DOCTOR_CHECKS): Promise<Finding[]> {
  const ctx = createDoctorContext(env, xacctPaths(env), { ...defaultDoctorDeps, ...deps });
  // The checks run at once (STS calls overlap); what they share is computed once, and the report keeps their order.
  const results = await Promise.all(checks.map((check) => check.run(ctx)));
  return results.flat();
}
