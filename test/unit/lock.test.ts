import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockManager, lockPath } from '../../src/adapters/lock.js';
import { XacctError } from '../../src/core/errors.js';
import { transpileForChildren } from '../helpers/transpile.js';

let work: string;
let compiled: string;

/**
 * A child that takes the lock, appends "<name> in" / "<name> out" to a log around `holdMs`, and says "locked" on
 * stdout once it holds it. holdMs < 0: hold forever (to be killed).
 */
const CHILD = `
import { appendFileSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const [lib, lockDir, key, log, name, holdMs, rounds, counter] = process.argv.slice(2);
const { createLockManager } = await import(lib);
const locks = createLockManager(lockDir, { maxPollMs: 20 });
const readCounter = () => { try { return Number(readFileSync(counter, 'utf8')); } catch { return 0; } };
for (let i = 0; i < Number(rounds); i++) {
  await locks.withLock(key, async () => {
    // Exclusive create: fails if another process is inside at the same time.
    writeFileSync(log + '.inside', name, { flag: 'wx' });
    appendFileSync(log, name + ' in\\n');
    process.stdout.write('locked\\n');
    if (Number(holdMs) < 0) await new Promise(() => setInterval(() => {}, 60_000));
    const n = counter ? readCounter() : 0;
    await sleep(Number(holdMs));
    if (counter) writeFileSync(counter, String(n + 1));
    appendFileSync(log, name + ' out\\n');
    unlinkSync(log + '.inside');
  });
}
`;

function startChild(args: { lockDir: string; key: string; log: string; name: string; holdMs: number; rounds?: number; counter?: string }): ChildProcess {
  const script = join(work, 'child.mjs');
  const lib = join(compiled, 'src/adapters/lock.js');
  return spawn(process.execPath, [script, lib, args.lockDir, args.key, args.log, args.name, String(args.holdMs), String(args.rounds ?? 1), args.counter ?? ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res(child.exitCode);
    else child.once('exit', (code) => res(code));
  });
}

function saysLocked(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) res();
    });
    child.once('exit', (code) => rej(new Error(`child exited (${code}) before locking: ${err}`)));
  });
}

function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  return exited(child).then(() => child.pid!);
}

