/**
 * The credential_process entries of ~/.aws/config that a sync breaks: entries that run
 * `xacct credential-process <profile>` for a profile the map has now and will not have after the sync (its account
 * renamed, removed, excluded or shadowed). `xacct aws-config --write --prune` then tidies them.
 */
import { xacctEntries } from '../core/doctor-checks.js';
import type { Rename } from '../core/organization/plan-sync.js';
import type { IniProfile } from '../core/profile-map/aws-config-profiles.js';
import type { ProfileMap } from '../core/profile-map/types.js';

export interface BrokenEntry {
  /** The `[profile X]` of ~/.aws/config. */
  readonly awsProfile: string;
  /** The xacct profile it asks for, which the sync removes. */
  readonly target: string;
  /** The profile's new name, when its account was renamed. */
  readonly becomes?: string;
}

export function brokenEntries(before: ProfileMap, after: ProfileMap, renamed: readonly Rename[], configProfiles: Readonly<Record<string, IniProfile>>): BrokenEntry[] {
  const broken: BrokenEntry[] = [];
  for (const entry of xacctEntries(configProfiles)) {
    const target = entry.target;
    if (target === undefined || !before.profiles.has(target) || after.profiles.has(target)) continue;
    const plan = before.profiles.get(target)!;
    const rename = plan.origin === 'organization' ? renamed.find((r) => r.id === plan.accountId && plan.accountName === r.from) : undefined;
    const becomes = rename ? `${rename.to}${target.slice(rename.from.length)}` : undefined;
    broken.push({ awsProfile: entry.profile, target, ...(becomes && after.profiles.has(becomes) ? { becomes } : {}) });
  }
  return broken;
}
