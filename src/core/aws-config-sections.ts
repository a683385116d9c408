/** The sections of an AWS config file, and which of them are xacct's own (what `aws-config --write` may change). */
import { profileOfHeader, scanIniSections, splitLines, type IniLine, type IniSetting } from './ini-lines.js';
import { CREDENTIAL_SETTINGS } from './aws-profile-kind.js';
import { posixQuote } from './shell-export.js';
import { shellWords } from './shell-words.js';
import { isXacctProgram } from './xacct-command.js';

/**
 * The credential_process value. The SDKs run it through `sh -c` (Go, JS) or split it like a shell (botocore),
 * so words with characters a shell treats specially are single-quoted.
 */
export function credentialProcessOf(command: string, profile: string): string {
  return [command, 'credential-process', profile].map(shellWord).join(' ');
}

/** A word as a shell (and botocore's splitter) reads it back: quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : posixQuote(word);
}


/**
 * The command xacct's own sections run (`<command> credential-process <their profile>`), the most common one when
 * they differ; undefined when there is none.
 */
export function writtenAwsConfigCommand(text: string, file?: string): string | undefined {
  return writtenCommand(parseSections(splitLines(text), file));
}

export function writtenCommand(sections: readonly Section[]): string | undefined {
  const counts = new Map<string, number>();
  for (const s of sections) {
    if (!s.isProfileHeader || s.profile === undefined) continue;
    const cps = s.keys.filter((k) => k.key === 'credential_process');
    if (cps.length !== 1 || s.keys.some((k) => k.key !== 'credential_process' && CREDENTIAL_SETTINGS.has(k.key))) continue;
    const cmd = xacctCommandOf(cps[0]!.value, s.profile);
    if (cmd !== undefined) counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [cmd, n] of counts) if (best === undefined || n > counts.get(best)!) best = cmd;
  return best;
}

/** A section's credential_process as written, when it is xacct's for `name` (its command kept as it is). */
export function keptProcess(value: string, name: string): string | undefined {
  const cmd = xacctCommandOf(value, name);
  return cmd === undefined ? undefined : credentialProcessOf(cmd, name);
}

/** The command of `<command> credential-process <name>` when the command is xacct (a path named xacct). */
function xacctCommandOf(value: string, name: string): string | undefined {
  // Most values are plain words (no quotes): no shell-word splitting for 25,000 of them.
  const suffix = ` credential-process ${name}`;
  if (value.endsWith(suffix)) {
    const cmd = value.slice(0, -suffix.length);
    if (/^[\w./:@%+=,-]+$/.test(cmd)) return isXacctProgram(cmd) ? cmd : undefined;
  }
  const words = shellWords(value);
  return words?.length === 3 && words[1] === 'credential-process' && words[2] === name && isXacctProgram(words[0]!) ? words[0] : undefined;
}


export function sectionsByProfile(sections: readonly Section[]): Map<string, Section[]> {
  const byProfile = new Map<string, Section[]>();
  for (const section of sections) {
    if (section.profile === undefined) continue;
    const same = byProfile.get(section.profile);
    if (same) same.push(section);
    else byProfile.set(section.profile, [section]);
  }
  return byProfile;
}


/**
 * A section is xacct's when it is `[profile X]` and its only credential setting is
 * `credential_process = <xacct> credential-process X`, where <xacct> is `command` or any path named `xacct`
 * (so that changing --command updates the sections an earlier run wrote). Anything else is the user's.
 * Returns why a section is not xacct's, or undefined when it is.
 */
export function whyNotXacct(section: Section, name: string, command: string, expected = credentialProcessOf(command, name)): string | undefined {
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

export interface Section {
  /** The profile the section configures: X of `[profile X]`, "default" of `[default]`; undefined for others. */
  readonly profile?: string;
  readonly isProfileHeader: boolean;
  readonly keys: readonly IniSetting[];
  /** Index of the header's line. */
  readonly line: number;
  /** Index of the last line before the next header. */
  readonly lastLine: number;
}

/** A name profileOfHeader would return as it is: no space in it, no quote around it. */
const PLAIN_PROFILE_NAME = /^[^\s"'](?:\S*[^\s"'])?$/;

/** The sections of an AWS config file, with the profile each one configures. */
export function parseSections(lines: readonly IniLine[], file: string | undefined): Section[] {
  return scanIniSections(lines, { ...(file ? { file } : {}), what: 'the AWS config' }).map(({ header, keys, line, lastLine }) => {
    // `[profile name]`, by far the most common header (25,000 of them at organisation scale): no regex, no spread.
    if (header.startsWith('profile ') && PLAIN_PROFILE_NAME.test(header.slice(8))) return { profile: header.slice(8), isProfileHeader: true, keys, line, lastLine };
    const profile = profileOfHeader(header, true);
    return profile !== undefined ? { profile, isProfileHeader: header !== 'default', keys, line, lastLine } : { isProfileHeader: false, keys, line, lastLine };
  });
}
