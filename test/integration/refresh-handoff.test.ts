/**
 * A burst of `credential-process` calls on a cold cache, where the process that refreshes the session hands it to
 * the others over its socket (src/fast/refresh-handoff.cts): the built CLI against a private GNOME Keyring and moto
 * behind the checking STS proxy, with Secret Service sessions counted on the bus (dbus-monitor). The source's
 * `mfa_process` is slow the first time it runs, so that every other caller is waiting on the refresher by then.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countCalls, requireEnv, requireTools, runCli, setupIdentity, standardMap, startEnv, VALID_MFA_CODE, XACCT_BIN, type Env, type RunResult, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const WAITERS = 5;
const HANDED = /^xacct: debug: credential-process served from the cache \(fast path\), handed over by process (\d+) that refreshed it \(no keychain read\)$/m;
const JSON_LINE = /^\{"Version":1,"AccessKeyId":"ASIA\w+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+Z"\}\n$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!requireEnv(opts, 'the refresher handoff') || !requireTools(['dbus-monitor'], 'keychain session counts'))('a burst on a cold cache: the refresher hands its session over', () => {
  let t: TestEnv;
  const lockDir = () => t.home.path('.local/state/xacct/locks');
  const cli = (extra: Env = {}) => runCli(['credential-process', 'prod-admin'], { env: { ...t.env, XACCT_DEBUG: '1', ...extra }, timeoutMs: 60_000 });
  /** The MFA code `mfa_process` prints, and the delay of its first run (the refresher's), in seconds. */
  const mfa = (code: string, delay = '2') => {
    writeFileSync(t.home.path('mfa-code'), code);
    writeFileSync(t.home.path('mfa-delay'), delay);
    rmSync(t.home.path('mfa-slow-done'), { force: true });
  };

  /** The refresher: started alone, returned once its claim (and so its socket) is there. */
  async function startRefresher(): Promise<{ pid: number; done: Promise<RunResult> }> {
    const child = spawn(process.execPath, [XACCT_BIN, 'credential-process', 'prod-admin'], {
      env: { ...t.env, XACCT_DEBUG: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a session of its own, without the terminal vitest runs in (as runCli does)
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, timedOut: false, durationMs: Date.now() - started })));
    const has = (re: RegExp) => sockets(/./).some((name) => re.test(name));
    while (!(has(/^refresh_prod-admin-[0-9a-f]+\.lock$/) && has(/\.sock$/))) {
      if (child.exitCode !== null || Date.now() - started > 20_000) throw new Error(`the refresher did not claim: ${stderr}`);
      await sleep(20);
    }
    return { pid: child.pid!, done };
  }
  /** The lock folder's sockets (or other names), none before it is made. */
  const sockets = (re = /\.sock$/) => {
    try {
      return readdirSync(lockDir()).filter((n) => re.test(n));
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    t = await startEnv(opts);
    const script = t.home.write(
      'mfa-code.sh',
      `if [ ! -e '${t.home.path('mfa-slow-done')}' ]; then : > '${t.home.path('mfa-slow-done')}'; sleep "$(cat '${t.home.path('mfa-delay')}')"; fi\ncat '${t.home.path('mfa-code')}'\n`,
    );
    await setupIdentity(t, { map: standardMap(t.user.mfaSerial, { source: `mfa_process = "sh ${script}"` }) });
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    expect((await runCli(['clear'], { env: t.env })).code).toBe(0);
    t.sts.reset();
    mfa(VALID_MFA_CODE);
  });

  it(`${WAITERS} callers waiting on the refresher: none opens a Secret Service session, all print its one session`, async () => {
    let leader: RunResult | undefined;
    let waiters: RunResult[] = [];
    const calls = await countCalls(t.env, ['OpenSession', 'Hello'], async () => {
      const refresher = await startRefresher();
      waiters = await Promise.all(Array.from({ length: WAITERS }, () => cli()));
      leader = await refresher.done;
      for (const w of waiters) expect(w.stderr).toMatch(new RegExp(HANDED.source.replace('(\\d+)', String(refresher.pid)), 'm'));
    });
    // The refresher's one connection and session; none for any waiter.
    expect(calls).toEqual({ OpenSession: 1, Hello: 1 });
    for (const r of [leader!, ...waiters]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(JSON_LINE);
    }
    expect(new Set([leader!, ...waiters].map((r) => r.stdout)).size).toBe(1);
    expect(waiters.map((w) => w.stderr.trim().split('\n'))).toEqual(waiters.map(() => [expect.stringMatching(HANDED)]));
    expect([t.sts.count('GetSessionToken'), t.sts.count('AssumeRole')]).toEqual([1, 1]);
    expect(sockets()).toEqual([]);
  });

  it('a caller whose environment differs from the refresher\'s does not take what it hands over: it goes the full way', async () => {
    const refresher = await startRefresher();
    const [same, other] = await Promise.all([cli(), cli({ AWS_SHARED_CREDENTIALS_FILE: t.home.path('elsewhere/credentials') })]);
    const leader = await refresher.done;
    expect(same.stderr).toMatch(HANDED);
    expect(other.stderr.split('\n')[0]).toBe(
      "xacct: debug: credential-process fast path not taken: the profile map, the AWS config files or the environment changed since the index was written, after waiting for another process's refresh",
    );
    expect(other.stderr).not.toMatch(HANDED);
    // The full path reads the session the refresher cached: the same credentials, and no STS call of its own.
    for (const r of [leader, same, other]) expect(r.code, r.stderr).toBe(0);
    expect(new Set([leader.stdout, same.stdout, other.stdout]).size).toBe(1);
    expect([t.sts.count('GetSessionToken'), t.sts.count('AssumeRole')]).toEqual([1, 1]);
  });

  it('a refresher that fails (a refused MFA code) hands nothing over: its waiters try for themselves and fail alike', async () => {
    mfa('000000', '1');
    const refresher = await startRefresher();
    const waiters = await Promise.all(Array.from({ length: 2 }, () => cli()));
    const leader = await refresher.done;
    expect(leader.code).toBe(1);
    const errorLine = leader.stderr.split('\n').find((l) => !l.startsWith('xacct: debug:'));
    expect(errorLine).toMatch(/^xacct: /);
    for (const w of waiters) {
      expect(w.code).toBe(1);
      expect(w.stdout).toBe('');
      expect(w.stderr).not.toMatch(HANDED);
      expect(w.stderr.split('\n')[0]).toBe("xacct: debug: credential-process fast path not taken: the index has no entry for this profile, after waiting for another process's refresh");
      expect(w.stderr.split('\n').find((l) => !l.startsWith('xacct: debug:'))).toBe(errorLine);
    }
    expect(sockets()).toEqual([]);
  });

  it('a refresher killed mid-way (kill -9): its waiters are let go, take over its claim and socket, and are served', async () => {
    const refresher = await startRefresher();
    const waiting = Promise.all(Array.from({ length: 3 }, () => cli()));
    await sleep(800);
    process.kill(refresher.pid, 'SIGKILL');
    expect((await refresher.done).code).toBe(null);
    const waiters = await waiting;
    for (const w of waiters) {
      expect(w.code, w.stderr).toBe(0);
      expect(w.stdout).toMatch(JSON_LINE);
      expect(w.stderr).not.toMatch(HANDED);
    }
    expect(new Set(waiters.map((w) => w.stdout)).size).toBe(1);
    // The killed one was still asking for its code: one GetSessionToken and one AssumeRole in all.
    expect([t.sts.count('GetSessionToken'), t.sts.count('AssumeRole')]).toEqual([1, 1]);
    expect(sockets()).toEqual([]);
  });
});
