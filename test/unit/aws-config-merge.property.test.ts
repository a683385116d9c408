/**
 * `aws-config --write` on arbitrary existing configs: merging is idempotent, every byte outside xacct's own
 * sections is kept (comments, blank lines, order, line endings, the final newline or its absence, the user's
 * sections that share a name with a profile), and every profile ends up with its credential_process.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialProcessOf, mergeAwsConfigEntries, type AwsConfigEntry } from '../../src/core/aws-config-entries.js';
import { ConfigError } from '../../src/core/errors.js';

const NAMES = ['a', 'b', 'prod-admin', 'staging-readonly', 'x.y', 'z_1', 'identity', 'dev'];
const name = fc.constantFrom(...NAMES);
const region = fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-2');
const noise = fc.constantFrom('', '# a comment', '; another', 'output = json', 'region = eu-west-1', '   ', 's3 =\n    max_concurrent_requests = 20', 'cli_pager=');

interface Section {
  readonly name: string;
  readonly xacct: boolean;
  readonly lines: string[];
}

/** One of xacct's sections, as an earlier `aws-config --write` (or a hand) wrote it. */
const xacctSection = (n: string) =>
  fc
    .tuple(fc.constantFrom('xacct', '/usr/local/bin/xacct'), fc.option(region, { nil: undefined }), fc.array(noise, { maxLength: 3 }), fc.constantFrom('', '  # mine'))
    .map(([cmd, r, extra, comment]): Section => ({
      name: n,
      xacct: true,
      lines: [`[profile ${n}]${comment}`, `credential_process = ${cmd} credential-process ${n}`, ...(r ? [`region = ${r}`] : []), ...extra],
    }));

/** A section of the user's: never xacct's, whatever its name. */
const userSection = (n: string) =>
  fc
    .tuple(
      fc.constantFrom(`[profile ${n}]`, `[profile ${n}] ; hands off`, `[sso-session ${n}]`, `[services ${n}]`),
      fc.array(fc.constantFrom(`role_arn = arn:aws:iam::222222222222:role/${n}`, 'source_profile = identity', 'aws_access_key_id = AKIAEXAMPLE', `credential_process = aws-vault export ${n}`, 'sso_session = corp', `credential_process = xacct credential-process other`), { minLength: 1, maxLength: 2 }),
      fc.array(noise, { maxLength: 3 }),
    )
    .map(([header, creds, extra]): Section => ({ name: n, xacct: false, lines: [header, ...creds, ...extra] }));

const config = fc
  .tuple(
    fc.array(fc.constantFrom('# AWS config', '', '; hi'), { maxLength: 2 }),
    fc.uniqueArray(name, { maxLength: 6 }).chain((names) => fc.tuple(...names.map((n) => fc.oneof(xacctSection(n), userSection(n))))),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([preamble, sections, eol, finalNewline, withDefault]) => {
    const all = [...(withDefault ? [{ name: '', xacct: false, lines: ['[default]', 'region = eu-west-1'] }] : []), ...sections];
    const lines = [...preamble, ...all.flatMap((s) => s.lines)].join('\n').split('\n');
    const text = lines.join(eol) + (finalNewline && lines.length ? eol : '');
    return { text, sections: all, preamble, eol };
  });

const entriesOf = fc
  .uniqueArray(fc.tuple(name, fc.option(region, { nil: undefined })), { selector: ([n]) => n, maxLength: 6 })
  .map((list): AwsConfigEntry[] => list.map(([n, r]) => ({ name: n, credentialProcess: credentialProcessOf('xacct', n), ...(r ? { region: r } : {}) })));

/** The text with the sections headed `[profile N]` for N in `names` cut out (header to the next header). */
function without(text: string, names: ReadonlySet<string>): string {
  const lines = text.split(/(?<=\n)/);
  let dropping = false;
  let out = '';
  for (const line of lines) {
    const header = /^\s*\[([^\]]*)\]/.exec(line);
    if (header) {
      const words = header[1]!.trim().split(/\s+/);
      dropping = words[0] === 'profile' && names.has(words.slice(1).join(' '));
    }
    if (!dropping) out += line;
  }
  return out;
}

