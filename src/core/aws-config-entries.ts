import { splitLines, type IniLine } from './ini-lines.js';
import type { ProfilePlan } from './profile-map/types.js';
import { credentialProcessOf, keptProcess, parseSections, sectionsByProfile, whyNotXacct, writtenCommand, type Section } from './aws-config-sections.js';

export { credentialProcessOf, writtenAwsConfigCommand } from './aws-config-sections.js';

/** One `[profile X]` section that makes every AWS tool get X's credentials from xacct. */
export interface AwsConfigEntry {
  readonly name: string;
  readonly credentialProcess: string;
  readonly region?: string;
}

/**
 * The entries for the profiles of the map. Profiles that come from the AWS config itself (`origin: 'aws-config'`)
 * are skipped: they already are role profiles there, and an entry of the same name would replace them.
 * `command` is how credential_process starts xacct: plain `xacct` (on PATH after install) unless overridden.
 */
export function awsConfigEntries(profiles: Iterable<ProfilePlan>, command = 'xacct'): AwsConfigEntry[] {
  const entries: AwsConfigEntry[] = [];
  for (const plan of profiles) {
    if (plan.origin === 'aws-config') continue;
    entries.push({ name: plan.name, credentialProcess: credentialProcessOf(command, plan.name), ...(plan.region ? { region: plan.region } : {}) });
  }
  return entries;
}

export function renderAwsConfigEntries(entries: readonly AwsConfigEntry[], eol = '\n'): string {
  return entries.map((e) => sectionLines(e).join(eol) + eol).join(eol);
}

function sectionLines(e: AwsConfigEntry): string[] {
  return [`[profile ${e.name}]`, `credential_process = ${e.credentialProcess}`, ...(e.region ? [`region = ${e.region}`] : [])];
}

export interface AwsConfigMerge {
  /** The new file content; equal to the input when nothing changed. */
  readonly text: string;
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  /** Sections of an entry's name that are not xacct's: never touched. */
  readonly leftAlone: readonly { readonly name: string; readonly reason: string }[];
  /** xacct's sections for profiles the map no longer has; kept (without `prune`), for the user to remove. */
  readonly stale: readonly string[];
  /** With `prune`: xacct's sections removed because their profile is gone. */
  readonly pruned: readonly string[];
  /**
   * The command the added entries run (given, or kept from what xacct wrote before, else `xacct`); absent when none
   * was added and none given (finding it out reads every section).
   */
  readonly command?: string;
}

export interface AwsConfigMergeOptions {
  /**
   * How credential_process starts xacct (--command). Absent: the command xacct's sections already run is kept
   * (each section its own; new ones that of the others), else `xacct`.
   */
  readonly command?: string;
  readonly file?: string;
  /** Also remove xacct's own sections for profiles the map no longer has (only lines xacct writes in them). */
  readonly prune?: boolean;
}

/**
 * Merges `entries` into the text of an AWS config file. Only xacct's own sections change (see `whyNotXacct` in aws-config-sections.ts);
 * every other byte stays as it was: comments, blank lines, order, line endings, the final newline or its absence.
 * Throws ConfigError (file:line) when the text is not an AWS config file.
 */
export function mergeAwsConfigEntries(text: string, entries: readonly AwsConfigEntry[], options: AwsConfigMergeOptions = {}): AwsConfigMerge {
  const lines = splitLines(text);
  const sections = parseSections(lines, options.file);
  const eol = text.match(/\r?\n/)?.[0] ?? '\n';
  const given = options.command;
  const command = given ?? 'xacct';
  // What an entry's section must run to be left as it is (entries come with plain `xacct` unless --command is given).
  const cpOf = (entry: AwsConfigEntry) => (given ? credentialProcessOf(given, entry.name) : entry.credentialProcess);
  // A --command once written is kept until another is given: new sections run what xacct's own sections run.
  let kept: string | undefined;
  const keptCommand = () => (kept ??= given ?? writtenCommand(sections) ?? 'xacct');

  const replace = new Map<number, string>();
  const insertAfter = new Map<number, string>();
  const added: AwsConfigEntry[] = [];
  const updated: string[] = [];
  const unchanged: string[] = [];
  const leftAlone: { name: string; reason: string }[] = [];

  // Indexed once: a lookup per entry keeps the merge linear in the number of profiles (25,000 at organisation scale).
  const byProfile = sectionsByProfile(sections);
  for (const entry of entries) {
    const same = byProfile.get(entry.name) ?? [];
    const [section] = same;
    if (!section) {
      added.push(entry);
      continue;
    }
    if (same.length > 1) {
      leftAlone.push({ name: entry.name, reason: `it appears ${same.length} times; the AWS CLI cannot read that either` });
      continue;
    }
    const expected = cpOf(entry);
    const foreign = whyNotXacct(section, entry.name, command, expected);
    if (foreign) {
      leftAlone.push({ name: entry.name, reason: foreign });
      continue;
    }
    let changed = false;
    const cp = section.keys.find((k) => k.key === 'credential_process')!;
    // Without --command, a section keeps the command it runs (an earlier --command), whatever the others run.
    const wanted = options.command || cp.value === expected ? expected : (keptProcess(cp.value, entry.name) ?? expected);
    if (cp.value !== wanted) {
      replace.set(cp.line, `credential_process = ${wanted}`);
      changed = true;
    }
    if (entry.region) {
      const region = section.keys.find((k) => k.key === 'region');
      if (!region) {
        insertAfter.set(cp.line, `region = ${entry.region}`);
        changed = true;
      } else if (region.value !== entry.region) {
        replace.set(region.line, `region = ${entry.region}`);
        changed = true;
      }
    }
    (changed ? updated : unchanged).push(entry.name);
  }

  const names = new Set(entries.map((e) => e.name));
  const staleSections = sections.filter((s) => s.profile !== undefined && !names.has(s.profile) && !whyNotXacct(s, s.profile, command));
  const removed = new Set<number>();
  const pruned: string[] = [];
  const stale: string[] = [];
  for (const section of staleSections) {
    const lineRange = options.prune ? prunableLines(section, lines) : undefined;
    if (typeof lineRange === 'string') {
      leftAlone.push({ name: section.profile!, reason: lineRange });
      continue;
    }
    if (!lineRange) {
      stale.push(section.profile!);
      continue;
    }
    for (const i of lineRange) removed.add(i);
    pruned.push(section.profile!);
  }

  let out = replace.size === 0 && insertAfter.size === 0 && removed.size === 0 ? text : rebuild(lines, replace, insertAfter, eol, withSeparatorBeforeTail(lines, removed));
  if (added.length > 0) {
    const block = added.map((e) => ({ ...e, credentialProcess: keptCommand() === 'xacct' && !given ? e.credentialProcess : credentialProcessOf(keptCommand(), e.name) }));
    out = appendBlock(out, renderAwsConfigEntries(block, eol), eol);
  }
  const used = given ?? (added.length ? keptCommand() : undefined);
  return { text: out, changed: out !== text, added: added.map((e) => e.name), updated, unchanged, leftAlone, stale, pruned, ...(used ? { command: used } : {}) };
}

