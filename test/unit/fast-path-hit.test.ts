/**
 * The decision of the credential-process fast path (dist/fast/credential-process-hit.cjs) with the keychain faked:
 * it serves only an indexed profile whose inputs are unchanged and whose cached session is fresh and of the
 * expected fingerprint, and yields (prints nothing, returns false) on everything else.
 * The real keychain, launcher and STS are in test/integration/fast-path.test.ts.
 */
import { spawn } from 'node:child_process';
import fs, { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeCacheEntry } from '../../src/core/cache-entry.js';
import { xacctPaths } from '../../src/core/paths.js';
import { roleSessionShape } from '../../src/core/providers/engine.js';
import { claim, hit, writer } from './fast-path-dist.js';
import { profilePlan } from './providers-fakes.js';

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
    readSecret: (key) => {
      reads.push(key);
      return secrets.get(key) ?? null;
    },
    ...overrides,
  };
}

const fingerprint = () => roleSessionShape(plan, writer.stampInputs(env)!.user ?? undefined).fingerprint;
const cache = (patch: Partial<typeof credentials> = {}, fp = fingerprint()) =>
  secrets.set('role-session:prod-admin', encodeCacheEntry({ fingerprint: fp, credentials: { ...credentials, ...patch } }));

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'xacct-fast-hit-'));
  env = { HOME: home, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
  mkdirSync(join(home, '.config/xacct'), { recursive: true });
  writeFileSync(join(home, '.config/xacct/config.toml'), '[accounts]\nprod = "222222222222"\n');
  const stamp = writer.stampInputs(env)!;
  await writer.recordServedProfile(env, { profile: 'prod-admin', plan, userName: stamp.user ?? undefined, backend: 'os', stamp });
  secrets = new Map();
  reads = [];
  cache();
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(home, { recursive: true, force: true });
});

const indexFile = () => xacctPaths(env).cacheIndex;
function editIndex(edit: (index: { v: unknown; profiles: Record<string, Record<string, unknown>> }) => void): void {
  const index = JSON.parse(readFileSync(indexFile(), 'utf8'));
  edit(index);
  writeFileSync(indexFile(), JSON.stringify(index));
}

describe('serves', () => {
  it('a fresh session of the expected fingerprint, as `credential-process` prints it', () => {
    expect(hit.decide(['prod-admin'], env, io())).toEqual({ json: EXPECTED });
    expect(reads).toEqual(['role-session:prod-admin']);
  });

  it('on stdout, with nothing on stderr, and says so under XACCT_DEBUG only', () => {
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(hit.serveFromCache(['prod-admin'], env, io())).toBe(true);
    expect(out).toHaveBeenCalledTimes(1);
    expect(out.mock.calls[0]?.[0]).toBe(1);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(err).not.toHaveBeenCalled();
    expect(hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(true);
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['xacct: debug: credential-process served from the cache (fast path)\n']);
  });

  it('a session with one second more than the reuse margin left', () => {
    cache({ expiration: new Date(NOW + 301_000) });
    expect(hit.decide(['prod-admin'], env, io())).toEqual({ json: expect.stringContaining('"Expiration":"2030-01-01T00:05:01.000Z"') });
  });
});

