/**
 * The refresher's handoff (src/fast/refresh-handoff.cts, refresh-claim.cts): a process that claims a refresh listens
 * on a private socket of its claim, and hands the waiters the entry it cached, or nothing. The refresher runs in a
 * child process (its socket, its exit, its death), the waiters here. What a waiter then prints is in
 * fast-path-hit.test.ts; with the real keychain and STS in test/integration/refresh-handoff.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import lockFile from '../../src/adapters/lock-file.cjs';
import lockRecord from '../../src/adapters/lock-record.cjs';
import claims from '../../src/fast/refresh-claim.cjs';
import handoff from '../../src/fast/refresh-handoff.cjs';

const CJS = new URL('../../.tmp/vitest-cjs/', import.meta.url).pathname;
const KEY = 'role-session:prod-admin@abc123';
const TEXT = '{"v":1,"fingerprint":"f","credentials":{"AccessKeyId":"ASIAHANDED","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-01T01:00:00.000Z"}}';
const WAIT = { timeoutMs: 5_000, staleMs: lockFile.DEFAULT_STALE_MS, maxPollMs: 20 };

/**
 * A refresher: claims `claim` as the fast path does, says `claimed`, then obeys lines on stdin: `offer` (the entry
 * is read when a waiter first needs it: it says `read` then), `finish`, `exit`.
 */
const REFRESHER = `
const claims = require(${JSON.stringify(`${CJS}fast/refresh-claim.cjs`)});
const handoff = require(${JSON.stringify(`${CJS}fast/refresh-handoff.cjs`)});
claims.claimRefresh(process.argv[1]).then((ok) => {
  if (!ok) process.exit(3);
  process.stdout.write('claimed\\n');
  process.stdin.on('data', (d) => {
    for (const cmd of String(d).split('\\n')) {
      if (cmd === 'offer') handoff.offer(${JSON.stringify(KEY)}, async () => { process.stdout.write('read\\n'); return ${JSON.stringify(TEXT)}; });
      if (cmd === 'finish') handoff.finish();
      if (cmd === 'exit') process.exit(0);
    }
  });
});
`;

let dir: string;
let claim: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacct-handoff-'));
  mkdirSync(join(dir, 'locks'), { mode: 0o700 });
  claim = lockRecord.lockPath(join(dir, 'locks'), 'refresh:prod-admin');
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The refresher, once it holds the claim; `said(word)` resolves when it has said that word on stdout. */
async function startRefresher(): Promise<{ child: ChildProcess; socket: string; output: () => string; said: (word: string) => Promise<void>; send: (cmd: string) => void }> {
  const child = spawn(process.execPath, ['-e', REFRESHER, claim], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  });
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => out.split('\n').includes(word) && resolve();
      waiters.push(check);
      check();
      child.once('exit', (code) => reject(new Error(`refresher exited ${code} before saying ${word}`)));
    });
  await said('claimed');
  const token = (JSON.parse(readFileSync(claim, 'utf8')) as { token: string }).token;
  return { child, socket: lockRecord.holderSocketPath(claim, token)!, output: () => out, said, send: (cmd) => child.stdin!.write(`${cmd}\n`) };
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));

