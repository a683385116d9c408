/** Large AWS config files and their kept parses (adapters/config-files/kept-aws-config.ts), for the unit tests of it. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * A folder per test, removed after each test of the file that calls this: `setUp()` gives the cache folder and the
 * two AWS files' paths in one.
 */
export function keptParseFolders(): () => { folder: string; config: string; credentials: string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'xacct-awskept-'));
    dirs.push(dir);
    return { folder: join(dir, 'cache'), config: join(dir, 'config'), credentials: join(dir, 'credentials') };
  };
}

/** xacct's entries for `n` profiles, then a role profile (its line matters in messages) and `extra`. */
export function configText(n: number, extra = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`[profile p-${i}]`, `credential_process = xacct credential-process p-${i}`, '');
  lines.push('[profile role]', 'role_arn = arn:aws:iam::222222222222:role/R', 'source_profile = identity', 'duration_seconds = soon', '[profile empty]', extra);
  return `${lines.join('\n')}\n`;
}

/** As xacct's own edits do: a new file renamed over the old one (another identity, so read again). */
export function replace(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

/** A kept file: its header (a line of JSON) and the profiles' JSON after it. */
export function readKeptFile(file: string): { header: { doc: { profilesSha256: string; identity?: string } }; profiles: Record<string, Record<string, string>> } {
  const text = readFileSync(file, 'utf8');
  const nl = text.indexOf('\n');
  return { header: JSON.parse(text.slice(0, nl)), profiles: JSON.parse(text.slice(nl + 1)) };
}

/** Plants kept profiles, with the sum of what is planted (`sum`: false, a wrong one). */
export function plant(file: string, kept: ReturnType<typeof readKeptFile>, sum = true): void {
  const json = JSON.stringify(kept.profiles);
  kept.header.doc.profilesSha256 = sum ? createHash('sha256').update(json).digest('hex') : '0'.repeat(64);
  writeFileSync(file, `${JSON.stringify(kept.header)}\n${json}`, { mode: 0o600 });
}

/** vi.waitFor's options for a kept parse written in the background: its default 1 s is too short on a busy machine. */
export const WRITTEN = { timeout: 15_000, interval: 20 };

/** The kept parses of AWS config files in a cache folder. */
export const kept = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.startsWith('aws-config-')) : []);
