/** Facts of the AWS shared files: their profiles, and the entries among them that run xacct. */
import type { AwsSharedConfig } from '../../../adapters/config-files/aws-shared-config.js';
import { xacctEntries, type XacctEntry } from '../../../core/doctor-checks.js';
import type { DoctorContext } from '../context.js';

/** ~/.aws/config and ~/.aws/credentials as the SDK reads them; empty when unreadable (the profile map check says why). */
export function awsFilesFact(ctx: DoctorContext): Promise<AwsSharedConfig> {
  return ctx.deps.readAwsFiles(ctx.paths).catch(() => ({}) as AwsSharedConfig);
}

/** The profiles of the AWS config whose credential_process runs xacct. */
export async function xacctEntriesFact(ctx: DoctorContext): Promise<readonly XacctEntry[]> {
  return xacctEntries((await ctx.fact(awsFilesFact)).awsConfig?.profiles ?? {});
}
