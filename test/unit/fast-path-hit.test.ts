/**
 * The decision of the credential-process fast path (dist/fast/credential-process-hit.cjs) with the keychain faked:
 * it serves only an indexed profile whose inputs are unchanged and whose cached session is fresh and of the
 * expected fingerprint, and yields (prints nothing, returns false) on everything else.
 * The real keychain, launcher and STS are in test/integration/fast-path.test.ts.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs, { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import cacheEntry from '../../src/core/cache-entry.cjs';
import { xacctPaths } from '../../src/core/paths.js';
import { roleSessionShape } from '../../src/core/providers/engine.js';
import hit from '../../src/fast/credential-process-hit.cjs';
import lockFile from '../../src/adapters/lock-file.cjs';
import * as writer from '../../src/app/fast-path-index.js';
import { profilePlan } from './providers-fakes.js';

const { encodeCacheEntry } = cacheEntry;

const NOW = Date.parse('2030-01-01T00:00:00Z');
const plan = profilePlan('prod-admin');
const credentials = {
  accessKeyId: 'ASIAFAST',
  secretAccessKey: 'fast/secret+',
  sessionToken: 'fast-token',
  expiration: new Date(NOW + 3600_000),
};
const EXPECTED = JSON.stringify({
  Version: 1,
  AccessKeyId: 'ASIAFAST',
  SecretAccessKey: 'fast/secret+',
  SessionToken: 'fast-token',
  Expiration: '2030-01-01T01:00:00.000Z',
});

let home: string;
let env: Record<string, string>;
let secrets: Map<string, string>;
let reads: string[];

function io(overrides: Partial<Parameters<typeof hit.decide>[2]> = {}): Parameters<typeof hit.decide>[2] {
  return {
    platform: 'linux',
    arch: 'x64',
    uid: process.getuid?.(),
    nowMs: () => NOW,
    readSecret: async (key) => {
      reads.push(key);
      return secrets.get(key) ?? null;
    },
    ...overrides,
  };
}

/** The key identity of the source the sessions are made from (core/session-keys.ts). */
const KEYS = 'key:AKIAEXAMPLE000000001';
const fingerprint = () => roleSessionShape(plan, writer.stampInputs(env)!.user ?? undefined, KEYS).fingerprint;
const cache = (patch: Partial<typeof credentials> = {}, fp = fingerprint()) =>
  secrets.set('role-session:prod-admin', encodeCacheEntry({ fingerprint: fp, credentials: { ...credentials, ...patch } }));

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'xacct-fast-hit-'));
  env = { HOME: home, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
  mkdirSync(join(home, '.config/xacct'), { recursive: true });
  writeFileSync(join(home, '.config/xacct/config.toml'), '[accounts]\nprod = "222222222222"\n');
  const stamp = writer.stampInputs(env)!;
  await writer.recordServedProfile(env, { profile: 'prod-admin', plan, userName: stamp.user ?? undefined, backend: 'os', stamp, key: 'role-session:prod-admin', keys: KEYS });
  secrets = new Map();
  reads = [];
  cache();
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(home, { recursive: true, force: true });
});

const indexFile = () => xacctPaths(env).cacheIndex;
const claimFile = (profile = 'prod-admin') => lockFile.lockPath(xacctPaths(env).lockDir, `refresh:${profile}`);
const WAIT = { timeoutMs: 5_000, staleMs: lockFile.DEFAULT_STALE_MS, maxPollMs: 20 };
function editIndex(edit: (index: { v: unknown; profiles: Record<string, Record<string, unknown>> }) => void): void {
  const index = JSON.parse(readFileSync(indexFile(), 'utf8'));
  edit(index);
  writeFileSync(indexFile(), JSON.stringify(index));
}

describe('serves', () => {
  it('a fresh session of the expected fingerprint, as `credential-process` prints it', async () => {
    expect(await hit.decide(['prod-admin'], env, io())).toEqual({ json: EXPECTED });
    expect(reads).toEqual(['role-session:prod-admin']);
  });

  it('on stdout, with nothing on stderr, and says so under XACCT_DEBUG only', async () => {
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await hit.serveFromCache(['prod-admin'], env, io())).toBe(true);
    expect(out).toHaveBeenCalledTimes(1);
    expect(out.mock.calls[0]?.[0]).toBe(1);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(err).not.toHaveBeenCalled();
    expect(await hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(true);
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['xacct: debug: credential-process served from the cache (fast path)\n']);
  });

  it('an index entry that records a later expiry, or none (written before it was recorded): the keychain decides', async () => {
    editIndex((index) => (index.profiles['prod-admin']!.expiration = credentials.expiration.toISOString()));
    expect(await hit.decide(['prod-admin'], env, io())).toEqual({ json: EXPECTED });
    // The keychain stays the authority: its session's own expiry is judged too.
    cache({ expiration: new Date(NOW + 300_000) });
    expect(await hit.decide(['prod-admin'], env, io())).toMatchObject({ reason: 'the cached session expires soon' });
    expect(reads).toHaveLength(2);
  });

  it('a session with one second more than the reuse margin left', async () => {
    cache({ expiration: new Date(NOW + 301_000) });
    expect(await hit.decide(['prod-admin'], env, io())).toEqual({ json: expect.stringContaining('"Expiration":"2030-01-01T00:05:01.000Z"') });
  });
});

