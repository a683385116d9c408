/**
 * `[organization]`: whether `xacct sync` has written organization.toml, when, how many accounts it holds, and
 * whether it was written for the settings the profile map has now.
 */
import { ok, warning, type Finding } from '../../../core/doctor-report.js';
import type { MapOrganization } from '../../../core/profile-map/organization.js';
import type { DoctorCheck } from '../context.js';
import { profileMapOf } from './profile-map.js';

export const organizationCheck: DoctorCheck = {
  name: 'organization',
  run: async (ctx) => {
    const organization = (await profileMapOf(ctx))?.organization;
    return organization ? organizationFindings(organization, ctx.paths.organizationFile, ctx.deps.now()) : [];
  },
};

export function organizationFindings(o: MapOrganization, file: string, now: Date): Finding[] {
  const via = `via ${o.settings.via}`;
  if (!o.synced) return [warning('organization', `[organization] (${via}) is set, but ${file} does not exist: no account is synced yet`, 'run xacct sync')];
  const s = o.synced;
  const n = s.accounts.length;
  const synced = s.syncedAt ? `, synced ${s.syncedAt}${ago(s.syncedAt, now)}` : '';
  const left = o.shadowed.length ? `; ${o.shadowed.length} of them left out because your own [accounts] names them` : '';
  const findings = [ok('organization', `${s.organizationId ?? 'the organization'}: ${n.toLocaleString('en-US')} account${n === 1 ? '' : 's'} in ${file} (${via}${synced})${left}`)];
  if (o.dropped.length) {
    findings.push(warning('organization', `${o.dropped.length} profile${o.dropped.length === 1 ? '' : 's'} of synced accounts left out because the profile map has their names (${o.dropped.slice(0, 3).map((d) => d.profile).join(', ')}${o.dropped.length > 3 ? ', …' : ''})`, 'rename the account or role of the profile map, or exclude the synced account'));
  }
  const same = (a: readonly string[] = [], b: readonly string[] = []) => a.join('\n') === b.join('\n');
  if (s.via !== o.settings.via || !same(s.includeOus, o.settings.includeOus) || !same(s.exclude, o.settings.exclude)) {
    findings.push(warning('organization', `${file} was written for other [organization] settings (via, include_ous or exclude) than the profile map has now`, 'run xacct sync'));
  }
  return findings;
}

/** " (3 hours ago)"; a sync that finds no change writes nothing, so this is when the accounts last changed. */
function ago(iso: string, now: Date): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const [n, unit] = seconds < 3600 ? [Math.floor(seconds / 60), 'minute'] : seconds < 172_800 ? [Math.floor(seconds / 3600), 'hour'] : [Math.floor(seconds / 86_400), 'day'];
  return ` (${n} ${unit}${n === 1 ? '' : 's'} ago; a sync that finds no change leaves the file as it is)`;
}
