/**
 * `xacct sync` against moto's AWS Organizations behind the checking proxy: an organization of 1,200 accounts (two
 * with one name, one closed, some under nested OUs), listed through a role profile whose session comes from the
 * MFA session like any other. The organization is built once for the file (building it is most of the time).
 */
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoQuery, requireEnv, runCli, setupIdentity, startEnv, VALID_MFA_CODE, type Env, type TestEnv } from '../helpers/index.js';
import {
  closeAccount,
  createAccounts,
  createOrganization,
  createOu,
  moveAccount,
  startOrganizationsProxy,
  type OrganizationsProxy,
  type TestOrganization,
} from '../helpers/organizations-proxy.js';

const opts = { keyring: true, sts: true };
const ACCOUNTS = 1_200; // the management account included
const PROD_ACCOUNT = '222222222222';

/** The names of the accounts created, in the order they join; some are special. */
function accountNames(): string[] {
  const names = Array.from({ length: ACCOUNTS - 1 }, (_, i) => `Workload ${String(i).padStart(4, '0')}`);
  names[1] = 'Shared Services'; // joins early: keeps the name
  names[2] = 'Legacy (closed)';
  names[3] = 'Sandbox Alpha';
  names[4] = 'Sandbox Beta';
  names[5] = 'Prod'; // the user's own [accounts] prod wins by name
  names[6] = 'Data_Lake  EU!'; // → data-lake-eu
  names[ACCOUNTS - 2] = 'shared services'; // joins last: gets -<last 4 digits>
  return names;
}

