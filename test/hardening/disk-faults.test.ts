/**
 * Full and read-only file systems (issue 11), for real: a tmpfs mounted for the test (root only; outside CI a visible
 * skip), filled to the brim, or remounted read-only. Through the real CLI: a full disk is one clear line and leaves
 * nothing behind (no empty lock record, no temp copy of ~/.aws/config, no half audit log); a read-only HOME still
 * serves a cache miss and a hit with the keychain backend (locks fall back to $XDG_RUNTIME_DIR). And a temp copy left
 * by a writer killed with -9 is removed by the next write (no mount needed: that one runs without root too).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUserKeys, makeHome, requireEnv, runCli, standardMap, startEnv, VALID_MFA_CODE, type Env, type TestEnv } from '../helpers/index.js';
import { expectCleanFailure, filesBelow } from './support.js';

/** Mounting needs root; outside CI the tests say so and skip, under CI=true that is a failure. */
function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'xacct-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    const message = 'the disk-fault tests need to mount a tmpfs (root)';
    if (process.env.CI === 'true') throw new Error(`${message}, and CI=true`);
    console.warn(`SKIPPED: ${message}`);
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const opts = { keyring: true, sts: true };
const available = canMount() && requireEnv(opts, 'the disk-fault tests');

/** A tmpfs of `size` at a new folder; unmounted (and removed) by the returned function. */
function mountTmpfs(size: string): { dir: string; unmount: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system of `dir` until a write fails with ENOSPC. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `filler-${i}`), chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw err;
    }
  }
  // The last bytes too: a file of a few bytes may still fit in a block.
  for (let i = 0; i < 64; i++) {
    try {
      writeFileSync(join(dir, `crumb-${i}`), 'x');
    } catch {
      break;
    }
  }
}

describe.skipIf(!available)('full and read-only file systems', () => {
  let t: TestEnv;
  const mounts: (() => void)[] = [];

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial));
    await addUserKeys(t);
  });
  afterAll(async () => {
    for (const unmount of mounts.splice(0)) unmount();
    await t?.stop();
  });

  it('a full disk under the state, cache and AWS folders: one clear line per command, nothing left behind', async () => {
    const fs = mountTmpfs('512k');
    mounts.push(fs.unmount);
    const state = join(fs.dir, 'state');
    const cache = join(fs.dir, 'cache');
    const aws = join(fs.dir, 'aws');
    // Used before the disk filled: the folders exist, the AWS config has a profile.
    for (const d of [join(state, 'xacct', 'locks'), join(cache, 'xacct'), aws]) mkdirSync(d, { recursive: true, mode: 0o700 });
    const config = join(aws, 'config');
    writeFileSync(config, '[profile mine]\nregion = eu-west-1\n', { mode: 0o600 });
    fill(fs.dir);
    const before = new Set(filesBelow(fs.dir));
    const env: Env = { ...t.env, XDG_STATE_HOME: state, XDG_CACHE_HOME: cache, AWS_CONFIG_FILE: config };

    const miss = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env });
    expectCleanFailure(miss, 1, { message: new RegExp(`^xacct: cannot create the lock file ${state}/xacct/locks/\\S+\\.lock: no space left on the device$`, 'm') });
    expect(t.sts.count('GetSessionToken')).toBe(0);

    const write = await runCli(['aws-config', '--write'], { env });
    expectCleanFailure(write, 1, { message: new RegExp(`^xacct: cannot write ${config}(\\.xacct-backup)?: no space left on the device\\nxacct: the file was left as it was\\n$`) });
    expect(readFileSync(config, 'utf8')).toBe('[profile mine]\nregion = eu-west-1\n');

    const file = await runCli(['add', 'identity'], { env: { ...env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'p', XDG_DATA_HOME: join(fs.dir, 'data'), AWS_ACCESS_KEY_ID: t.user.accessKeyId, AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey } });
    expectCleanFailure(file, 1, { message: /no space left on the device$/m });

    // Nothing new: no empty *.new lock record, no .tmp copy of the config, no empty audit log or store.
    expect(filesBelow(fs.dir).filter((f) => !before.has(f))).toEqual([]);
  });

  it('a read-only HOME: a cache miss and a hit with the keychain backend still work (locks in $XDG_RUNTIME_DIR)', async () => {
    const fs = mountTmpfs('1m');
    mounts.push(fs.unmount);
    const home = makeHome();
    // The HOME lives on the tmpfs; XDG_RUNTIME_DIR stays writable, outside it.
    const ro = fs.dir;
    const env: Env = {
      ...t.env,
      HOME: ro,
      XDG_CONFIG_HOME: join(ro, '.config'),
      XDG_STATE_HOME: join(ro, '.local/state'),
      XDG_CACHE_HOME: join(ro, '.cache'),
      XDG_DATA_HOME: join(ro, '.local/share'),
      XDG_RUNTIME_DIR: home.path('.run'),
    };
    mkdirSync(join(ro, '.config', 'xacct'), { recursive: true, mode: 0o700 });
    writeFileSync(join(ro, '.config', 'xacct', 'config.toml'), standardMap(t.user.mfaSerial), { mode: 0o600 });
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    try {
      t.sts.reset();
      const miss = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env });
      expect(miss.code, miss.stderr).toBe(0);
      expect(JSON.parse(miss.stdout)).toMatchObject({ Version: 1 });
      expect(t.sts.count('AssumeRole')).toBe(1);
      // The only line: the audit log could not be written (a read-only file system is not an attack).
      expect(miss.stderr).toMatch(/^xacct: warning: cannot create the folder \S+\/\.local\/state\/xacct: read-only file system \(the session is used all the same\)\n$/);
      expect(readdirSync(home.path('.run', 'xacct', 'locks'))).toEqual([]);

      const hit = await runCli(['credential-process', 'prod-admin'], { env });
      expect(hit.code, hit.stderr).toBe(0);
      expect(hit.stderr).toBe('');
      expect(JSON.parse(hit.stdout)).toEqual(JSON.parse(miss.stdout));
      expect(t.sts.count('AssumeRole')).toBe(1);
    } finally {
      home.cleanup();
    }
  });

});

// No mount, no keychain, no STS: runs everywhere, root or not.
describe('temp copies left by a writer killed with -9', () => {
  it('a temp copy of ~/.aws/config left by a writer killed with -9 is removed by the next write', async () => {
    const home = makeHome();
    try {
      home.write('.config/xacct/config.toml', standardMap('arn:aws:iam::111111111111:mfa/alice'));
      const config = home.write('.aws/config', '[profile mine]\nregion = eu-west-1\n');
      // What writeFileAtomic names its temp files, with the PID of a process that is gone.
      const stale = [home.path('.aws', '.config.999999999.0123456789ab.tmp'), home.path('.aws', '.config.xacct-backup.999999999.ba9876543210.tmp')];
      for (const f of stale) writeFileSync(f, 'a full copy of the config', { mode: 0o600 });
      const other = home.write('.aws/.config.notes.tmp', 'not xacct’s');
      const r = await runCli(['aws-config', '--write'], { env: { ...home.env, AWS_CONFIG_FILE: config } });
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(home.path('.aws')).sort()).toEqual(['.config.notes.tmp', 'config', 'config.xacct-backup'].sort());
      expect(readFileSync(other, 'utf8')).toBe('not xacct’s');
      expect(readFileSync(config, 'utf8')).toContain('[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\n');
    } finally {
      home.cleanup();
    }
  });
});
