/**
 * Where a source's long-term keys come from, asked of each of its kinds in turn (src/core/sources): the first that
 * serves the source reports it, with the keys when doctor can have them without prompting.
 */
import type { AwsSharedConfig } from '../../../adapters/config-files/aws-shared-config.js';
import type { AwsCredentials } from '../../../core/credentials.js';
import { error, warning, type Finding } from '../../../core/doctor-report.js';
import type { SourcePlan } from '../../../core/profile-map/types.js';
import { kindOf } from '../../../core/sources/index.js';
import type { SourceDoctorPorts } from '../../../core/sources/kind.js';
import type { DoctorContext } from '../context.js';
import type { StoreView } from './keychain.js';

export interface LongTermKeys {
  readonly findings: readonly Finding[];
  readonly credentials?: AwsCredentials;
  /** Why the clock cannot be measured with this source's keys. */
  readonly noClock?: string;
}

export async function longTermKeys(ctx: DoctorContext, source: SourcePlan, aws: AwsSharedConfig, view: StoreView | undefined): Promise<LongTermKeys> {
  const ports: SourceDoctorPorts = {
    ...(view ? { store: { where: view.where, keys: view.keys, get: (key: string) => view.store.get(key) } } : {}),
    awsFiles: aws,
    loadAwsProfile: (profile) => ctx.deps.loadAwsProfile(ctx.env, profile),
  };
  const passed: string[] = [];
  const fixes: string[] = [];
  let uncertain = false;
  for (const link of source.credentials) {
    const check = await kindOf(link).doctor(link, source, ports, passed);
    if (check.found) return check;
    passed.push(check.none);
    fixes.push(check.fix);
    uncertain ||= check.uncertain ?? false;
  }
  const finding = uncertain ? warning : error;
  return { findings: [finding(`source ${source.name}`, `no long-term credentials: ${passed.join(', and ')}`, fixes.join(', or '))] };
}
