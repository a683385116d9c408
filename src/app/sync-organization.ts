/**
 * `xacct sync [--dry-run]`: the ACTIVE accounts of the AWS organization, named as SPEC says, written to
 * organization.toml (0600, atomically) when something changed. The `via` profile's credentials come from the
 * credential engine like any other profile's (MFA as usual).
 */
import { dirname } from 'node:path';
import type { ConfigError } from '../core/errors.js';
import { UsageError, XacctError } from '../core/errors.js';
import { renderOrganizationFile, sameContent, type OrganizationFile } from '../core/organization/organization-file.js';
import { planSync, type SyncPlan } from '../core/organization/plan-sync.js';
import type { OrganizationInfo, OrganizationsPort } from '../core/organization/types.js';
import { arnPartition } from '../core/arn.js';
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';
import type { ShadowedAccount } from '../core/profile-map/organization.js';
import type { DroppedProfile } from '../core/profile-map/profile-plans.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import type { AwsCredentials } from '../core/credentials.js';
import { brokenEntries, type BrokenEntry } from './sync-broken-entries.js';
import { loadProfileMap, type LoadOptions } from './load-profile-map.js';
import type { CredentialRequest } from './get-credentials.js';

export interface SyncRequest extends Omit<CredentialRequest, 'profile' | 'askForProfile'> {
  readonly dryRun: boolean;
}

export interface SyncReport {
  /** organization.toml */
  readonly file: string;
  readonly via: string;
  readonly organization?: OrganizationInfo;
  /** Accounts listed by AWS Organizations (every page), of any state. */
  readonly listed: number;
  readonly plan: SyncPlan;
  /** Synced accounts the profile map's own [accounts] win over. */
  readonly shadowed: readonly ShadowedAccount[];
  /** Profiles of synced accounts left out because the map has the name. */
  readonly dropped: readonly DroppedProfile[];
  /** credential_process entries of ~/.aws/config that name a profile this sync removes or renames. */
  readonly broken: readonly BrokenEntry[];
  readonly changed: boolean;
  readonly written: boolean;
  readonly dryRun: boolean;
  /** Why the previous organization.toml was set aside (it could not be read). */
  readonly previousUnreadable?: string;
}

export interface SyncDeps {
  readonly loadProfileMap: (env: Env, options?: LoadOptions) => Promise<ProfileMap>;
  readonly credentials: (env: Env, map: ProfileMap, req: CredentialRequest) => Promise<{ credentials: AwsCredentials; region?: string; roleArn: string; withLock: <T>(key: string, fn: () => Promise<T>) => Promise<T> }>;
  /** Checks the environment (AWS_ENDPOINT_URL_ORGANIZATIONS) before any credential is asked for. */
  readonly organizations: (env: Env) => Promise<(creds: AwsCredentials, region: string) => OrganizationsPort>;
  readonly writeFile: (file: string, text: string) => Promise<void>;
  readonly awsConfigProfiles: (env: Env) => Promise<Readonly<Record<string, Readonly<Record<string, string | undefined>>>>>;
  readonly now: () => Date;
}

const defaultDeps: SyncDeps = {
  loadProfileMap,
  credentials: async (env, map, req) => {
    const { prepareCredentials } = await import('./get-credentials.js');
    const prepared = await prepareCredentials(env, req, { loadProfileMap: async () => map });
    const credentials = await prepared.provider.retrieve();
    return {
      credentials,
      roleArn: prepared.plan.roleArn,
      ...(prepared.region ? { region: prepared.region } : {}),
      withLock: (key, fn) => prepared.context.lock.withLock(key, fn),
    };
  },
  organizations: async (env) => {
    const { createOrganizations, organizationsEndpoint } = await import('../adapters/organizations.js');
    organizationsEndpoint(env);
    return (creds, region) => createOrganizations(env, creds, region);
  },
  writeFile: async (file, text) => {
    const { ensurePrivateDir, writeFileAtomic } = await import('../adapters/atomic-file.js');
    await ensurePrivateDir(dirname(file));
    await writeFileAtomic(file, text, { mode: 0o600 });
  },
  awsConfigProfiles: async (env) => {
    const paths = xacctPaths(env);
    const { readAwsSharedConfig } = await import('../adapters/config-files/aws-shared-config.js');
    return (await readAwsSharedConfig(paths.awsConfig, paths.awsCredentials, paths.parsedMaps)).awsConfig?.profiles ?? {};
  },
  now: () => new Date(),
};

