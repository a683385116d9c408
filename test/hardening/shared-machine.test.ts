/**
 * Another user on the machine (issue 11), through the real CLI run as a second uid (setpriv; the test runs as root):
 * the victim is uid VICTIM with a HOME of its own, the attacker is uid ATTACKER, who plants folders, links and FIFOs
 * where the victim's xacct reads its configuration or writes its state. Each case asserts the exit code, one clear
 * line, that nothing hangs, and that the target of a planted link is byte for byte and mode unchanged.
 * The victim uses the file backend (a root D-Bus session is not reachable from another uid) and moto on loopback.
 */
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHome, requireEnv, run, standardMap, startEnv, userKeys, VALID_MFA_CODE, XACCT_BIN, type Env, type RunResult, type TestEnv, type TestHome } from '../helpers/index.js';
import { expectCleanFailure, expectOneErrorLine } from './support.js';

const VICTIM = 54321;
const ATTACKER = 54322;
const SETPRIV = '/usr/bin/setpriv';
const PASSPHRASE = 'victim passphrase 51c0';

/** Root (to chown and to become another uid) and setpriv; outside CI a visible skip, under CI a failure. */
function secondUidAvailable(): boolean {
  let ok = process.getuid?.() === 0;
  try {
    statSync(SETPRIV);
  } catch {
    ok = false;
  }
  if (ok) return true;
  const message = 'the shared-machine tests need root and /usr/bin/setpriv (they run xacct as a second uid)';
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing tool is an error)`);
  console.warn(`SKIPPED: ${message}`);
  return false;
}

const available = secondUidAvailable() && requireEnv({ sts: true }, 'the shared-machine tests');

/** A file's bytes and mode, to check that xacct left it as it was. */
function fileState(file: string): { bytes: string; mode: number; uid: number } {
  const st = statSync(file);
  return { bytes: readFileSync(file).toString('latin1'), mode: st.mode & 0o7777, uid: st.uid };
}

function chownTree(dir: string, uid: number): void {
  execFileSync('chown', ['-R', `${uid}:${uid}`, dir]);
}

describe.skipIf(!available)('another user on the machine (xacct run as a second uid)', () => {
  let t: TestEnv;
  let victim: TestHome;
  let env: Env;
  let shared: string;
  let bashrc: string;
  let bashrcBefore: ReturnType<typeof fileState>;
  let map: string;

  /** xacct as the victim. */
  const asVictim = (args: readonly string[], extra: Env = {}, timeoutMs = 20_000): Promise<RunResult> =>
    run(SETPRIV, [`--reuid=${VICTIM}`, `--regid=${VICTIM}`, '--clear-groups', process.execPath, XACCT_BIN, ...args], { env: { ...env, ...extra }, timeoutMs });

  /** A cache miss: every session cleared first (with the victim's own folders), then a new one asked for. */
  const miss = async (extra: Env = {}) => {
    const cleared = await asVictim(['clear']);
    expect(cleared.code, cleared.stderr).toBe(0);
    return asVictim(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], extra);
  };

  /** A folder of the attacker in the shared place (mode 0777), holding `plant(dir)`. */
  const attackerFolder = (name: string, plant: (dir: string) => void = () => undefined): string => {
    const root = mkdtempSync(join(shared, `${name}-`));
    chmodSync(root, 0o755);
    const dir = join(root, 'xacct');
    mkdirSync(dir);
    plant(dir);
    chownTree(root, ATTACKER);
    chmodSync(dir, 0o777);
    return root;
  };

  const expectBashrcUntouched = () => expect(fileState(bashrc)).toEqual(bashrcBefore);

  beforeAll(async () => {
    t = await startEnv({ sts: true });
    victim = makeHome();
    bashrc = victim.write('.bashrc', '# the victim\'s shell start-up\nalias ll="ls -l"\n', 0o644);
    map = victim.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial));
    chownTree(victim.dir, VICTIM);
    chmodSync(victim.dir, 0o700);
    bashrcBefore = fileState(bashrc);
    env = { ...victim.env, AWS_ENDPOINT_URL_STS: t.env.AWS_ENDPOINT_URL_STS!, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: PASSPHRASE };
    // A shared place like /tmp: root's, world-writable, sticky.
    shared = mkdtempSync(join(tmpdir(), 'xacct-shared-'));
    chmodSync(shared, 0o1777);
    const r = await asVictim(['add', 'identity'], userKeys(t));
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    victim?.cleanup();
    if (shared) rmSync(shared, { recursive: true, force: true });
    await t?.stop();
  });

  beforeEach(() => {
    t.sts.reset();
    expectBashrcUntouched();
  });

  describe('a profile map others can change is refused (exit 2, the file and the fix named)', () => {
    const refused = async (message: RegExp, fix: RegExp) => {
      const r = await asVictim(['list']);
      expectCleanFailure(r, 2, { message });
      expect(r.stderr.split('\n')[1]).toMatch(fix);
      return r;
    };

    it('writable by group or others (umask 000): refused, with `chmod go-w <file>`', async () => {
      for (const mode of [0o666, 0o620, 0o602]) {
        chmodSync(map, mode);
        await refused(new RegExp(`^xacct: ${map}: refused: it can be written by other users \\(mode 0${mode.toString(8)}\\)`), new RegExp(`^xacct: run \`chmod go-w ${map}\``));
      }
      chmodSync(map, 0o600);
      expect((await asVictim(['list'])).code).toBe(0);
    });

    it('owned by another user: refused, with `chown`; owned by root: trusted', async () => {
      chownSync(map, ATTACKER, ATTACKER);
      chmodSync(map, 0o644);
      await refused(new RegExp(`^xacct: ${map}: refused: it belongs to uid ${ATTACKER}, not to you or root`), new RegExp(`chown ${VICTIM} ${map}|chown \\S+ ${map}`));
      chownSync(map, 0, 0);
      const r = await asVictim(['list']);
      expect(r.code, r.stderr).toBe(0);
      chownSync(map, VICTIM, VICTIM);
      chmodSync(map, 0o600);
    });

    it('in a folder others can write (0777 under umask 000) or that another user owns: refused, naming the folder', async () => {
      const folder = victim.path('.config/xacct');
      chmodSync(folder, 0o777);
      await refused(new RegExp(`^xacct: ${map}: refused: the folder ${folder} above it can be written by other users \\(mode 0777\\)`), new RegExp(`chmod go-w ${folder}\``));
      chmodSync(folder, 0o755);
      chownSync(folder, ATTACKER, ATTACKER);
      await refused(new RegExp(`^xacct: ${map}: refused: the folder ${folder} above it belongs to uid ${ATTACKER}`), /chown/);
      chownSync(folder, VICTIM, VICTIM);
      chmodSync(folder, 0o700);
      // HOME itself is on the way too.
      chmodSync(victim.dir, 0o775);
      await refused(new RegExp(`the folder ${victim.dir} above it can be written by other users \\(mode 0775\\)`), /chmod go-w/);
      chmodSync(victim.dir, 0o700);
    });

    it('XACCT_CONFIG naming a FIFO: refused at once, no hang', async () => {
      const fifo = join(shared, `map-${process.pid}.fifo`);
      execFileSync('mkfifo', [fifo]);
      chownSync(fifo, VICTIM, VICTIM);
      const r = await asVictim(['list'], { XACCT_CONFIG: fifo }, 10_000);
      expectCleanFailure(r, 2, { message: new RegExp(`^xacct: ${fifo}: cannot read the profile map: it is a FIFO`) });
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    });
  });

  describe('state, cache, data and lock folders of another user are never written into (exit 1, the folder named)', () => {
    it("a shared XDG_STATE_HOME where the attacker made xacct/ with audit.jsonl → the victim's ~/.bashrc: refused before STS, ~/.bashrc unchanged", async () => {
      const state = attackerFolder('state', (dir) => symlinkSync(bashrc, join(dir, 'audit.jsonl')));
      const r = await miss({ XDG_STATE_HOME: state });
      expectCleanFailure(r, 1, { message: new RegExp(`^xacct: refused to use the lock folder ${state}/xacct/locks: the folder ${state}/xacct above it belongs to uid ${ATTACKER}`) });
      expectBashrcUntouched();
      expect(t.sts.count('AssumeRole')).toBe(0);
      expect(readdirSync(join(state, 'xacct'))).toEqual(['audit.jsonl']);
    });

    it("the same with the fast path tried first (os backend, a D-Bus address): no lock folder or claim is made in the attacker's xacct/", async () => {
      const state = attackerFolder('state-fast');
      const r = await asVictim(['credential-process', 'prod-admin'], { XDG_STATE_HOME: state, XACCT_BACKEND: 'os', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', XACCT_DEBUG: '1' }, 15_000);
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^xacct: debug: credential-process fast path not taken: no readable index\n/);
      expect(readdirSync(join(state, 'xacct'))).toEqual([]);
    });

    it('a lock folder that another user owns, in a state folder of the victim: refused', async () => {
      const state = mkdtempSync(join(victim.dir, 'state-'));
      mkdirSync(join(state, 'xacct', 'locks'), { recursive: true });
      chownTree(state, VICTIM);
      chownSync(join(state, 'xacct', 'locks'), ATTACKER, ATTACKER);
      const r = await miss({ XDG_STATE_HOME: state });
      expectCleanFailure(r, 1, { message: new RegExp(`^xacct: refused to use the lock folder ${state}/xacct/locks: it belongs to uid ${ATTACKER}, not to you`) });
      expect(readdirSync(join(state, 'xacct', 'locks'))).toEqual([]);
    });

    it("the file backend's store in a folder others can write (delete, roll back) or own: refused, the store unchanged", async () => {
      const data = victim.path('.local/share/xacct');
      const store = join(data, 'secrets.enc');
      const before = readFileSync(store);
      const cp = () => asVictim(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE]);
      chmodSync(data, 0o777);
      const r = await cp();
      expectCleanFailure(r, 1, { message: new RegExp(`^xacct: refused to read the encrypted secrets file ${store}: the folder ${data} above it can be written by other users \\(mode 0777\\), who could delete or roll back`) });
      chmodSync(data, 0o755);
      chownSync(data, ATTACKER, ATTACKER);
      expectCleanFailure(await cp(), 1, { message: new RegExp(`the folder ${data} above it belongs to uid ${ATTACKER}`) });
      chownSync(data, VICTIM, VICTIM);
      chmodSync(data, 0o700);
      expect(readFileSync(store).equals(before)).toBe(true);
    });

    it('a cache folder of another user with a FIFO for the fast-path index: no hang, nothing written there', async () => {
      const cache = attackerFolder('cache', (dir) => execFileSync('mkfifo', [join(dir, 'index.json')]));
      // The fast path is tried with the os backend only; the keychain address is a dead end, so the full path then fails.
      const r = await asVictim(['credential-process', 'prod-admin'], { XDG_CACHE_HOME: cache, XACCT_BACKEND: 'os', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }, 15_000);
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expectOneErrorLine(r.stderr);
      expect(lstatSync(join(cache, 'xacct', 'index.json')).isFIFO()).toBe(true);
      expect(readdirSync(join(cache, 'xacct'))).toEqual(['index.json']);
    });
  });

  it('doctor reports every such folder and file (errors), and an AWS config others can write (a warning)', async () => {
    const state = attackerFolder('doctor-state', (dir) => symlinkSync(bashrc, join(dir, 'audit.jsonl')));
    const cache = attackerFolder('doctor-cache', (dir) => execFileSync('mkfifo', [join(dir, 'index.json')]));
    const data = victim.path('.local/share/xacct');
    const awsConfig = victim.write('.aws/config', '[default]\nregion = eu-west-1\n');
    chownTree(victim.path('.aws'), VICTIM);
    chmodSync(awsConfig, 0o666);
    chmodSync(data, 0o777);
    try {
      const r = await asVictim(['doctor'], { XDG_STATE_HOME: state, XDG_CACHE_HOME: cache });
      expect(r.code, r.stdout).toBe(1);
      const lines = r.stdout.split('\n').filter((l) => /^\S+\s+files: /.test(l));
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^error +files: the state folder ${state}/xacct belongs to uid ${ATTACKER}, not to you`)),
        expect.stringMatching(new RegExp(`^error +files: the folder ${state}/xacct above the lock folder ${state}/xacct/locks belongs to uid ${ATTACKER}`)),
        expect.stringMatching(new RegExp(`^error +files: the cache folder ${cache}/xacct belongs to uid ${ATTACKER}`)),
        expect.stringMatching(new RegExp(`^error +files: the data folder ${data} can be written by other users \\(mode 0777\\), who could delete or roll back`)),
        expect.stringMatching(new RegExp(`^error +files: the audit log ${state}/xacct/audit.jsonl is a symbolic link; xacct will not use it`)),
        expect.stringMatching(new RegExp(`^error +files: the fast-path index ${cache}/xacct/index.json is a FIFO`)),
        expect.stringMatching(new RegExp(`^warning +files: the AWS config ${awsConfig} can be written by other users \\(mode 0666\\) \\(fix: run \`chmod go-w ${awsConfig}\`\\)$`)),
      ]);
      expectBashrcUntouched();
    } finally {
      chmodSync(data, 0o700);
      chmodSync(awsConfig, 0o600);
    }
    const clean = await asVictim(['doctor']);
    expect(clean.stdout).toMatch(/^ok +files: xacct’s folders and files are yours alone/m);
  });

  describe("the audit log is written only as a regular file of the victim's own (else exit 1, the file named)", () => {
    const state = () => victim.path('.local/state/xacct');
    const log = () => join(state(), 'audit.jsonl');
    const plantAndRun = async (plant: () => void, message: RegExp) => {
      rmSync(log(), { force: true });
      plant();
      const r = await miss();
      expectCleanFailure(r, 1, { message });
      expect(t.sts.count('AssumeRole')).toBe(1);
      return r.stderr;
    };

    it('a link to ~/.bashrc: not followed, ~/.bashrc byte for byte and mode unchanged', async () => {
      mkdirSync(state(), { recursive: true });
      chownTree(victim.path('.local/state'), VICTIM);
      await plantAndRun(() => symlinkSync(bashrc, log()), new RegExp(`^xacct: refused to append to the audit log ${log()}: it is a symbolic link\\nxacct: run \`rm ${log()}\`\\n$`));
      expectBashrcUntouched();
      expect(lstatSync(log()).isSymbolicLink()).toBe(true);
    });

    it('a hard link to ~/.bashrc: refused, unchanged', async () => {
      await plantAndRun(() => linkSync(bashrc, log()), /^xacct: refused to append to the audit log \S+: it has other names \(2 hard links\)$/m);
      expectBashrcUntouched();
    });

    it('a FIFO: no hang (no reader), refused', async () => {
      await plantAndRun(() => {
        execFileSync('mkfifo', [log()]);
        chownSync(log(), VICTIM, VICTIM);
      }, /^xacct: refused to append to the audit log \S+: it is a FIFO$/m);
      expect(lstatSync(log()).isFIFO()).toBe(true);
    });

    it('a file of another user: refused, left as it was', async () => {
      await plantAndRun(() => {
        writeFileSync(log(), 'theirs\n');
        chownSync(log(), ATTACKER, ATTACKER);
        chmodSync(log(), 0o666);
      }, new RegExp(`^xacct: refused to append to the audit log \\S+: it belongs to uid ${ATTACKER}, not to you$`, 'm'));
      expect(readFileSync(log(), 'utf8')).toBe('theirs\n');
    });

    it('the victim\'s own log: one line appended, mode 0600', async () => {
      rmSync(log(), { force: true });
      writeFileSync(log(), '', { mode: 0o644 });
      chownSync(log(), VICTIM, VICTIM);
      const r = await miss();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(readFileSync(log(), 'utf8').trim().split('\n')).toHaveLength(1);
      expect(statSync(log()).mode & 0o777).toBe(0o600);
    });
  });
});