describe('yields to the full path, printing nothing, when', () => {
  /** Yields silently; returns the reason it gives under XACCT_DEBUG. */
  async function expectYield(args: string[], e: Record<string, string | undefined>, fastIo = io()): Promise<string> {
    vi.restoreAllMocks();
    const out = vi.spyOn(fs, 'writeSync');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await hit.serveFromCache(args, e, fastIo)).toBe(false);
    expect(out.mock.calls.filter((c) => c[0] === 1)).toEqual([]);
    expect(err).not.toHaveBeenCalled();
    expect(await hit.serveFromCache(args, { ...e, XACCT_DEBUG: '1' }, fastIo)).toBe(false);
    expect(out.mock.calls.filter((c) => c[0] === 1)).toEqual([]);
    const lines = err.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(1);
    return lines[0]!.replace(/^xacct: debug: credential-process fast path not taken: (.*)\n$/, '$1');
  }

  it.each([[[]], [['prod-admin', 'staging-admin']], [['--help']], [['-h']], [['prod-admin', '--no-cache']], [['prod-admin', '--duration', '2h']], [['']]])(
    'the arguments are %j',
    async (args) => {
      expect(await expectYield(args, env)).toMatch(/profile argument/);
      expect(reads).toEqual([]);
    },
  );

  it.each([
    ['darwin', 'arm64'],
    ['win32', 'x64'],
    ['linux', 'ia32'],
    ['freebsd', 'x64'],
  ] as const)('on %s-%s', async (platform, arch) => {
    expect(await expectYield(['prod-admin'], env, io({ platform, arch }))).toMatch(/no fast path on/);
  });

  it.each([
    ['DBUS_SESSION_BUS_ADDRESS is not set', { DBUS_SESSION_BUS_ADDRESS: undefined }],
    ['XACCT_BACKEND=file', { XACCT_BACKEND: 'file' }],
    ['HOME is not set', { HOME: undefined }],
  ])('%s', async (reason, patch) => {
    expect(await expectYield(['prod-admin'], { ...env, ...patch })).toBe(reason);
    expect(reads).toEqual([]);
  });

  it('there is no index', async () => {
    rmSync(indexFile());
    expect(await expectYield(['prod-admin'], env)).toBe('no readable index; this process refreshes it');
  });

  it('the index is not JSON', async () => {
    writeFileSync(indexFile(), '{"v":1,');
    expect(await expectYield(['prod-admin'], env)).toMatch(/^the index is not JSON/);
  });

  it('the index can be written by others', async () => {
    chmodSync(indexFile(), 0o666);
    expect(await expectYield(['prod-admin'], env)).toMatch(/not a private file/);
  });

  it('the index is a link (even to a good index) or a FIFO: never followed, never waited on', async () => {
    const real = `${indexFile()}.real`;
    fs.renameSync(indexFile(), real);
    fs.symlinkSync(real, indexFile());
    expect(await expectYield(['prod-admin'], env)).toBe('no readable index; this process refreshes it');
    rmSync(indexFile());
    execFileSync('mkfifo', [indexFile()]);
    expect(await expectYield(['prod-admin'], env)).toMatch(/^the index is not a private file of this user/);
    expect(reads).toEqual([]);
  });

  it('the index belongs to another user', async () => {
    expect(await expectYield(['prod-admin'], env, io({ uid: (process.getuid?.() ?? 0) + 1 }))).toMatch(/not a private file/);
  });

  it('the index is of another version', async () => {
    editIndex((index) => (index.v = 2));
    expect(await expectYield(['prod-admin'], env)).toMatch(/version/);
  });

  it('the profile is not in the index', async () => {
    expect(await expectYield(['staging-admin'], env)).toMatch(/no entry/);
  });

  it('the profile is only inherited by the index object', async () => {
    expect(await expectYield(['constructor'], env)).toMatch(/no entry/);
    expect(await expectYield(['__proto__'], env)).toMatch(/no entry/);
  });

  it.each([
    ['points at another key (the long-term keys of a source)', { key: 'source:identity' }],
    ["points at another profile's role session", { key: 'role-session:staging-admin@0123456789ab' }],
    ['points at a key that is not a string', { key: 42 }],
    ['has no fingerprint', { fingerprint: '' }],
    ['has a negative margin', { minSecondsLeft: -1 }],
    ['has no margin', { minSecondsLeft: null }],
    ['has an expiry that is not a time', { expiration: 'soon' }],
    ['has an expiry that is not a string', { expiration: Date.parse('2030-01-01T01:00:00Z') }],
  ])('the index entry %s', async (_, patch) => {
    secrets.set('source:identity', secrets.get('role-session:prod-admin')!);
    editIndex((index) => Object.assign(index.profiles['prod-admin']!, patch));
    expect(await expectYield(['prod-admin'], env)).toMatch(/malformed/);
    expect(reads).toEqual([]);
  });

  it('the profile map changed since the index was written', async () => {
    writeFileSync(join(home, '.config/xacct/config.toml'), '[accounts]\nprod = "222222222223"\n');
    expect(await expectYield(['prod-admin'], env, io())).toMatch(/changed since the index was written/);
    expect(reads).toEqual([]);
  });

  it('an AWS config file appeared', async () => {
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws/config'), '[profile prod-admin]\nrole_arn = arn:aws:iam::444444444444:role/Other\n');
    expect(await expectYield(['prod-admin'], env)).toMatch(/changed since the index was written/);
  });

  it.each([
    ['AWS_CONFIG_FILE', '/elsewhere'],
    ['XACCT_CONFIG', join('..', 'config.toml')],
  ])('%s is different', async (name, value) => {
    expect(await expectYield(['prod-admin'], { ...env, [name]: value })).toMatch(/environment changed/);
  });

  it('the keychain has no session (and this process then refreshes it for the others)', async () => {
    secrets.clear();
    // The first call claimed the refresh; the second, under XACCT_DEBUG, holds it already.
    expect(await expectYield(['prod-admin'], env)).toBe('no usable cached session; this process refreshes it');
    expect(JSON.parse(readFileSync(claimFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('the cached session is corrupt', async () => {
    secrets.set('role-session:prod-admin', '{"v":1,"fingerprint":');
    expect(await expectYield(['prod-admin'], env)).toMatch(/no usable cached session/);
  });

  it('the cached session was obtained for another plan', async () => {
    cache({}, 'another-fingerprint');
    expect(await expectYield(['prod-admin'], env)).toMatch(/another plan/);
  });

  it.each([300_999, 300_000, 1_000, 0, -60_000])('the cached session has %i ms left (5 minutes or less)', async (ms) => {
    cache({ expiration: new Date(NOW + ms) });
    expect(await expectYield(['prod-admin'], env)).toMatch(/expires soon/);
  });

  it.each([300_999, 300_000, 0, -60_000])('the index records that the session has %i ms left: the keychain is not read', async (ms) => {
    editIndex((index) => (index.profiles['prod-admin']!.expiration = new Date(NOW + ms).toISOString()));
    expect(await expectYield(['prod-admin'], env)).toBe('the cached session expires soon, as the index records it; this process refreshes it');
    expect(reads).toEqual([]);
  });

  it('the cached credentials are not a temporary session', async () => {
    cache({ sessionToken: undefined });
    expect(await expectYield(['prod-admin'], env)).toMatch(/not a temporary session/);
  });

  it('the keychain cannot be read (locked)', async () => {
    const locked = io({
      readSecret: async () => {
        throw new Error("Couldn't access platform storage: Secret Service: unlock prompt was dismissed");
      },
    });
    expect(await expectYield(['prod-admin'], env, locked)).toMatch(/could not read the cache: .*unlock prompt/);
  });

  it('and says why under XACCT_DEBUG, on stderr only', async () => {
    rmSync(indexFile());
    const out = vi.spyOn(fs, 'writeSync');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(false);
    expect(out).not.toHaveBeenCalled();
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['xacct: debug: credential-process fast path not taken: no readable index; this process refreshes it\n']);
  });
});

describe('many processes on an expired session', () => {
  const lockDir = () => xacctPaths(env).lockDir;

  /** A process that claims the refresh, then exits after `ms` (its exit removes the claim). */
  async function refresherFor(ms: number): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(lockFileModule())}).claimUntilExit(${JSON.stringify(claimFile())}).then((ok) => { if (!ok) process.exit(3); process.stdout.write('claimed'); setTimeout(() => {}, ${ms}); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`refresher exited ${code} before claiming`)));
    });
  }
  const lockFileModule = () => new URL('../../.tmp/vitest-cjs/adapters/lock-file.cjs', import.meta.url).pathname;

  beforeEach(() => mkdirSync(lockDir(), { recursive: true, mode: 0o700 }));

  it('the first to miss claims the refresh; a second claim from another process fails while it lives', async () => {
    secrets.clear();
    expect(await hit.serveFromCache(['prod-admin'], env, io())).toBe(false);
    expect(JSON.parse(readFileSync(claimFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    const other = spawn(process.execPath, ['-e', `require(${JSON.stringify(lockFileModule())}).claimUntilExit(${JSON.stringify(claimFile())}).then((ok) => process.exit(ok ? 0 : 3))`]);
    expect(await new Promise((resolve) => other.once('exit', resolve))).toBe(3);
  });

  it('without a claim, nobody waits', async () => {
    const started = Date.now();
    expect(await lockFile.waitForRelease(claimFile(), WAIT)).toBe('none');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('a claim whose holder is dead is removed at once', async () => {
    writeFileSync(claimFile(), JSON.stringify({ pid: 999999999, host: hostname(), time: '', token: 't' }));
    expect(await lockFile.waitForRelease(claimFile(), WAIT)).toBe('none');
    expect(existsSync(claimFile())).toBe(false);
  });

  it('a claim older than a minute is removed even if its PID is alive (reused)', async () => {
    writeFileSync(claimFile(), JSON.stringify({ pid: process.ppid, host: hostname(), time: '', token: 't' }));
    const old = new Date(Date.now() - 61_000);
    utimesSync(claimFile(), old, old);
    expect(await lockFile.waitForRelease(claimFile(), WAIT)).toBe('none');
    expect(existsSync(claimFile())).toBe(false);
  });

  it('a claim kept fresh by a live holder is waited for no longer than the time limit', async () => {
    writeFileSync(claimFile(), JSON.stringify({ pid: process.ppid, host: hostname(), time: '', token: 't' }));
    const started = Date.now();
    expect(await lockFile.waitForRelease(claimFile(), { ...WAIT, timeoutMs: 300 })).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  /** A refresher that claims as the fast path does and hands over `text` as the entry of `key` (refresh-handoff.cts). */
  async function handingRefresher(key: string, text: string): Promise<number> {
    const cjs = (m: string) => JSON.stringify(new URL(`../../.tmp/vitest-cjs/fast/${m}.cjs`, import.meta.url).pathname);
    const script = `require(${cjs('refresh-claim')}).claimRefresh(${JSON.stringify(claimFile())}).then((ok) => {
      if (!ok) process.exit(3);
      require(${cjs('refresh-handoff')}).offer(${JSON.stringify(key)}, async () => ${JSON.stringify(text)});
      process.stdout.write('claimed'); setTimeout(() => {}, 10000);
    })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    refreshers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`refresher exited ${code} before claiming`)));
    });
    return child.pid!;
  }
  const refreshers: ReturnType<typeof spawn>[] = [];
  afterEach(() => refreshers.splice(0).forEach((c) => c.kill('SIGKILL')));

  it('a caller that finds a refresh running prints the session its refresher hands over, without a keychain read', async () => {
    const pid = await handingRefresher('role-session:prod-admin', encodeCacheEntry({ fingerprint: fingerprint(), credentials }));
    secrets.clear();
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(true);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(reads).toEqual([]);
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual([
      `xacct: debug: credential-process served from the cache (fast path), handed over by process ${pid} that refreshed it (no keychain read)\n`,
    ]);
  });

  it.each([
    ['another plan', { fingerprint: 'another plan', credentials }, 'the cached session was obtained for another plan'],
    ['expires soon', { fingerprint: 'fp', credentials: { ...credentials, expiration: new Date(NOW + 60_000) } }, 'the cached session expires soon'],
  ])('what is handed over is judged as a keychain read would be: a session of %s is not printed', async (_what, entry, reason) => {
    await handingRefresher('role-session:prod-admin', encodeCacheEntry({ ...entry, fingerprint: entry.fingerprint === 'fp' ? fingerprint() : entry.fingerprint }));
    const out = vi.spyOn(fs, 'writeSync');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(false);
    expect(out.mock.calls.filter((c) => c[0] === 1)).toEqual([]);
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual([`xacct: debug: credential-process fast path not taken: ${reason}, after waiting for another process's refresh\n`]);
    expect(reads).toEqual([]);
  });

  it('a session handed over under another key than the caller\'s index entry names: the caller reads its own', async () => {
    await handingRefresher('role-session:prod-admin@0ther', encodeCacheEntry({ fingerprint: fingerprint(), credentials: { ...credentials, accessKeyId: 'ASIAOTHER' } }));
    const served = hit.serveFromCache(['prod-admin'], env, io());
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    expect(await served).toBe(true);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(reads).toEqual(['role-session:prod-admin']);
  });

  it('the others wait for the refresher to exit, reading the keychain only then, and serve what it cached', async () => {
    secrets.clear();
    await refresherFor(300);
    let readsWhileClaimed = 0;
    const waiting = io({
      readSecret: async (key) => {
        reads.push(key);
        if (existsSync(claimFile())) {
          readsWhileClaimed++;
          return null;
        }
        return cacheEntry.encodeCacheEntry({ fingerprint: fingerprint(), credentials });
      },
    });
    const started = Date.now();
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    expect(await hit.serveFromCache(['prod-admin'], env, waiting)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(readsWhileClaimed).toBe(0);
    expect(reads).toHaveLength(1);
  });

  it('a waiter judges the index entry the refresh wrote, not the one it read before sleeping', async () => {
    // Before: a session indexed as expiring at NOW + 400 s. The refresher (new source keys: a new fingerprint) caches
    // a session and rewrites the entry; by then the clock says NOW + 200 s, when the old entry expires soon.
    editIndex((index) => (index.profiles['prod-admin']!.expiration = new Date(NOW + 400_000).toISOString()));
    cache({ expiration: new Date(NOW + 400_000) });
    await refresherFor(400);
    const waiting = io({
      nowMs: () => (existsSync(claimFile()) ? NOW : NOW + 200_000),
      readSecret: async (key) => {
        reads.push(key);
        return existsSync(claimFile()) ? null : (secrets.get(key) ?? null);
      },
    });
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    const served = hit.serveFromCache(['prod-admin'], env, waiting);
    // It has read the index and is asleep on the claim.
    editIndex((index) => Object.assign(index.profiles['prod-admin']!, { fingerprint: 'rotated', expiration: credentials.expiration.toISOString() }));
    cache({}, 'rotated');
    expect(await served).toBe(true);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(reads).toHaveLength(1);
  });

  it('an entry indexed as expiring: the callers wait for the one refresh, then read the entry it wrote', async () => {
    editIndex((index) => (index.profiles['prod-admin']!.expiration = new Date(NOW + 60_000).toISOString()));
    await refresherFor(300);
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    const served = hit.serveFromCache(['prod-admin'], env, io());
    editIndex((index) => (index.profiles['prod-admin']!.expiration = credentials.expiration.toISOString()));
    expect(await served).toBe(true);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(reads).toHaveLength(1);
  });

  it('a lock folder others can write: no claim is made in it, and the miss yields at once', async () => {
    secrets.clear();
    chmodSync(lockDir(), 0o777);
    expect(await hit.serveFromCache(['prod-admin'], env, io())).toBe(false);
    expect(existsSync(claimFile())).toBe(false);
    // A private one (0700, or 0755: nobody else can write it) takes the claim.
    chmodSync(lockDir(), 0o755);
    expect(await hit.serveFromCache(['prod-admin'], env, io())).toBe(false);
    expect(JSON.parse(readFileSync(claimFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('a state folder where mkdir -p never ends (below /proc/self): the miss yields at once', () => {
    // In a child: Node's recursive mkdir loops there without end, synchronously, which no timer here could stop.
    rmSync(indexFile());
    const hitModule = new URL('../../.tmp/vitest-cjs/fast/credential-process-hit.cjs', import.meta.url).pathname;
    const script = `require(${JSON.stringify(hitModule)}).serveFromCache(['prod-admin'], process.env).then((r) => process.stdout.write(String(r)))`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...env, XDG_STATE_HOME: '/proc/self/xacct-test-state' }, encoding: 'utf8', timeout: 10_000 });
    expect(r.signal, 'it hung').toBeNull();
    expect(r).toMatchObject({ status: 0, stdout: 'false' });
  });

  it('a waiter that still finds nothing usable after the refresh claims the next one and takes the full path', async () => {
    secrets.clear();
    await refresherFor(100);
    expect(await hit.serveFromCache(['prod-admin'], env, io())).toBe(false);
    expect(JSON.parse(readFileSync(claimFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });
});