describe('the refresher', () => {
  it('listens on a socket only this user can reach, before its claim can be seen, and hands the entry to waiters before and after its offer', async () => {
    const r = await startRefresher();
    const st = lstatSync(r.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.uid).toBe(process.getuid!());
    expect(st.mode & 0o077).toBe(0);

    const before = handoff.receive(claim, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.send('offer');
    const handed = { key: KEY, text: TEXT, pid: r.child.pid };
    expect(await before).toEqual(handed);
    expect(await handoff.receive(claim, 5_000)).toEqual(handed);
    // Read once, for the first waiter that needed it.
    await r.said('read');
    r.send('exit');
    await exited(r.child);
    expect(existsSync(r.socket)).toBe(false);
    expect(existsSync(claim)).toBe(false);
  });

  it('reads the entry only once a waiter is there to take it', async () => {
    const r = await startRefresher();
    r.send('offer');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.output()).not.toContain('read');
    expect(await handoff.receive(claim, 5_000)).toMatchObject({ key: KEY, text: TEXT });
    await r.said('read');
  });

  it('ends with nothing to hand over: its waiters are let go at once, the socket goes, the claim stays until it exits', async () => {
    const r = await startRefresher();
    const waiting = handoff.receive(claim, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    r.send('finish');
    expect(await waiting).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(existsSync(r.socket)).toBe(false);
    expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    expect(existsSync(claim)).toBe(true);
  });

  it('killed mid-way: its waiters get nothing, its socket refuses, and goes with the stale claim', async () => {
    const r = await startRefresher();
    const waiting = handoff.receive(claim, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.child.kill('SIGKILL');
    await exited(r.child);
    const started = Date.now();
    expect(await waiting).toBeUndefined();
    expect(existsSync(r.socket)).toBe(true);
    expect(await handoff.receive(claim, 5_000)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    // The waiter's next step: the claim of a dead process is taken over, and its socket removed with it.
    expect(await lockFile.waitForRelease(claim, WAIT)).toBe('none');
    expect(existsSync(claim)).toBe(false);
    expect(existsSync(r.socket)).toBe(false);
  });
});

describe('claiming', () => {
  const record = (pid: number, token: string) => writeFileSync(claim, JSON.stringify({ pid, host: hostname(), time: '', token }));

  it('a claim a live process holds is seen at one look: no socket, no temp file, no claim', async () => {
    record(process.ppid, 'live');
    // The module's own exports, which refresh-claim calls through (vitest's import hands the test a copy).
    const listen = vi.spyOn(createRequire(import.meta.url)(`${CJS}fast/refresh-handoff.cjs`) as typeof handoff, 'listen');
    expect(await claims.claimRefresh(claim)).toBe(false);
    expect(listen).not.toHaveBeenCalled();
    expect(readdirSync(join(dir, 'locks'))).toEqual([basename(claim)]);
    listen.mockRestore();
  });

  it("a dead holder's claim is taken over, with its socket: the new holder listens on its own", async () => {
    record(999_999_999, 'dead');
    const left = lockRecord.holderSocketPath(claim, 'dead')!;
    writeFileSync(left, '');
    try {
      expect(await claims.claimRefresh(claim)).toBe(true);
      const token = (JSON.parse(readFileSync(claim, 'utf8')) as { token: string }).token;
      expect(existsSync(left)).toBe(false);
      expect(lstatSync(lockRecord.holderSocketPath(claim, token)!).isSocket()).toBe(true);
    } finally {
      handoff.stop();
    }
  });
});

describe('a waiter takes nothing', () => {
  const claimHeldBy = (token: string) => writeFileSync(claim, JSON.stringify({ pid: process.ppid, host: hostname(), time: '', token }));

  it('when there is no claim, or no socket, or its path is not a socket', async () => {
    expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    claimHeldBy('t1');
    expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    writeFileSync(lockRecord.holderSocketPath(claim, 't1')!, TEXT);
    expect(await handoff.receive(claim, 1_000)).toBeUndefined();
  });

  it('from a holder on another host (its socket is not here)', async () => {
    writeFileSync(claim, JSON.stringify({ pid: process.ppid, host: `not-${hostname()}`, time: '', token: 't2' }));
    const server = createServer((s) => s.end(`${JSON.stringify({ key: KEY, text: TEXT, pid: 1 })}\n`));
    await new Promise<void>((resolve) => server.listen(lockRecord.holderSocketPath(claim, 't2')!, resolve));
    try {
      expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  // Root can give the socket away (chown); without root there is no socket of another user to make.
  it.skipIf(process.getuid?.() !== 0)('from a socket of another user, even one that sends a message of ours', async () => {
    claimHeldBy('t5');
    const file = lockRecord.holderSocketPath(claim, 't5')!;
    const server = createServer((s) => s.end(`${JSON.stringify({ key: KEY, text: TEXT, pid: 1 })}\n`));
    await new Promise<void>((resolve) => server.listen(file, resolve));
    try {
      expect(await handoff.receive(claim, 1_000)).toMatchObject({ key: KEY }); // this user's: taken
      chownSync(file, 65534, 65534);
      expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it.each([
    ['not JSON', 'key=role-session:prod-admin\n'],
    ['not a message of ours', '{"key":"role-session:prod-admin"}\n'],
    ['longer than 64 KiB', `${JSON.stringify({ key: KEY, text: 'x'.repeat(70_000), pid: 1 })}\n`],
  ])('from a socket that sends what is %s', async (_what, message) => {
    claimHeldBy('t3');
    const server = createServer((s) => s.end(message));
    await new Promise<void>((resolve) => server.listen(lockRecord.holderSocketPath(claim, 't3')!, resolve));
    try {
      expect(await handoff.receive(claim, 1_000)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('after its time limit, from a holder that never answers', async () => {
    claimHeldBy('t4');
    const open: Socket[] = [];
    const server = createServer((s) => void open.push(s));
    await new Promise<void>((resolve) => server.listen(lockRecord.holderSocketPath(claim, 't4')!, resolve));
    try {
      const started = Date.now();
      expect(await handoff.receive(claim, 300)).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      open.forEach((s) => s.destroy());
      server.close();
    }
  });
});

it('a lock folder too deep for a socket path: no socket (the claim is made without one)', () => {
  const deep = join(dir, 'd'.repeat(100));
  expect(lockRecord.holderSocketPath(lockRecord.lockPath(deep, 'refresh:prod-admin'), 'token')).toBeUndefined();
  expect(handoff.listen(lockRecord.lockPath(deep, 'refresh:prod-admin'), 'token')).toBe(false);
});