describe('mergeAwsConfigEntries on arbitrary configs', () => {
  it('is idempotent, keeps every byte outside its own sections, and leaves every profile with its credential_process', () => {
    fc.assert(
      fc.property(config, entriesOf, ({ text, sections }, entries) => {
        const merge = mergeAwsConfigEntries(text, entries, { command: 'xacct' });

        const again = mergeAwsConfigEntries(merge.text, entries, { command: 'xacct' });
        expect(again.changed).toBe(false);
        expect(again.text).toBe(merge.text);

        const ours = new Set([...sections.filter((s) => s.xacct).map((s) => s.name), ...merge.added]);
        const before = without(text, ours);
        const after = without(merge.text, ours);
        expect(after.startsWith(before), `${JSON.stringify(text)}\n→ ${JSON.stringify(merge.text)}`).toBe(true);
        // Only the blank line(s) that separate the appended sections may follow.
        expect(after.slice(before.length)).toMatch(merge.added.length ? /^(\r?\n){0,2}$/ : /^$/);

        const left = new Set(merge.leftAlone.map((l) => l.name));
        for (const e of entries) {
          const section = sections.find((s) => s.name === e.name);
          expect(left.has(e.name)).toBe(section !== undefined && !section.xacct && section.lines[0]!.startsWith('[profile '));
          if (left.has(e.name)) continue;
          const own = merge.text.split(/\r?\n/);
          const at = own.findIndex((l) => new RegExp(`^\\[profile ${e.name.replace('.', '\\.')}\\]`).test(l));
          expect(at, e.name).toBeGreaterThanOrEqual(0);
          const next = own.findIndex((l, i) => i > at && /^\s*\[/.test(l));
          const body = own.slice(at + 1, next < 0 ? undefined : next);
          expect(body).toContain(`credential_process = ${e.credentialProcess}`);
          if (e.region) expect(body).toContain(`region = ${e.region}`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('without --command keeps what xacct wrote: each of its sections its own command, new ones the common one', () => {
    let kept = 0;
    fc.assert(
      fc.property(config, entriesOf, ({ text, sections }, entries) => {
        const merge = mergeAwsConfigEntries(text, entries);
        for (const s of sections.filter((x) => x.xacct)) {
          kept++;
          expect(merge.text).toContain(s.lines[1]!); // its credential_process line, as written
        }
        for (const name of merge.added) expect(merge.text).toContain(`credential_process = ${credentialProcessOf(merge.command!, name)}`);
        expect(mergeAwsConfigEntries(merge.text, entries).changed).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(kept).toBeGreaterThan(500);
  });

  it('--prune removes exactly the stale sections that hold only what xacct writes; every other byte stays', () => {
    let prunedSome = 0;
    fc.assert(
      fc.property(config, entriesOf, ({ text, sections }, entries) => {
        const names = new Set(entries.map((e) => e.name));
        const merge = mergeAwsConfigEntries(text, entries, { prune: true, command: 'xacct' });
        const plain = (s: Section) => s.lines.slice(1).every((l) => /^(credential_process|region) = /.test(l) || l === '') && !s.lines[0]!.includes('#');
        const stale = sections.filter((s) => s.xacct && !names.has(s.name));
        expect(new Set(merge.pruned)).toEqual(new Set(stale.filter(plain).map((s) => s.name)));
        prunedSome += merge.pruned.length;
        for (const s of stale.filter((x) => !plain(x))) expect(merge.text).toContain(s.lines[0]!);
        // What is left, without xacct's sections, is the user's text as it was.
        const ours = new Set([...sections.filter((s) => s.xacct).map((s) => s.name), ...merge.added]);
        expect(without(merge.text, ours).replace(/(\r?\n)+$/, '')).toBe(without(text, ours).replace(/(\r?\n)+$/, ''));
        expect(mergeAwsConfigEntries(merge.text, entries, { prune: true, command: 'xacct' }).changed).toBe(false);
      }),
      { numRuns: 800 },
    );
    expect(prunedSome).toBeGreaterThan(100);
  });

  it('arbitrary text: merged, or refused with a ConfigError naming the line and not quoting it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), entriesOf, (text, entries) => {
        try {
          mergeAwsConfigEntries(text, entries, { file: '/home/a/.aws/config' });
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message).toMatch(/^\/home\/a\/\.aws\/config:\d+: (this line of the AWS config is not a setting|a setting before the first|this section header of the AWS config has |this line of the AWS config starts with "\[")/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
