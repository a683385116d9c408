/** `xacct doctor` run in-process with every outside call injected: the registry, shared facts, and each check's lines. */
import { describe, expect, it } from 'vitest';
import { runDoctor, type DoctorCheck, type DoctorDeps, type Fact } from '../../src/app/doctor/index.js';
import { DOCTOR_CHECKS } from '../../src/app/doctor/checks/index.js';
import { AwsError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { encodeStoredKeys } from '../../src/core/stored-keys.js';
import { ok } from '../../src/core/doctor-report.js';
import { FakeStore } from './providers-fakes.js';

const MAP_FILE = '/home/u/.config/xacct/config.toml';
const MAP = `[sources.identity]\nregion = "eu-west-1"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n`;
const KEYS = { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'secret-never-shown' };
const env = { HOME: '/home/u', PATH: '/usr/bin', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' };

function deps(overrides: Partial<DoctorDeps> = {}): { deps: Partial<DoctorDeps>; store: FakeStore; sts: string[] } {
  const store = new FakeStore();
  store.data.set('source:identity', encodeStoredKeys(KEYS));
  const sts: string[] = [];
  const now = new Date('2030-01-01T00:00:00Z');
  return {
    store,
    sts,
    deps: {
      loadProfileMap: async () => buildProfileMap({ profileMap: { file: MAP_FILE, text: MAP } }),
      readAwsFiles: async () => ({}),
      openStore: async () => store,
      chooseBackend: () => 'os',
      createSts: () => ({
        endpointFor: (region) => `https://sts.${region}.amazonaws.com`,
        getCallerIdentity: async (creds) => {
          sts.push(creds.accessKeyId);
          return { account: '111111111111', arn: 'arn:aws:iam::111111111111:user/alice', userId: 'AIDA', serverTime: now };
        },
      }),
      loadAwsProfile: async () => {
        throw new Error('not used');
      },
      statFile: async () => undefined,
      isExecutable: async (file) => file === '/usr/bin/xacct',
      realpath: async (file) => (file === '/usr/bin/xacct' ? '/opt/xacct/bin/xacct.js' : file),
      now: () => now,
      thisInstallation: '/opt/xacct/bin/xacct.js',
      platform: 'linux',
      ...overrides,
    },
  };
}

describe('doctor run with injected deps', () => {
  it('a healthy setup: every check in registry order, one GetCallerIdentity per source, no secret', async () => {
    const d = deps();
    const findings = await runDoctor(env, d.deps);
    expect(findings.map((f) => `${f.status} ${f.topic}: ${f.message}`)).toEqual([
      `ok profile map: ${MAP_FILE}: 1 profile`,
      'ok keychain: backend os: Secret Service over D-Bus answers, unlocked; 1 entry of xacct',
      'ok source identity: long-term keys stored in the OS keychain (xacct add)',
      'ok source identity: no MFA session cached: the next command asks for a code of arn:aws:iam::111111111111:mfa/alice',
      'ok source identity: STS accepts its long-term keys: arn:aws:iam::111111111111:user/alice',
      'ok clock: in step with STS (https://sts.eu-west-1.amazonaws.com)',
      'ok STS: https://sts.eu-west-1.amazonaws.com (regional endpoint), region eu-west-1 (of source identity)',
      'ok AWS config: no profile of /home/u/.aws/config gets credentials from xacct (xacct aws-config --write adds them)',
      'ok PATH: xacct is /usr/bin/xacct: this installation (/opt/xacct/bin/xacct.js)',
    ]);
    expect(d.sts).toEqual([KEYS.accessKeyId]);
    expect(JSON.stringify(findings)).not.toContain(KEYS.secretAccessKey);
  });

  it('a refused key, an unreadable stored key and a world-readable secrets file each give their line', async () => {
    const refused = deps({
      createSts: () => ({
        endpointFor: () => 'https://sts.eu-west-1.amazonaws.com',
        getCallerIdentity: async () => {
          throw new AwsError('InvalidClientTokenId', "the source's access key is not valid");
        },
      }),
    });
    const lines = await runDoctor(env, refused.deps);
    expect(lines).toContainEqual(expect.objectContaining({ status: 'error', topic: 'source identity', message: expect.stringMatching(/^STS refused its long-term keys/) }));
    expect(lines).toContainEqual(expect.objectContaining({ status: 'warning', topic: 'clock', message: 'not compared with STS: STS could not be asked with source identity' }));

    const unreadable = deps();
    unreadable.store.data.set('source:identity', '{"AccessKeyId":"AKIA"');
    expect(await runDoctor(env, unreadable.deps)).toContainEqual(
      expect.objectContaining({ status: 'error', message: 'the long-term keys stored in the OS keychain are unreadable' }),
    );
    expect(unreadable.sts).toEqual([]);

    const file = deps({ chooseBackend: () => 'file', statFile: async () => ({ mode: 0o644, isFile: true }) });
    const fileLines = await runDoctor({ ...env, XACCT_FILE_PASSPHRASE: 'p' }, file.deps);
    expect(fileLines).toContainEqual(expect.objectContaining({ status: 'warning', topic: 'keychain', message: expect.stringContaining('has mode 0644: other users may read it') }));
  });

  it('a new check is one module in the list; a fact it shares is computed once for all the checks that read it', async () => {
    let computed = 0;
    const answer: Fact<number> = async () => ++computed;
    const reads = (name: string): DoctorCheck => ({ name, run: async (ctx) => [ok(name, `fact ${await ctx.fact(answer)}`)] });
    const findings = await runDoctor(env, deps().deps, [...DOCTOR_CHECKS.slice(0, 1), reads('first'), reads('second')]);
    expect(findings.slice(1)).toEqual([ok('first', 'fact 1'), ok('second', 'fact 1')]);
    expect(computed).toBe(1);
  });
});