/** What xacct writes in its sections; any other setting or a comment in one is the user's. */
const XACCT_SETTINGS = new Set(['credential_process', 'region']);

/**
 * The lines to remove for a stale section of xacct's: its header to the next section; or why it stays (a line in it
 * that xacct does not write is the user's).
 */
function prunableLines(section: Section, lines: readonly IniLine[]): number[] | string {
  const others = [...new Set(section.keys.filter((k) => !XACCT_SETTINGS.has(k.key)).map((k) => k.key))];
  if (others.length) return `it is no longer in the profile map, but it holds settings of yours (${others.join(', ')}); remove it yourself if unused`;
  const end = Math.max(section.line, ...section.keys.map((k) => k.lastLine));
  // Any line up to the next section that xacct does not write (a comment, spaces, a continued value, a comment on the
  // header) is the user's: it stays, and so does the section.
  const settingLines = new Set(section.keys.filter((k) => k.lastLine === k.line).map((k) => k.line));
  const foreign = /\][^\]]*[#;]/.test(lines[section.line]!.content) || lines.slice(section.line + 1, section.lastLine + 1).some((l, i) => l.content !== '' && !settingLines.has(section.line + 1 + i));
  if (foreign) return 'it is no longer in the profile map, but it holds lines of yours (a comment, say); remove it yourself if unused';
  // Everything up to the next section is xacct's then: its settings and the empty lines that separate them.
  const range: number[] = [];
  for (let i = section.line; i <= Math.max(end, section.lastLine); i++) range.push(i);
  return range;
}

/** An empty line, as xacct writes between its sections (one with spaces in it is someone else's). */
function isBlank(line: IniLine): boolean {
  return line.content === '';
}

/**
 * When the file's tail is removed (xacct's sections are appended at the end), the one blank line that appendBlock
 * wrote before them goes too, so that pruning what a write added gives the file back as it was.
 */
function withSeparatorBeforeTail(lines: readonly IniLine[], removed: Set<number>): Set<number> {
  if (!removed.has(lines.length - 1)) return removed;
  let last = lines.length - 1;
  while (last >= 0 && removed.has(last)) last--;
  if (last >= 0 && isBlank(lines[last]!)) removed.add(last);
  return removed;
}

/**
 * The lines with `replace` (index → new content) and `insertAfter` (index → a new line after it) applied, and the
 * lines of `removed` left out (a file that ended without a newline still does).
 */
function rebuild(
  lines: readonly IniLine[],
  replace: ReadonlyMap<number, string>,
  insertAfter: ReadonlyMap<number, string>,
  eol: string,
  removed: ReadonlySet<number> = new Set(),
): string {
  const parts: string[] = [];
  lines.forEach((line, i) => {
    if (removed.has(i)) return;
    parts.push(replace.get(i) ?? line.content, line.eol);
    const inserted = insertAfter.get(i);
    if (inserted !== undefined) parts.push(line.eol ? '' : eol, inserted, line.eol);
  });
  const out = parts.join('');
  const last = lines.length - 1;
  // The removed lines ended the file without a newline: so does the new last line.
  return removed.has(last) && lines[last]!.eol === '' ? out.replace(/\r?\n$/, '') : out;
}

/** Appends after a blank line, keeping the file's convention for the final newline. */
function appendBlock(text: string, block: string, eol: string): string {
  if (text === '') return block;
  if (!text.endsWith('\n')) return text + eol + eol + block.slice(0, -eol.length);
  const lastLineBlank = /(^|\n)[ \t]*\r?\n$/.test(text);
  return text + (lastLineBlank ? '' : eol) + block;
}

