import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { suspendProgress, withProgress } from '../../src/adapters/prompt/progress.js';

const CLEAR = '\r\x1b[2K';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, write: (t: string) => written.push(t), written };
}

/** Work that takes `ms` of the fake clock. */
async function slowWork<T>(value: T, ms: number): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return value;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withProgress', () => {
  it('draws a status line on a terminal while slow work runs, and erases it after', async () => {
    const s = stream(true);
    const result = await withProgress('Getting an MFA session', () => slowWork(42, 500), { stream: s, env: {} });
    expect(result).toBe(42);
    expect(s.written.length).toBeGreaterThan(2);
    expect(s.written[0]!.startsWith(CLEAR)).toBe(true);
    expect(s.written[0]!.slice(CLEAR.length)).toMatch(/^. Getting an MFA session$/);
    expect(s.written.at(-1)).toBe(CLEAR);
  });

  it('draws nothing for work that ends at once', async () => {
    const s = stream(true);
    await withProgress('quick', async () => 1, { stream: s, env: {} });
    expect(s.written).toEqual([]);
  });

  it('draws nothing when the stream is not a terminal, with NO_COLOR, or with TERM=dumb', async () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { NO_COLOR: '1' }],
      [true, { TERM: 'dumb' }],
    ] as const) {
      const s = stream(isTTY);
      await withProgress('slow', () => slowWork(1, 1000), { stream: s, env });
      expect(s.written).toEqual([]);
    }
  });

  it('erases the line when the work fails, and passes the error on', async () => {
    const s = stream(true);
    const failing = withProgress(
      'failing',
      async () => {
        await vi.advanceTimersByTimeAsync(400);
        throw new Error('boom');
      },
      { stream: s, env: {} },
    );
    await expect(failing).rejects.toThrow('boom');
    expect(s.written.at(-1)).toBe(CLEAR);
  });

  it('suspendProgress erases the line and draws nothing until resumed (for a prompt)', async () => {
    const s = stream(true);
    const done = withProgress(
      'waiting',
      async () => {
        await vi.advanceTimersByTimeAsync(300);
        const resume = suspendProgress();
        expect(s.written.at(-1)).toBe(CLEAR);
        const count = s.written.length;
        await vi.advanceTimersByTimeAsync(1000);
        expect(s.written.length).toBe(count);
        resume();
        resume(); // a second call does nothing
        await vi.advanceTimersByTimeAsync(300);
        expect(s.written.length).toBeGreaterThan(count);
      },
      { stream: s, env: {} },
    );
    await done;
    expect(s.written.at(-1)).toBe(CLEAR);
  });
});
