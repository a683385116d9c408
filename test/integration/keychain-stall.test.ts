/**
 * The OS keychain when it is stopped, stalls or restarts, and how many Secret Service sessions xacct opens (issues
 * 10 and 16): the built CLI against a private GNOME Keyring (its daemon stopped with SIGSTOP, as a hung daemon is)
 * and moto behind the checking proxy. Sessions and connections are counted on the bus itself with dbus-monitor
 * (OpenSession and Hello calls), between marker calls (test/helpers/dbus-monitor.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import keychain from '../../src/adapters/keychain/secret-service.cjs';
import { countCalls, requireEnv, requireTools, roleSessionKeyIn, runCli, setupIdentity, standardMap, startEnv, VALID_MFA_CODE, type Env, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const STOPPED_LIMIT_MS = 40_000;

/** The Secret Service sessions (OpenSession) and bus connections (Hello) opened while `work` runs. */
async function countSessions(env: Env, work: () => Promise<unknown>): Promise<{ sessions: number; connections: number }> {
  const calls = await countCalls(env, ['OpenSession', 'Hello'], work);
  return { sessions: calls.OpenSession!, connections: calls.Hello! };
}

describe.skipIf(!requireEnv(opts, 'keychain stall tests') || !requireTools(['dbus-monitor'], 'keychain session counts'))('the keychain in a crowd and when it stops', () => {
  let t: TestEnv;
  const cli = (args: string[], extra: Env = {}, timeoutMs = 60_000) => runCli(args, { env: { ...t.env, ...extra }, timeoutMs });
  const daemon = (signal: 'SIGSTOP' | 'SIGCONT') => process.kill(t.keyring.pids.keyring, signal);

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t, { map: standardMap(t.user.mfaSerial, { source: `mfa_process = "printf ${VALID_MFA_CODE}"` }) });
    expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0);
  });
  afterEach(() => daemon('SIGCONT'));
  afterAll(() => t?.stop());

  it('one bus connection and one Secret Service session per process: a cache hit, a cold miss after clear, the full path and list', async () => {
    const one = { sessions: 1, connections: 1 };
    expect(await countSessions(t.env, async () => expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0))).toEqual(one);
    expect((await cli(['clear'])).code).toBe(0);
    // clear dropped the index entry of the session it deleted, so the fast path does not read it (through the
    // binding) first: the full path reads and writes everything over one session of the client.
    expect(await countSessions(t.env, async () => expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0))).toEqual(one);
    expect(t.sts.count('AssumeRole')).toBeGreaterThan(0);
    expect(await countSessions(t.env, async () => expect((await cli(['exec', 'prod-admin', '--', process.execPath, '-e', '0'])).code).toBe(0))).toEqual(one);
    expect(await countSessions(t.env, async () => expect((await cli(['list'])).code).toBe(0))).toEqual(one);
  });

  it('stopped (SIGSTOP): credential-process and list end within 40 s, saying that the keychain does not answer', async () => {
    daemon('SIGSTOP');
    const started = Date.now();
    const timed = async (args: string[]) => ({ ...(await cli(args)), ms: Date.now() - started });
    const [served, listed] = await Promise.all([timed(['credential-process', 'prod-admin']), timed(['list'])]);

    expect(served.code, served.stderr).toBe(1);
    expect(served.stdout).toBe('');
    const [line, ...rest] = served.stderr.trimEnd().split('\n');
    expect(line).toMatch(/^xacct: the OS keychain is not answering \(Secret Service over D-Bus, \d+ tries over \d+s\): could not read "role-session:prod-admin@[0-9a-f]+" from it: DBus error: Did not receive a reply\.$/);
    expect(rest).toEqual([expect.stringMatching(/^xacct: the keychain is there but slow or stuck/)]);
    expect(served.ms).toBeLessThan(STOPPED_LIMIT_MS);

    // list still lists the profiles, and says why it cannot tell the sessions' time left.
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/prod-admin/);
    expect(listed.stderr).toMatch(/^xacct: warning: cached sessions unknown: the OS keychain is not answering/m);
    expect(listed.ms).toBeLessThan(STOPPED_LIMIT_MS);
  });

  it('stalled for 3 s: the call is tried again and served, from the cache', async () => {
    daemon('SIGSTOP');
    setTimeout(() => daemon('SIGCONT'), 3_000);
    const r = await cli(['credential-process', 'prod-admin'], { XACCT_DEBUG: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^xacct: debug: credential-process served from the cache \(fast path\)$/m);
    expect(r.stderr).toMatch(/^xacct: debug: keychain: \d+ Secret Service session\(s\), \d+ call\(s\), [1-9]\d* retried$/m);
  });

  it('restarted: a session opened before the restart is gone, and the call is read again on a new connection', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = t.env.DBUS_SESSION_BUS_ADDRESS;
    try {
      const before = await keychain.getPassword(roleSessionKeyIn(t.env, 'prod-admin'));
      expect(before).toMatch(/"fingerprint"/);
      const { sessions, retries } = keychain.stats;
      await t.keyring.unlock(); // restarts gnome-keyring-daemon
      expect(await keychain.getPassword(roleSessionKeyIn(t.env, 'prod-admin'))).toBe(before);
      expect(keychain.stats.sessions).toBe(sessions + 1);
      expect(keychain.stats.retries).toBe(retries + 1);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});
