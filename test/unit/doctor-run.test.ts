/** `xacct doctor` run in-process with every outside call injected: the registry, shared facts, and each check's lines. */
import { mfaSessionKey } from '../../src/core/session-keys.js';
import { describe, expect, it } from 'vitest';
import { runDoctor, type DoctorCheck, type DoctorDeps, type Fact } from '../../src/app/doctor/index.js';
import { DOCTOR_CHECKS } from '../../src/app/doctor/checks/index.js';
import { AwsError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { encodeStoredKeys } from '../../src/core/stored-keys.js';
import cacheEntry from '../../src/core/cache-entry.cjs';
import { mfaSessionFingerprint } from '../../src/core/fingerprint.js';
import { encodeRotation } from '../../src/core/rotation.js';
import { ok } from '../../src/core/doctor-report.js';
import type { AccessKeyInfo, IamPort } from '../../src/core/ports.js';
import { FakeStore } from './providers-fakes.js';

const { encodeCacheEntry } = cacheEntry;

const MAP_FILE = '/home/u/.config/xacct/config.toml';
const MAP = `[sources.identity]\nregion = "eu-west-1"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n`;
const KEYS = { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'secret-never-shown' };
const env = { HOME: '/home/u', PATH: '/usr/bin', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' };

const notUsed = async (): Promise<never> => {
  throw new Error('doctor only lists access keys');
};
const NO_IAM: IamPort = {
  listAccessKeys: notUsed,
  createAccessKey: notUsed,
  deleteAccessKey: notUsed,
  listMfaDevices: notUsed,
  createVirtualMfaDevice: notUsed,
  enableMfaDevice: notUsed,
  deleteVirtualMfaDevice: notUsed,
};
/** What the fake IAM lists, per user. */
const iamKeys = new Map<string, AccessKeyInfo[]>();

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
      passphraseAgent: async () => ({ socket: '/run/user/1000/xacct/agent.sock', running: false, keys: [] }),
      createSts: () => ({
        endpointFor: (region) => `https://sts.${region}.amazonaws.com`,
        preload: () => undefined,
        getCallerIdentity: async (creds) => {
          sts.push(creds.accessKeyId);
          return { account: '111111111111', arn: 'arn:aws:iam::111111111111:user/alice', userId: 'AIDA', serverTime: now };
        },
      }),
      createIam: () => ({ ...NO_IAM, listAccessKeys: async (_creds, user) => iamKeys.get(user) ?? [] }),
      loadAwsProfile: async () => {
        throw new Error('not used');
      },
      statFile: async () => undefined,
      isExecutable: async (file) => file === '/usr/bin/xacct',
      realpath: async (file) => (file === '/usr/bin/xacct' ? '/opt/xacct/bin/xacct.js' : file),
      trust: { stateFolder: () => undefined, privateFolder: () => undefined, stateFile: () => undefined, configFile: () => undefined },
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
      `ok source identity: age of access key ${KEYS.accessKeyId} not checked: no MFA session is cached (doctor asks for no code; the next command that opens one makes it checkable)`,
      'ok clock: in step with STS (https://sts.eu-west-1.amazonaws.com)',
      'ok STS: https://sts.eu-west-1.amazonaws.com (regional endpoint), region eu-west-1 (of source identity)',
      'ok AWS config: no profile of /home/u/.aws/config gets credentials from xacct (xacct aws-config --write adds them)',
      'ok PATH: xacct is /usr/bin/xacct: this installation (/opt/xacct/bin/xacct.js)',
      'ok files: xacct’s folders and files are yours alone, and no one else can change the AWS files',
    ]);
    expect(d.sts).toEqual([KEYS.accessKeyId]);
    expect(JSON.stringify(findings)).not.toContain(KEYS.secretAccessKey);
  });

  it('a refused key, an unreadable stored key and a world-readable secrets file each give their line', async () => {
    const refused = deps({
      createSts: () => ({
        endpointFor: () => 'https://sts.eu-west-1.amazonaws.com',
        preload: () => undefined,
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

  it('shows the key age with a cached MFA session (IAM signed with it, no code asked), warns past 90 days, names a second key and a stopped rotation', async () => {
    const d = deps();
    const source = buildProfileMap({ profileMap: { file: MAP_FILE, text: MAP } }).sources.get('identity')!;
    const session = { accessKeyId: 'ASIASESSION', secretAccessKey: 's', sessionToken: 't', expiration: new Date('2030-01-01T06:00:00Z') };
    d.store.data.set(mfaSessionKey(`key:${KEYS.accessKeyId}`, source.mfaSerial!), encodeCacheEntry({ fingerprint: mfaSessionFingerprint(source, `key:${KEYS.accessKeyId}`), credentials: session }));
    d.store.data.set('rotation:identity', encodeRotation({ userName: 'alice', oldKeyId: KEYS.accessKeyId, startedAt: '2029-12-31T23:00:00Z', newKey: { accessKeyId: 'AKIANEWNEWNEWNEWNEW1', secretAccessKey: 'n' } }));
    const signedWith: string[] = [];
    iamKeys.set('alice', [
      { accessKeyId: KEYS.accessKeyId, status: 'Active', createDate: new Date('2029-09-01T12:00:00Z') },
      { accessKeyId: 'AKIANEWNEWNEWNEWNEW1', status: 'Active', createDate: new Date('2029-12-31T23:00:01Z') },
    ]);
    const findings = await runDoctor(env, {
      ...d.deps,
      createIam: () => ({ ...NO_IAM, listAccessKeys: async (creds, user) => (signedWith.push(creds.accessKeyId), iamKeys.get(user) ?? []) }),
    });
    iamKeys.clear();
    const lines = findings.filter((f) => f.topic === 'source identity').map((f) => `${f.status} ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`);
    expect(lines.slice(-3)).toEqual([
      `warning a rotation from key ${KEYS.accessKeyId} to AKIANEWNEWNEWNEWNEW1 stopped before the switch: the old key is still in use (fix: run xacct rotate identity to finish it)`,
      `warning access key ${KEYS.accessKeyId} is 121 days old (created 2029-09-01): older than 90 days, rotate it (fix: xacct rotate identity)`,
      'warning IAM user alice has a second access key, AKIANEWNEWNEWNEWNEW1 (Active), which xacct does not use: xacct rotate needs room for a new key (fix: if nothing uses it, aws iam delete-access-key --user-name alice --access-key-id AKIANEWNEWNEWNEWNEW1)',
    ]);
    expect(signedWith).toEqual(['ASIASESSION']);
  });

  it('a new check is one module in the list; a fact it shares is computed once for all the checks that read it', async () => {
    let computed = 0;
    const answer: Fact<number> = async () => ++computed;
    const reads = (name: string): DoctorCheck => ({ name, run: async (ctx) => [ok(name, `fact ${await ctx.fact(answer)}`)] });
    const findings = await runDoctor(env, deps().deps, [...DOCTOR_CHECKS.slice(0, 1), reads('first'), reads('second')]);
    expect(findings.slice(-2)).toEqual([ok('first', 'fact 1'), ok('second', 'fact 1')]);
    expect(computed).toBe(1);
  });
});
