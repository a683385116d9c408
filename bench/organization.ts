/**
 * `npm run bench:organization`: xacct at organisation scale, against moto's AWS Organizations behind the checking
 * proxy: the time of `xacct sync` (every page, a fresh organization.toml), and of a cached `credential-process`
 * (fast path), the same through the full CLI, `list`, `list --json` and completion's names, with 1,200 and then
 * 5,000 accounts × 2 roles, beside a map of 2 accounts. Not part of `npm test`. Options: --runs N (default 10),
 * --sizes 1200,5000.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv } from '../test/helpers/env.js';
import { motoQuery } from '../test/helpers/moto.js';
import { createAccounts, createOrganization, startOrganizationsProxy } from '../test/helpers/organizations-proxy.js';
import { VALID_MFA_CODE } from '../test/helpers/sts-proxy.js';
import { hyperfineVersion, median, runOk, timeCommands, type Env } from './measure.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XACCT = join(ROOT, 'bin/xacct.js');

function options(argv: readonly string[]): { runs: number; sizes: number[] } {
  const o = { runs: 10, sizes: [1_200, 5_000] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') o.runs = Number(argv[++i]);
    else if (argv[i] === '--sizes') o.sizes = argv[++i]!.split(',').map(Number);
    else throw new Error(`unknown option ${argv[i]} (--runs N, --sizes 1200,5000)`);
  }
  return o;
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const hyperfine = hyperfineVersion() !== undefined;
  const t = await startEnv({ keyring: true, sts: true });
  const proxy = await startOrganizationsProxy(t.moto);
  try {
    const org = await createOrganization(t.moto.url);
    await motoQuery(t.moto.url, 'iam', 'CreateRole', { RoleName: 'OrgReader', AssumeRolePolicyDocument: '{}' });
    const env: Env = { ...(t.env as Env), AWS_ENDPOINT_URL_ORGANIZATIONS: proxy.url };
    delete env.NODE_EXTRA_CA_CERTS;
    const source = `[sources.identity]\nmfa_serial = "${t.user.mfaSerial}"\nmfa_process = "printf ${VALID_MFA_CODE}"\nregion = "eu-west-1"\n\n`;
    const roles = '[roles]\nadmin = "OrganizationAccountAccessRole"\norgreader = "OrgReader"\n';
    const orgFile = t.home.path('.local/share/xacct/organization.toml');
    await runOk(['node', XACCT, 'add', 'identity'], { ...env, AWS_ACCESS_KEY_ID: t.user.accessKeyId, AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey });

    const rows: string[] = [];
    const measure = async (label: string, profile: string) => {
      const hit = ['node', XACCT, 'credential-process', profile];
      await runOk(hit, env);
      const served = await runOk(hit, { ...env, XACCT_DEBUG: '1' });
      if (!served.stderr.includes('served from the cache')) throw new Error(`not a fast-path hit: ${served.stderr}`);
      const timings = await timeCommands(
        [
          { name: 'hit', argv: hit },
          { name: 'full', argv: [...hit, '--region', 'eu-west-1'] },
          { name: 'list', argv: ['node', XACCT, 'list'] },
          { name: 'list --json', argv: ['node', XACCT, 'list', '--json'] },
          { name: 'names', argv: ['node', XACCT, '__complete', 'profiles'] },
        ],
        env,
        { runs: opts.runs, warmup: 2, hyperfine },
      );
      rows.push(`| ${label} | ${timings.map((x) => ms(median(x.samples))).join(' | ')} |`);
    };

    t.home.write('.config/xacct/config.toml', `${source}[accounts]\nmgmt = "${org.managementAccountId}"\nprod = "222222222222"\n\n${roles}`);
    await measure('2 accounts, no organization', 'prod-admin');

    let created = 1; // the management account
    const syncs: string[] = [];
    for (const size of opts.sizes) {
      const t0 = Date.now();
      await createAccounts(t.moto.url, Array.from({ length: size - created }, (_, i) => `Account ${created + i}`), { concurrency: 4 });
      const createMs = Date.now() - t0;
      created = size;
      t.home.write('.config/xacct/config.toml', `${source}[organization]\nvia = "mgmt-orgreader"\n\n[accounts]\nmgmt = "${org.managementAccountId}"\n\n${roles}`);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        rmSync(orgFile, { force: true });
        proxy.reset();
        times.push((await runOk(['node', XACCT, 'sync'], env)).ms);
      }
      const noChange = (await runOk(['node', XACCT, 'sync'], env)).ms;
      syncs.push(`| ${size.toLocaleString('en-US')} | ${ms(median(times))} (${times.map(ms).join(', ')}) | ${ms(noChange)} | ${proxy.count('ListAccounts')} | ${ms(createMs)} |`);
      await measure(`${size.toLocaleString('en-US')} accounts × 2 roles`, 'account-7-admin');
    }
    console.log(`xacct at organisation scale (median of ${opts.runs} runs${hyperfine ? ', hyperfine' : ''}; NODE_EXTRA_CA_CERTS unset)\n`);
    console.log('| accounts | sync, fresh file (3 runs) | sync, no change | ListAccounts pages | moto CreateAccount, untimed setup |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const s of syncs) console.log(s);
    console.log('\n| map | credential-process hit | same, full path (--region) | list | list --json | completion names |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
  } finally {
    await proxy.stop();
    await t.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