describe('yields to the full path, printing nothing, when', () => {
  /** Yields silently; returns the reason it gives under XACCT_DEBUG. */
  function expectYield(args: string[], e: Record<string, string | undefined>, fastIo = io()): string {
    vi.restoreAllMocks();
    const out = vi.spyOn(fs, 'writeSync');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(hit.serveFromCache(args, e, fastIo)).toBe(false);
    expect(out.mock.calls.filter((c) => c[0] === 1)).toEqual([]);
    expect(err).not.toHaveBeenCalled();
    expect(hit.serveFromCache(args, { ...e, XACCT_DEBUG: '1' }, fastIo)).toBe(false);
    expect(out.mock.calls.filter((c) => c[0] === 1)).toEqual([]);
    const lines = err.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(1);
    return lines[0]!.replace(/^xacct: debug: credential-process fast path not taken: (.*)\n$/, '$1');
  }

  it.each([[[]], [['prod-admin', 'staging-admin']], [['--help']], [['-h']], [['prod-admin', '--no-cache']], [['prod-admin', '--duration', '2h']], [['']]])(
    'the arguments are %j',
    (args) => {
      expect(expectYield(args, env)).toMatch(/profile argument/);
      expect(reads).toEqual([]);
    },
  );

  it.each([
    ['darwin', 'arm64'],
    ['win32', 'x64'],
    ['linux', 'ia32'],
    ['freebsd', 'x64'],
  ] as const)('on %s-%s', (platform, arch) => {
    expect(expectYield(['prod-admin'], env, io({ platform, arch }))).toMatch(/no fast path on/);
  });

  it.each([
    ['DBUS_SESSION_BUS_ADDRESS is not set', { DBUS_SESSION_BUS_ADDRESS: undefined }],
    ['XACCT_BACKEND=file', { XACCT_BACKEND: 'file' }],
    ['HOME is not set', { HOME: undefined }],
  ])('%s', (reason, patch) => {
    expect(expectYield(['prod-admin'], { ...env, ...patch })).toBe(reason);
    expect(reads).toEqual([]);
  });

  it('there is no index', () => {
    rmSync(indexFile());
    expect(expectYield(['prod-admin'], env)).toBe('no readable index');
  });

  it('the index is not JSON', () => {
    writeFileSync(indexFile(), '{"v":1,');
    expect(expectYield(['prod-admin'], env)).toBe('no readable index');
  });

  it('the index can be written by others', () => {
    chmodSync(indexFile(), 0o666);
    expect(expectYield(['prod-admin'], env)).toMatch(/not a private file/);
  });

  it('the index belongs to another user', () => {
    expect(expectYield(['prod-admin'], env, io({ uid: (process.getuid?.() ?? 0) + 1 }))).toMatch(/not a private file/);
  });

  it('the index is of another version', () => {
    editIndex((index) => (index.v = 2));
    expect(expectYield(['prod-admin'], env)).toMatch(/version/);
  });

  it('the profile is not in the index', () => {
    expect(expectYield(['staging-admin'], env)).toMatch(/no entry/);
  });

  it('the profile is only inherited by the index object', () => {
    expect(expectYield(['constructor'], env)).toMatch(/no entry/);
    expect(expectYield(['__proto__'], env)).toMatch(/no entry/);
  });

  it.each([
    ['points at another key (the long-term keys of a source)', { key: 'source:identity' }],
    ['has no fingerprint', { fingerprint: '' }],
    ['has a negative margin', { minSecondsLeft: -1 }],
    ['has no margin', { minSecondsLeft: null }],
  ])('the index entry %s', (_, patch) => {
    secrets.set('source:identity', secrets.get('role-session:prod-admin')!);
    editIndex((index) => Object.assign(index.profiles['prod-admin']!, patch));
    expect(expectYield(['prod-admin'], env)).toMatch(/malformed/);
    expect(reads).toEqual([]);
  });

  it('the profile map changed since the index was written', () => {
    writeFileSync(join(home, '.config/xacct/config.toml'), '[accounts]\nprod = "222222222223"\n');
    expect(expectYield(['prod-admin'], env, io())).toMatch(/changed since the index was written/);
    expect(reads).toEqual([]);
  });

  it('an AWS config file appeared', () => {
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws/config'), '[profile prod-admin]\nrole_arn = arn:aws:iam::444444444444:role/Other\n');
    expect(expectYield(['prod-admin'], env)).toMatch(/changed since the index was written/);
  });

  it.each([
    ['AWS_CONFIG_FILE', '/elsewhere'],
    ['XACCT_CONFIG', join('..', 'config.toml')],
  ])('%s is different', (name, value) => {
    expect(expectYield(['prod-admin'], { ...env, [name]: value })).toMatch(/environment changed/);
  });

  it('the keychain has no session (and this process then refreshes it for the others)', () => {
    secrets.clear();
    // The first call claimed the refresh; the second, under XACCT_DEBUG, does not wait for its own process.
    expect(expectYield(['prod-admin'], env)).toBe('no usable cached session');
    expect(readFileSync(join(home, '.cache/xacct/refresh-prod-admin.claim'), 'utf8')).toBe(String(process.pid));
  });

  it('the cached session is corrupt', () => {
    secrets.set('role-session:prod-admin', '{"v":1,"fingerprint":');
    expect(expectYield(['prod-admin'], env)).toMatch(/no usable cached session/);
  });

  it('the cached session was obtained for another plan', () => {
    cache({}, 'another-fingerprint');
    expect(expectYield(['prod-admin'], env)).toMatch(/another plan/);
  });

  it.each([300_999, 300_000, 1_000, 0, -60_000])('the cached session has %i ms left (5 minutes or less)', (ms) => {
    cache({ expiration: new Date(NOW + ms) });
    expect(expectYield(['prod-admin'], env)).toMatch(/expires soon/);
  });

  it('the cached credentials are not a temporary session', () => {
    cache({ sessionToken: undefined });
    expect(expectYield(['prod-admin'], env)).toMatch(/not a temporary session/);
  });

  it('the keychain cannot be read (locked)', () => {
    const locked = io({
      readSecret: () => {
        throw new Error("Couldn't access platform storage: Secret Service: unlock prompt was dismissed");
      },
    });
    expect(expectYield(['prod-admin'], env, locked)).toMatch(/could not read the cache: .*unlock prompt/);
  });

  it('and says why under XACCT_DEBUG, on stderr only', () => {
    rmSync(indexFile());
    const out = vi.spyOn(fs, 'writeSync');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(hit.serveFromCache(['prod-admin'], { ...env, XACCT_DEBUG: '1' }, io())).toBe(false);
    expect(out).not.toHaveBeenCalled();
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['xacct: debug: credential-process fast path not taken: no readable index\n']);
  });
});

