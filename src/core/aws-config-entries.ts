import { profileOfHeader, scanIniSections, splitLines, type IniLine, type IniSetting } from './ini-lines.js';
import type { ProfilePlan } from './profile-map/types.js';
import { CREDENTIAL_SETTINGS } from './aws-profile-kind.js';
import { posixQuote } from './shell-export.js';
import { shellWords } from './shell-words.js';
import { isXacctProgram } from './xacct-command.js';

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

/**
 * The credential_process value. The SDKs run it through `sh -c` (Go, JS) or split it like a shell (botocore),
 * so words with characters a shell treats specially are single-quoted.
 */
export function credentialProcessOf(command: string, profile: string): string {
  return [command, 'credential-process', profile].map(shellWord).join(' ');
}

function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : posixQuote(word);
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
  /** xacct's sections for profiles the map no longer has; kept, for the user to remove. */
  readonly stale: readonly string[];
}

/**
 * Merges `entries` into the text of an AWS config file. Only xacct's own sections change (see `isXacctSection`);
 * every other byte stays as it was: comments, blank lines, order, line endings, the final newline or its absence.
 * Throws ConfigError (file:line) when the text is not an AWS config file.
 */
export function mergeAwsConfigEntries(text: string, entries: readonly AwsConfigEntry[], options: { command?: string; file?: string } = {}): AwsConfigMerge {
  const command = options.command ?? 'xacct';
  const lines = splitLines(text);
  const sections = parseSections(lines, options.file);
  const eol = text.match(/\r?\n/)?.[0] ?? '\n';

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
    const foreign = whyNotXacct(section, entry.name, command, entry.credentialProcess);
    if (foreign) {
      leftAlone.push({ name: entry.name, reason: foreign });
      continue;
    }
    let changed = false;
    const cp = section.keys.find((k) => k.key === 'credential_process')!;
    if (cp.value !== entry.credentialProcess) {
      replace.set(cp.line, `credential_process = ${entry.credentialProcess}`);
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
  const stale = sections.filter((s) => s.profile !== undefined && !names.has(s.profile) && !whyNotXacct(s, s.profile, command)).map((s) => s.profile!);

  let out = replace.size === 0 && insertAfter.size === 0 ? text : rebuild(lines, replace, insertAfter, eol);
  if (added.length > 0) out = appendBlock(out, renderAwsConfigEntries(added, eol), eol);

  return { text: out, changed: out !== text, added: added.map((e) => e.name), updated, unchanged, leftAlone, stale };
}

/** The lines with `replace` (index → new content) and `insertAfter` (index → a new line after it) applied. */
function rebuild(lines: readonly IniLine[], replace: ReadonlyMap<number, string>, insertAfter: ReadonlyMap<number, string>, eol: string): string {
  const parts: string[] = [];
  lines.forEach((line, i) => {
    parts.push(replace.get(i) ?? line.content, line.eol);
    const inserted = insertAfter.get(i);
    if (inserted !== undefined) parts.push(line.eol ? '' : eol, inserted, line.eol);
  });
  return parts.join('');
}

function sectionsByProfile(sections: readonly Section[]): Map<string, Section[]> {
  const byProfile = new Map<string, Section[]>();
  for (const section of sections) {
    if (section.profile === undefined) continue;
    const same = byProfile.get(section.profile);
    if (same) same.push(section);
    else byProfile.set(section.profile, [section]);
  }
  return byProfile;
}

/** Appends after a blank line, keeping the file's convention for the final newline. */
function appendBlock(text: string, block: string, eol: string): string {
  if (text === '') return block;
  if (!text.endsWith('\n')) return text + eol + eol + block.slice(0, -eol.length);
  const lastLineBlank = /(^|\n)[ \t]*\r?\n$/.test(text);
  return text + (lastLineBlank ? '' : eol) + block;
}

/**
 * A section is xacct's when it is `[profile X]` and its only credential setting is
 * `credential_process = <xacct> credential-process X`, where <xacct> is `command` or any path named `xacct`
 * (so that changing --command updates the sections an earlier run wrote). Anything else is the user's.
 * Returns why a section is not xacct's, or undefined when it is.
 */
function whyNotXacct(section: Section, name: string, command: string, expected = credentialProcessOf(command, name)): string | undefined {
  if (isPlainlyOurs(section, expected)) return undefined;
  const credentialKeys = section.keys.filter((k) => CREDENTIAL_SETTINGS.has(k.key));
  const others = [...new Set(credentialKeys.filter((k) => k.key !== 'credential_process').map((k) => k.key))];
  if (others.length > 0) return `it is not xacct's (it sets ${others.join(', ')})`;
  if (!section.isProfileHeader) return "it is not xacct's (it is the [default] section)";
  const processes = credentialKeys.filter((k) => k.key === 'credential_process');
  if (processes.length === 0) return "it is not xacct's (it has no credential_process)";
  if (processes.length > 1) return "it is not xacct's (it sets credential_process more than once)";
  const words = shellWords(processes[0]!.value);
  const isOurs =
    words?.length === 3 &&
    words[1] === 'credential-process' &&
    words[2] === name &&
    (words[0] === command || isXacctProgram(words[0]!));
  return isOurs ? undefined : "it is not xacct's (its credential_process runs another command)";
}

/**
 * The common case of whyNotXacct, without allocating: `[profile X]` whose one credential setting is exactly the
 * credential_process xacct writes for X (`expected`).
 */
function isPlainlyOurs(section: Section, expected: string): boolean {
  if (!section.isProfileHeader) return false;
  let ours = false;
  for (const k of section.keys) {
    if (!CREDENTIAL_SETTINGS.has(k.key)) continue;
    if (ours || k.key !== 'credential_process' || k.value !== expected) return false;
    ours = true;
  }
  return ours;
}

interface Section {
  /** The profile the section configures: X of `[profile X]`, "default" of `[default]`; undefined for others. */
  readonly profile?: string;
  readonly isProfileHeader: boolean;
  readonly keys: readonly IniSetting[];
}

/** A name profileOfHeader would return as it is: no space in it, no quote around it. */
const PLAIN_PROFILE_NAME = /^[^\s"'](?:\S*[^\s"'])?$/;

/** The sections of an AWS config file, with the profile each one configures. */
function parseSections(lines: readonly IniLine[], file: string | undefined): Section[] {
  return scanIniSections(lines, { ...(file ? { file } : {}), what: 'the AWS config' }).map(({ header, keys }) => {
    // `[profile name]`, by far the most common header (25,000 of them at organisation scale): no regex, no spread.
    if (header.startsWith('profile ') && PLAIN_PROFILE_NAME.test(header.slice(8))) return { profile: header.slice(8), isProfileHeader: true, keys };
    const profile = profileOfHeader(header, true);
    return profile !== undefined ? { profile, isProfileHeader: header !== 'default', keys } : { isProfileHeader: false, keys };
  });
}