describe.skipIf(!requireEnv(opts, 'xacct sync'))('xacct sync', () => {
  let t: TestEnv;
  let orgProxy: OrganizationsProxy;
  let org: TestOrganization;
  let ids: string[];
  let workloadsOu: string;
  let prodOu: string;
  const orgFile = () => t.home.path('.local/share/xacct/organization.toml');
  const env = (): Env => ({ ...t.env, AWS_ENDPOINT_URL_ORGANIZATIONS: orgProxy.url });
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...env(), ...extra }, timeoutMs: 120_000 });
  const sync = (more: string[] = []) => cli(['sync', '--mfa-token', VALID_MFA_CODE, ...more]);
  const idOf = (name: string) => ids[accountNames().indexOf(name)]!;

  const writeMap = (organization = 'via = "mgmt-orgreader"\nexclude = ["sandbox-*"]') =>
    t.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]\nmfa_serial = "${t.user.mfaSerial}"\nregion = "eu-west-1"\n\n` +
        `[organization]\n${organization}\n\n` +
        `[accounts]\nmgmt = "${org.managementAccountId}"\nprod = "${PROD_ACCOUNT}"\n\n` +
        `[roles]\nadmin = "OrganizationAccountAccessRole"\norgreader = "OrgReader"\n`,
    );

  beforeAll(async () => {
    t = await startEnv(opts);
    orgProxy = await startOrganizationsProxy(t.moto);
    org = await createOrganization(t.moto.url);
    ids = await createAccounts(t.moto.url, accountNames(), { concurrency: 4 });
    workloadsOu = await createOu(t.moto.url, org.rootId, 'Workloads');
    prodOu = await createOu(t.moto.url, workloadsOu, 'Production');
    await moveAccount(t.moto.url, idOf('Workload 0010'), org.rootId, workloadsOu);
    await moveAccount(t.moto.url, idOf('Sandbox Beta'), org.rootId, workloadsOu);
    await moveAccount(t.moto.url, idOf('Workload 0011'), org.rootId, prodOu);
    await moveAccount(t.moto.url, idOf('Workload 0012'), org.rootId, prodOu);
    await closeAccount(t.moto.url, idOf('Legacy (closed)'));
    await motoQuery(t.moto.url, 'iam', 'CreateRole', {
      RoleName: 'OrgReader',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: t.user.arn }, Action: 'sts:AssumeRole' }] }),
    });
    writeMap();
    await setupIdentity(t, { map: readFileSync(t.home.path('.config/xacct/config.toml'), 'utf8') });
  }, 240_000);
  afterAll(async () => {
    await orgProxy?.stop();
    await t?.stop();
  });

  it('--dry-run lists every page through the role session, prints what it would add, and writes nothing', async () => {
    const r = await sync(['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    // Every page, at most 20 a page as AWS allows (the proxy refuses more), each signed by the via role's session.
    expect(orgProxy.count('ListAccounts')).toBe(Math.ceil(ACCOUNTS / 20));
    const roleSession = t.sts.calls.find((c) => c.action === 'AssumeRole' && c.roleArn === `arn:aws:iam::${org.managementAccountId}:role/OrgReader`);
    expect(roleSession?.status).toBe(200);
    expect(roleSession?.signedWith).toBe('mfa-session');
    for (const call of orgProxy.calls) {
      expect(call.accessKeyId).toBe(roleSession!.issued!.accessKeyId);
      expect(call.hasSessionToken).toBe(true);
    }
    const added = r.stdout.split('\n').filter((l) => l.startsWith('+ '));
    expect(added).toHaveLength(ACCOUNTS - 1 - 2); // not the closed one, not the two sandboxes
    expect(r.stdout).toContain(`+ shared-services ${idOf('Shared Services')}  Shared Services\n`);
    expect(r.stdout).toContain(`+ data-lake-eu ${idOf('Data_Lake  EU!')}  Data_Lake  EU!\n`);
    expect(r.stderr).toMatch(/1,200 accounts listed through mgmt-orgreader \(1 not active, 2 left out by exclude\)/);
    expect(r.stderr).toMatch(/dry run: 1197 added, 0 removed, 0 renamed; .*organization\.toml is not written/);
    expect(() => statSync(orgFile())).toThrow(/ENOENT/);
  });

  it('writes organization.toml (0600): names as SPEC says, ACTIVE only, the user’s own [accounts] winning', async () => {
    orgProxy.reset();
    // Throttling on the first page and on a later one: retried with backoff, survived.
    orgProxy.inject({ error: 'TooManyRequestsException', times: 2, action: 'ListAccounts' });
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(orgProxy.calls.filter((c) => c.fault === 'TooManyRequestsException')).toHaveLength(2);
    expect(orgProxy.count('ListAccounts')).toBe(Math.ceil(ACCOUNTS / 20) + 2);
    expect(r.stderr).toMatch(/1197 added, 0 removed, 0 renamed: wrote .*organization\.toml \(1,197 accounts\)/);
    expect(r.stderr).toContain(`your own account 'prod' (${t.home.path('.config/xacct/config.toml')}:11) wins over the organization's 'prod' (${idOf('Prod')})`);
    expect(r.stderr).toContain(`your own account 'mgmt' (${t.home.path('.config/xacct/config.toml')}:10) wins over the organization's 'master' (${org.managementAccountId})`);

    expect(statSync(orgFile()).mode & 0o777).toBe(0o600);
    const text = readFileSync(orgFile(), 'utf8');
    const late = idOf('shared services');
    expect(text).toContain(`\nshared-services = "${idOf('Shared Services')}" # Shared Services\n`);
    expect(text).toContain(`\nshared-services-${late.slice(-4)} = "${late}" # shared services\n`);
    expect(text).toContain(`\nworkload-0010 = "${idOf('Workload 0010')}" # Workload 0010\n`);
    expect(text).not.toContain(idOf('Legacy (closed)'));
    expect(text).not.toMatch(/^sandbox-/m);

    const list = await cli(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const entries = JSON.parse(list.stdout) as { name: string; accountId: string; origin: string; roleArn: string }[];
    // (1,197 synced − prod and master, which the map has) + mgmt and prod, × 2 roles.
    expect(entries).toHaveLength((1_197 - 2 + 2) * 2);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('prod-admin')).toMatchObject({ accountId: PROD_ACCOUNT, origin: 'generated' });
    expect(byName.get('mgmt-orgreader')).toMatchObject({ accountId: org.managementAccountId, origin: 'generated' });
    expect(byName.has('master-admin')).toBe(false);
    expect(byName.get('shared-services-admin')).toMatchObject({
      origin: 'organization',
      roleArn: `arn:aws:iam::${idOf('Shared Services')}:role/OrganizationAccountAccessRole`,
    });
  });

  it('a second sync finds no change and writes nothing', async () => {
    const before = statSync(orgFile(), { bigint: true });
    const text = readFileSync(orgFile(), 'utf8');
    t.sts.reset();
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no change: .*organization\.toml is left as it is \(1,197 accounts\)/);
    const after = statSync(orgFile(), { bigint: true });
    expect([after.ino, after.mtimeNs, after.ctimeNs]).toEqual([before.ino, before.mtimeNs, before.ctimeNs]);
    expect(readFileSync(orgFile(), 'utf8')).toBe(text);
    // The via role session was cached: no MFA code, no STS call.
    expect(t.sts.count()).toBe(0);
  });

  it('a synced profile is used at once by credential-process, then from the cache by the fast path', async () => {
    const profile = 'workload-0042-admin';
    const r = await cli(['credential-process', profile, '--mfa-token', VALID_MFA_CODE]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1 });
    expect(t.sts.calls.at(-1)).toMatchObject({ action: 'AssumeRole', roleArn: `arn:aws:iam::${idOf('Workload 0042')}:role/OrganizationAccountAccessRole`, status: 200 });
    const hit = await cli(['credential-process', profile], { XACCT_DEBUG: '1' });
    expect(hit.stderr).toContain('served from the cache (fast path)');
  });

  it('--dry-run shows a rename and a removal and warns about the AWS config entries they break, changing nothing', async () => {
    const late = idOf('shared services');
    const oldName = `shared-services-${late.slice(-4)}`;
    t.home.write('.aws/config', `[profile ${oldName}-admin]\ncredential_process = xacct credential-process ${oldName}-admin\n\n[profile shared-services-admin]\ncredential_process = xacct credential-process shared-services-admin\n`);
    await closeAccount(t.moto.url, idOf('Shared Services'));
    const before = readFileSync(orgFile(), 'utf8');
    const r = await sync(['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`- shared-services ${idOf('Shared Services')}\n~ ${oldName} -> shared-services ${late}\n`);
    expect(r.stderr).toContain(`warning: [profile ${oldName}-admin] of the AWS config runs xacct credential-process ${oldName}-admin, which this sync would remove (it is shared-services-admin now): run xacct aws-config --write --prune`);
    expect(r.stderr).not.toContain('[profile shared-services-admin] of the AWS config');
    expect(readFileSync(orgFile(), 'utf8')).toBe(before);

    const real = await sync();
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/0 added, 1 removed, 1 renamed: wrote/);
    expect(readFileSync(orgFile(), 'utf8')).toContain(`\nshared-services = "${late}" # shared services\n`);
    // The fast path does not serve a session made before the sync (the stamp names organization.toml).
    const next = await cli(['credential-process', 'workload-0042-admin'], { XACCT_DEBUG: '1' });
    expect(next.stderr).toContain('fast path not taken: the profile map, the AWS config files or the environment changed');
  });

  it('include_ous lists the accounts under those OUs and their child OUs; exclude still applies', async () => {
    writeMap(`via = "mgmt-orgreader"\ninclude_ous = ["${workloadsOu}"]\nexclude = ["sandbox-*"]`);
    orgProxy.reset();
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(orgProxy.count('ListAccounts')).toBe(0);
    expect(orgProxy.calls.filter((c) => c.action === 'ListAccountsForParent').map((c) => c.params.ParentId).sort()).toEqual([prodOu, workloadsOu].sort());
    const accounts = readFileSync(orgFile(), 'utf8').split('[accounts]\n')[1]!;
    expect(accounts).toBe(
      `workload-0010 = "${idOf('Workload 0010')}" # Workload 0010\nworkload-0011 = "${idOf('Workload 0011')}" # Workload 0011\nworkload-0012 = "${idOf('Workload 0012')}" # Workload 0012\n`,
    );
    expect(r.stderr).toMatch(/: 4 accounts listed through mgmt-orgreader \(1 left out by exclude\)/);
  });

  it('refuses a map without [organization], and says what the via profile may not do', async () => {
    t.home.write('.config/xacct/config.toml', `[sources.identity]\nmfa_serial = "${t.user.mfaSerial}"\n`);
    const none = await sync();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^xacct: the profile map has no \[organization\] table/);
    writeMap();
    t.sts.reset();
    const badUrl = await cli(['sync', '--no-cache', '--mfa-token', VALID_MFA_CODE], { AWS_ENDPOINT_URL_ORGANIZATIONS: 'organizations.local' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^xacct: AWS_ENDPOINT_URL_ORGANIZATIONS="organizations.local" is not a URL\n/);
    expect(t.sts.count()).toBe(0); // refused before any credential was asked for (--no-cache would call STS)
    orgProxy.inject({ error: 'AccessDeniedException', times: 20 });
    const denied = await sync();
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^xacct: AWS Organizations denied ListAccounts to the via profile: /);
    orgProxy.reset();
  });

  it('a NextToken that comes back again stops the listing: one line, exit 1, organization.toml as it was', async () => {
    writeMap();
    const before = readFileSync(orgFile(), 'utf8');
    orgProxy.reset();
    orgProxy.page({ action: 'ListAccounts', mode: 'repeat' });
    const r = await sync();
    orgProxy.reset();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'xacct: AWS Organizations ListAccounts returned a NextToken it had returned before (after 2 pages): the listing would never end; stopped\n' +
        `xacct: run xacct sync again; if it happens again, ${orgProxy.url} does not page as AWS does: check AWS_ENDPOINT_URL_ORGANIZATIONS / AWS_ENDPOINT_URL\n`,
    );
    expect(readFileSync(orgFile(), 'utf8')).toBe(before);
  });

  it('a listing that never ends stops after its most pages, or its time (the adapter, bounds lowered)', async () => {
    const { createOrganizations } = await import('../../src/adapters/organizations.js');
    orgProxy.reset();
    orgProxy.page({ action: 'ListAccounts', mode: 'endless' });
    try {
      // Any key will do for moto (its management account answers); the proxy checks that the call is signed.
      const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-checked' };
      const org = (listing: { maxPages: number; timeoutMs: number }) => createOrganizations({ AWS_ENDPOINT_URL_ORGANIZATIONS: orgProxy.url }, creds, 'us-east-1', { listing });
      await expect(org({ maxPages: 5, timeoutMs: 60_000 }).listAccounts()).rejects.toThrow(/^AWS Organizations ListAccounts had not ended after 5 pages, the most xacct lists; stopped$/);
      expect(orgProxy.count('ListAccounts')).toBe(5);
      await expect(org({ maxPages: 10_000, timeoutMs: 300 }).listAccounts()).rejects.toThrow(/^AWS Organizations ListAccounts had not ended after 300 ms \(\d+ pages\); stopped$/);
    } finally {
      orgProxy.reset();
    }
  });

  it('the fast path yields when a map the profile map includes changes', async () => {
    t.home.write('team/roles.toml', '[roles]\nadmin = "OrganizationAccountAccessRole"\n');
    t.home.write('.config/xacct/config.toml', `include = ["../../team/roles.toml"]\n\n[sources.identity]\nmfa_serial = "${t.user.mfaSerial}"\n\n[accounts]\nprod = "${PROD_ACCOUNT}"\n`);
    const first = await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE]);
    expect(first.code, first.stderr).toBe(0);
    expect((await cli(['credential-process', 'prod-admin'], { XACCT_DEBUG: '1' })).stderr).toContain('served from the cache (fast path)');
    t.home.write('team/roles.toml', '[roles]\nadmin = { name = "OrganizationAccountAccessRole", duration = "2h" }\n');
    // The same call as the one served above (with --mfa-token the fast path is never tried): the stamp yields.
    const probe = await cli(['credential-process', 'prod-admin'], { XACCT_DEBUG: '1' });
    expect(probe.stderr).toContain('fast path not taken: the profile map, the AWS config files or the environment changed');
    const after = await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { XACCT_DEBUG: '1' });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain('durationSeconds, via changed');
  });
});
