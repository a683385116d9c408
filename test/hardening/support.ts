/**
 * What every hardening case checks about a failure a user sees: the exit code of SPEC, one `xacct: …` line (and
 * at most one hint line) on stderr, no stack trace, no secret anywhere in the output, and the user's files as
 * they were. Plus small tools: files snapshots, a byte scan of a folder for secrets, bounded parallelism.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunResult } from '../helpers/index.js';

/** A failure as SPEC wants it: `code`, nothing on stdout, one error line (+ one hint line), no trace, no secret. */
export function expectCleanFailure(r: RunResult, code: number, opts: { secrets?: readonly string[]; message?: RegExp; label?: string } = {}): void {
  const label = opts.label ?? '';
  const context = `${label}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.timedOut, `timed out: ${context}`).toBe(false);
  expect(r.code, context).toBe(code);
  expect(r.stdout, context).toBe('');
  expectOneErrorLine(r.stderr, context);
  if (opts.message) expect(r.stderr, context).toMatch(opts.message);
  expectNoSecret([r.stdout, r.stderr], opts.secrets ?? [], context);
}

/** stderr is `xacct: <what failed>` and, optionally, `xacct: <what to do>`; nothing else, no stack frame. */
export function expectOneErrorLine(stderr: string, context = stderr): void {
  expect(stderr, context).toMatch(/\n$/);
  const lines = stderr.slice(0, -1).split('\n');
  expect(lines.length, `one error line and at most one hint line: ${context}`).toBeGreaterThanOrEqual(1);
  expect(lines.length, `one error line and at most one hint line: ${context}`).toBeLessThanOrEqual(2);
  for (const line of lines) expect(line, context).toMatch(/^xacct: \S/);
  expect(stderr, `a stack trace: ${context}`).not.toMatch(/^\s+at /m);
  expect(stderr, context).not.toMatch(/unexpected error/);
  const raw = RAW_CONTROL.exec(stderr);
  expect(raw, `a raw control character (${JSON.stringify(raw?.[0])}): ${context}`).toBeNull();
}

/** What must never reach a terminal raw: C0 controls but \n and \t, DEL, and C1 (as characters: output is UTF-8). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function expectNoSecret(texts: readonly string[], secrets: readonly string[], context = ''): void {
  for (const secret of secrets.filter(Boolean)) {
    for (const text of texts) expect(text.includes(secret), `a secret (${secret.slice(0, 4)}…) leaked: ${context}`).toBe(false);
  }
}

/** Contents of files (null: absent), to check later that a failed command left them byte for byte. */
export function snapshot(files: readonly string[]): Map<string, Buffer | null> {
  return new Map(files.map((f) => [f, readOrNull(f)]));
}

export function expectUnchanged(before: Map<string, Buffer | null>, context = ''): void {
  for (const [file, content] of before) {
    const now = readOrNull(file);
    expect(now === null ? null : now.toString('latin1'), `${file} changed ${context}`).toBe(content === null ? null : content.toString('latin1'));
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Every regular file and symlink below `dir` (recursively), except those `skip` says no to. */
export function filesBelow(dir: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (skip(p)) continue;
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() || st.isSymbolicLink()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The files below `dir` that hold any of `secrets` (as bytes, or in a symlink's target), with which. */
export function secretsInFiles(dir: string, secrets: readonly string[], skip?: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of filesBelow(dir, skip)) {
    const st = lstatSync(file);
    const content = st.isSymbolicLink() ? Buffer.from(readlinkSync(file)) : readFileSync(file);
    for (const s of secrets.filter(Boolean)) if (content.includes(Buffer.from(s))) found.push(`${file}: ${s.slice(0, 4)}…`);
  }
  return found;
}

/** Runs `tasks` with at most `limit` at a time, in order of start; resolves with their results in order. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The number of cases a suite tried, printed once so that the issue note can quote it. */
export function reportCount(what: string, n: number): void {
  process.stderr.write(`[hardening] ${what}: ${n} cases\n`);
}