export async function syncOrganization(env: Env, req: SyncRequest, deps: Partial<SyncDeps> = {}): Promise<SyncReport> {
  const d = { ...defaultDeps, ...deps };
  const file = xacctPaths(env).organizationFile;
  const { map, unreadable } = await currentMap(env, d);
  const settings = map.organization?.settings;
  if (!settings) {
    const where = map.profileMapFile ?? xacctPaths(env).profileMap;
    throw new UsageError(`the profile map has no [organization] table, so there is nothing to sync`, `add [organization] with via = "<profile>" to ${where} (README: "Accounts from AWS Organizations")`);
  }

  const { dryRun, ...credentialRequest } = req;
  const connect = await d.organizations(env);
  const via = await d.credentials(env, map, { ...credentialRequest, profile: settings.via });
  const org = connect(via.credentials, organizationsRegion(via.roleArn, via.region));

  return via.withLock('organization-sync', async () => {
    const [organization, listed] = await Promise.all([
      org.describeOrganization().catch((err: unknown) => {
        // Listing is what matters; a role allowed ListAccounts only may not describe the organization.
        if (err instanceof XacctError && /AccessDenied/.test((err as XacctError & { code?: string }).code ?? '')) return undefined;
        throw err;
      }),
      settings.includeOus?.length ? org.listAccountsUnder(settings.includeOus) : org.listAccounts(),
    ]);
    const previous = unreadable ? undefined : map.organization?.synced;
    const plan = planSync(listed, previous?.accounts ?? [], { exclude: settings.exclude ?? [] });
    const next: OrganizationFile = {
      ...(organization ? { organizationId: organization.id } : {}),
      ...(organization?.managementAccountId ? { managementAccountId: organization.managementAccountId } : {}),
      via: settings.via,
      includeOus: settings.includeOus ?? [],
      exclude: settings.exclude ?? [],
      syncedAt: d.now().toISOString(),
      accounts: plan.accounts,
    };
    const changed = !previous || !sameContent(previous, next);

    // The map as it will be: a sync never writes a file that makes the profile map fail to load.
    const after = await d.loadProfileMap(env, { organization: { file, data: next } }).catch((err: unknown) => {
      if (err instanceof XacctError && err.exitCode === 2) {
        throw new XacctError(`this sync would make the profile map fail, so nothing was written: ${err.message}`, {
          exitCode: 2,
          hint: (err as ConfigError).hint ?? 'correct the profile map, then run xacct sync again',
        });
      }
      throw err;
    });
    const broken = brokenEntries(map, after, plan.renamed, await d.awsConfigProfiles(env).catch(() => ({})));

    if (changed && !dryRun) await d.writeFile(file, renderOrganizationFile(next));
    return {
      file,
      via: settings.via,
      ...(organization ? { organization } : {}),
      listed: listed.length,
      plan,
      shadowed: after.organization?.shadowed ?? [],
      dropped: after.organization?.dropped ?? [],
      broken,
      changed,
      written: changed && !dryRun,
      dryRun,
      ...(unreadable ? { previousUnreadable: unreadable } : {}),
    };
  });
}

/** The map as it is; when organization.toml itself cannot be read, the map without it (the sync rewrites it). */
async function currentMap(env: Env, d: SyncDeps): Promise<{ map: ProfileMap; unreadable?: string }> {
  try {
    return { map: await d.loadProfileMap(env) };
  } catch (err) {
    const file = xacctPaths(env).organizationFile;
    if (!(err instanceof XacctError) || (err as ConfigError).file !== file) throw err;
    return { map: await d.loadProfileMap(env, { organization: false }), unreadable: err.message };
  }
}

/**
 * Organizations has one endpoint per partition (us-east-1 for `aws`); the region only has to be in the
 * partition of the via role.
 */
function organizationsRegion(roleArn: string, region: string | undefined): string {
  const partition = arnPartition(roleArn);
  if (partition === 'aws-cn') return region?.startsWith('cn-') ? region : 'cn-northwest-1';
  if (partition === 'aws-us-gov') return region?.startsWith('us-gov-') ? region : 'us-gov-west-1';
  return region && !region.startsWith('cn-') && !region.startsWith('us-gov-') ? region : 'us-east-1';
}