describe('many processes on an expired session', () => {
  const dir = () => join(home, '.cache/xacct');
  const claimFile = (profile = 'prod-admin') => join(dir(), `refresh-${encodeURIComponent(profile)}.claim`);

  /** A process that claims the refresh, then exits after `ms` (its exit removes the claim). */
  async function refresherFor(ms: number): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(claimModule())}).claimRefresh(${JSON.stringify(dir())}, 'prod-admin') || process.exit(3); process.stdout.write('claimed'); setTimeout(() => {}, ${ms})`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`refresher exited ${code} before claiming`)));
    });
  }
  const claimModule = () => new URL('../../dist/fast/refresh-claim.cjs', import.meta.url).pathname;

  it('the first to miss claims the refresh; a second claim fails while it lives', () => {
    expect(claim.claimRefresh(dir(), 'other')).toBe(true);
    expect(claim.claimRefresh(dir(), 'other')).toBe(false);
    expect(readFileSync(claimFile('other'), 'utf8')).toBe(String(process.pid));
  });

  it('without a claim, nobody waits', () => {
    const started = Date.now();
    expect(claim.waitForRefresh(dir(), 'prod-admin')).toBe(false);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('a claim whose holder is dead is removed at once', () => {
    writeFileSync(claimFile(), '999999999');
    expect(claim.waitForRefresh(dir(), 'prod-admin')).toBe(false);
    expect(() => readFileSync(claimFile())).toThrow(/ENOENT/);
  });

  it('a claim older than a minute is removed even if its PID is alive (reused)', () => {
    writeFileSync(claimFile(), String(process.ppid));
    const old = new Date(Date.now() - 61_000);
    utimesSync(claimFile(), old, old);
    expect(claim.waitForRefresh(dir(), 'prod-admin')).toBe(false);
    expect(() => readFileSync(claimFile())).toThrow(/ENOENT/);
  });

  it('the others wait for the refresher to exit, then serve what it cached', async () => {
    secrets.clear();
    await refresherFor(300);
    let readsWhileClaimed = 0;
    const waiting = io({
      readSecret: (key) => {
        reads.push(key);
        if (fs.existsSync(claimFile())) {
          readsWhileClaimed++;
          return null;
        }
        return encodeCacheEntry({ fingerprint: fingerprint(), credentials });
      },
    });
    const started = Date.now();
    expect(hit.decide(['prod-admin'], env, waiting)).toEqual({ reason: 'no usable cached session', refreshable: true });
    const out = vi.spyOn(fs, 'writeSync').mockImplementation(() => Buffer.byteLength(`${EXPECTED}\n`));
    expect(hit.serveFromCache(['prod-admin'], env, waiting)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(String(out.mock.calls[0]?.[1])).toBe(`${EXPECTED}\n`);
    expect(readsWhileClaimed).toBe(2);
    expect(reads).toHaveLength(3);
  });

  it('a waiter that still finds nothing usable takes the full path without claiming', async () => {
    secrets.clear();
    await refresherFor(100);
    expect(hit.serveFromCache(['prod-admin'], env, io())).toBe(false);
    expect(() => readFileSync(claimFile())).toThrow(/ENOENT/);
  });
});
