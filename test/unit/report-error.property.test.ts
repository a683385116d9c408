/**
 * Whatever an error says (values quoted from files, STS's text from the network), what reaches stderr is one
 * `xacct: …` line and at most one hint line, with no control character a terminal would act on, and no stack
 * trace unless XACCT_DEBUG=1.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { AwsError, ConfigError, UsageError, XacctError } from '../../src/core/errors.js';

function printed(err: unknown, env: Record<string, string> = {}): { code: number; text: string } {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    return { code: reportError(err, env), text };
  } finally {
    spy.mockRestore();
  }
}

// Text with the characters that matter: newlines, escapes (ESC, CSI as C1 0x9b), bells, NUL, DEL, tabs, unicode.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\n', '\r', '\r\n', '\t', '\u001b', '\u001b[2J', '\u001b]0;title\u0007', '\u009b', '\u0007', '\u0000', '\u007f', '\u0085', ' '),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
});

const errorOf = fc.oneof(
  fc.tuple(nasty, fc.option(nasty, { nil: undefined })).map(([m, h]) => new XacctError(m, { hint: h })),
  fc.tuple(nasty, fc.option(nasty, { nil: undefined })).map(([m, h]) => new UsageError(m, h)),
  fc.tuple(nasty, fc.integer({ min: 1, max: 999 })).map(([m, line]) => new ConfigError(m, { file: '/home/a/x.toml', line })),
  fc.tuple(nasty, nasty).map(([code, m]) => new AwsError(code, m)),
  nasty.map((m) => new Error(m)),
  nasty,
);

describe('reportError', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints one error line and at most one hint line, each `xacct: …`, with no control character', () => {
    fc.assert(
      fc.property(errorOf, (err) => {
        const { code, text } = printed(err);
        expect([1, 2]).toContain(code);
        expect(text.endsWith('\n')).toBe(true);
        const lines = text.slice(0, -1).split('\n');
        expect(lines.length).toBeGreaterThanOrEqual(1);
        expect(lines.length).toBeLessThanOrEqual(2);
        for (const line of lines) {
          expect(line.startsWith('xacct: ')).toBe(true);
          // eslint-disable-next-line no-control-regex -- what must not be there
          expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('a stack trace only with XACCT_DEBUG=1', () => {
    const err = new XacctError('boom');
    expect(printed(err).text).toBe('xacct: boom\n');
    // Each line of the trace prefixed and made safe, like every line for people.
    expect(printed(err, { XACCT_DEBUG: '1' }).text).toMatch(/^xacct: boom\nxacct: debug: XacctError: boom\nxacct: debug:\s+at /);
  });
});
