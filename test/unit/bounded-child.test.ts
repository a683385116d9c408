/**
 * The helpers of src/adapters/bounded-child.ts and the browser launcher built on it: stopped at their time limit
 * with everything they started, whether in a process group of their own or (needing the terminal) in ours.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInBrowser } from '../../src/adapters/browser.js';
import { startHelper } from '../../src/adapters/bounded-child.js';
import { failure } from '../helpers/failure.js';
import { isAlive } from '../helpers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'xacct-helpers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function gone(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 40 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(isAlive);
}

describe('helpers', () => {
  for (const needsTerminal of [false, true]) {
    it(`are stopped at the time limit with what they started (${needsTerminal ? "in xacct's process group" : 'a group of their own'})`, async () => {
      const pids = join(dir, `pids-${needsTerminal}`);
      const started = Date.now();
      const helper = startHelper('/bin/sh', ['-c', `sleep 30 & echo $! >> ${pids}; (sleep 31 & echo $! >> ${pids}); wait`], {
        what: 'test helper',
        // Long enough for both sleeps to start on a busy machine; far from their 30 s.
        timeoutMs: 2_000,
        env,
        stdio: 'ignore',
        needsTerminal,
      });
      const end = await helper.ended;
      expect(end.timedOut).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      const started2 = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      expect(started2).toHaveLength(2);
      expect(await gone(started2)).toEqual([]);
    });
  }

  it('a browser launcher that never gets the URL fetched is stopped at its limit, with one line; one that fails is the error', async () => {
    const pids = join(dir, 'browser.pids');
    const browser = join(dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nsleep 30 & echo $! >> ${pids}\nwait\n`, { mode: 0o755 });
    const never = new Promise<void>(() => undefined);
    const err = await failure(openInBrowser('http://127.0.0.1:9/x', { ...env, BROWSER: browser }, never, 400));
    expect(err.message).toBe('could not open a browser: the browser launcher (browser.sh) did not finish within 400 ms and was stopped');
    expect(await gone(readFileSync(pids, 'utf8').trim().split('\n').map(Number))).toEqual([]);
    const missing = await failure(openInBrowser('http://127.0.0.1:9/x', { ...env, BROWSER: join(dir, 'no-such-browser') }, never, 400));
    expect(missing.message).toBe('could not open a browser: the browser launcher (no-such-browser) was not found');
  });

  it('a browser that stays open after it fetched the URL is left running (it is the user\'s browser now)', async () => {
    const pidFile = join(dir, 'kept.pid');
    const browser = join(dir, 'kept.sh');
    writeFileSync(browser, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`, { mode: 0o755 });
    let fetched!: () => void;
    const done = new Promise<void>((r) => (fetched = r));
    setTimeout(() => fetched(), 300);
    await openInBrowser('http://127.0.0.1:9/x', { ...env, BROWSER: browser }, done, 5_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });
});