function fresh(): { lockDir: string; log: string } {
  const dir = mkdtempSync(join(work, 't-'));
  return { lockDir: join(dir, 'locks'), log: join(dir, 'log') };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'xacct-lock-'));
  compiled = join(work, 'compiled');
  await transpileForChildren(['src/adapters/lock.ts', 'src/adapters/lock-file.cts', 'src/adapters/pid-alive.cts', 'src/adapters/atomic-file.ts', 'src/core/errors.ts'], compiled);
  writeFileSync(join(work, 'child.mjs'), CHILD);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('createLockManager in one process', () => {
  it('runs the function, returns its value, and leaves no lock file behind', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir);
    expect(await locks.withLock('mfa-session:identity', async () => 42)).toBe(42);
    expect(readdirSync(lockDir)).toEqual([]);
    expect(statSync(lockDir).mode & 0o777).toBe(0o700);
  });

  it('releases the lock when the function throws', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir);
    await expect(locks.withLock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await locks.withLock('k', async () => 'again')).toBe('again');
    expect(readdirSync(lockDir)).toEqual([]);
  });

  it('lets one caller in at a time for the same key, and callers of other keys in parallel', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir);
    let inside = 0;
    let most = 0;
    const task = (key: string) =>
      locks.withLock(key, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 15));
        inside--;
      });
    await Promise.all([task('a'), task('a'), task('a'), task('a')]);
    expect(most).toBe(1);
    most = 0;
    await Promise.all([task('a'), task('b')]);
    expect(most).toBe(2);
  });

  it('refuses a nested take of the same lock instead of deadlocking', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir);
    await expect(locks.withLock('k', () => locks.withLock('k', async () => 1))).rejects.toThrow(/not reentrant/);
  });

  it('bounds the wait behind a caller of the same process as the wait for another process, with the same line', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir, { timeoutMs: 300 });
    let release!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const first = locks.withLock('k', async () => {
      order.push('first in');
      await holding;
      order.push('first out');
    });
    const t = Date.now();
    const err = await locks.withLock('k', async () => order.push('second in')).catch((e: unknown) => e);
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).exitCode).toBe(1);
    expect((err as XacctError).message).toBe(`timed out after 0s waiting for another call of this xacct process (${process.pid}) to finish (lock "k")`);
    expect((err as XacctError).hint).toMatch(/try again/);
    // The one that gave up does not let the next caller in while the first still holds the lock.
    const third = locks.withLock('k', async () => order.push('third in'), { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([first, third]);
    expect(order).toEqual(['first in', 'first out', 'third in']);
    expect(readdirSync(lockDir)).toEqual([]);
  });

  it('names lock files after a readable, sanitised key plus a hash', () => {
    const p = lockPath('/l', 'role-session:prod/admin ../x');
    expect(p).toMatch(/^\/l\/role-session_prod_admin_.._x-[0-9a-f]{16}\.lock$/);
    expect(lockPath('/l', 'a/b')).not.toBe(lockPath('/l', 'a_b'));
  });

  it('takes over a lock left by a dead process at once', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir, { timeoutMs: 5_000 });
    mkdirSync(lockDir, { recursive: true });
    const pid = await deadPid();
    writeFileSync(lockPath(lockDir, 'k'), JSON.stringify({ pid, host: hostname(), time: new Date().toISOString(), token: 'dead' }));
    const t = Date.now();
    expect(await locks.withLock('k', async () => 'mine')).toBe('mine');
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('takes over a lock whose heartbeat stopped, even if its PID is alive or on another host', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir, { timeoutMs: 5_000, staleMs: 2_000 });
    mkdirSync(lockDir, { recursive: true });
    const file = lockPath(lockDir, 'k');
    writeFileSync(file, JSON.stringify({ pid: process.ppid, host: 'elsewhere', time: '2020-01-01T00:00:00Z', token: 'old' }));
    const old = new Date(Date.now() - 10_000);
    utimesSync(file, old, old);
    expect(await locks.withLock('k', async () => 'mine')).toBe('mine');
  });

  it('takes over a lock carrying its own PID but not its token (PID reused after a crash, as in containers)', async () => {
    const { lockDir } = fresh();
    const locks = createLockManager(lockDir, { timeoutMs: 2_000 });
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(lockPath(lockDir, 'k'), JSON.stringify({ pid: process.pid, host: hostname(), time: new Date().toISOString(), token: 'previous-life' }));
    expect(await locks.withLock('k', async () => 'mine')).toBe('mine');
  });

  it('fails clearly, naming the holder, when a live holder keeps the lock past the timeout', async () => {
    const { lockDir, log } = fresh();
    const holder = startChild({ lockDir, key: 'k', log, name: 'A', holdMs: -1 });
    try {
      await saysLocked(holder);
      const locks = createLockManager(lockDir, { timeoutMs: 400 });
      const err = await locks.withLock('k', async () => 'never').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(XacctError);
      expect((err as XacctError).exitCode).toBe(1);
      expect((err as XacctError).message).toMatch(new RegExp(`timed out after 0s waiting for xacct process ${holder.pid} on .* \\(lock "k"\\)`));
      expect((err as XacctError).hint).toContain(`kill ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
  });
});

describe('createLockManager across processes', () => {
  it('makes a second process wait until the first releases', async () => {
    const { lockDir, log } = fresh();
    const a = startChild({ lockDir, key: 'mfa-session:identity', log, name: 'A', holdMs: 700 });
    await saysLocked(a);
    const b = startChild({ lockDir, key: 'mfa-session:identity', log, name: 'B', holdMs: 0 });
    expect(await exited(a)).toBe(0);
    expect(await exited(b)).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('A in\nA out\nB in\nB out\n');
    expect(readdirSync(lockDir)).toEqual([]);
  });

  it('takes over from a holder killed with SIGKILL within 2 s, and the next caller is not blocked', async () => {
    const { lockDir, log } = fresh();
    const a = startChild({ lockDir, key: 'k', log, name: 'A', holdMs: -1 });
    await saysLocked(a);
    a.kill('SIGKILL');
    await exited(a);
    rmSync(`${log}.inside`); // A's marker: it died inside
    const t = Date.now();
    const b = startChild({ lockDir, key: 'k', log, name: 'B', holdMs: 0 });
    expect(await exited(b)).toBe(0);
    expect(Date.now() - t).toBeLessThan(2_000);
    const t2 = Date.now();
    const locks = createLockManager(lockDir);
    await locks.withLock('k', async () => undefined);
    expect(Date.now() - t2).toBeLessThan(4_000);
    expect(readFileSync(log, 'utf8')).toBe('A in\nB in\nB out\n');
  });

  it('never lets two processes in at once: 4 processes x 5 increments, starting from a stale lock they all want to take over', async () => {
    const { lockDir, log } = fresh();
    mkdirSync(lockDir, { recursive: true });
    const pid = await deadPid();
    writeFileSync(lockPath(lockDir, 'counter'), JSON.stringify({ pid, host: hostname(), time: new Date().toISOString(), token: 'dead' }));
    const counter = join(dirname(log), 'counter');
    const children = ['A', 'B', 'C', 'D'].map((name) => startChild({ lockDir, key: 'counter', log, name, holdMs: 5, rounds: 5, counter }));
    const stderr = children.map((c) => {
      let s = '';
      c.stderr?.on('data', (d: Buffer) => (s += d.toString()));
      return () => s;
    });
    const codes = await Promise.all(children.map(exited));
    expect(codes, stderr.map((s) => s()).join('\n')).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('20');
    expect(readdirSync(lockDir)).toEqual([]);
  });
});
