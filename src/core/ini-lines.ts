/**
 * The AWS config and credentials files as lines and sections, as botocore's configparser reads them, for edits
 * that keep every other byte: each line keeps its own line ending, and each setting knows its line.
 */
import { ConfigError } from './errors.js';

export interface IniLine {
  readonly content: string;
  /** "\n", "\r\n", or "" for a last line without one. */
  readonly eol: string;
}

export function splitLines(text: string): IniLine[] {
  const lines: IniLine[] = [];
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push({ content: text.slice(start), eol: '' });
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    lines.push({ content: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return lines;
}

export function joinLines(lines: readonly IniLine[]): string {
  return lines.map((l) => l.content + l.eol).join('');
}

export interface IniSetting {
  /** Lower-cased, as configparser makes it. */
  readonly key: string;
  readonly value: string;
  /** Index of its line. */
  readonly line: number;
  /** Index of its last line: indented lines after a setting continue its value. */
  lastLine: number;
}

export interface IniSection {
  /** The text between the brackets, trimmed: `profile x`, `default`, `identity`. */
  readonly header: string;
  /** Index of the header's line. */
  readonly line: number;
  /** Index of the last line before the next header (or the end of the file). */
  lastLine: number;
  readonly keys: IniSetting[];
}

const HEADER_START = /^\s*\[/;
const HEADER = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/;
const BLANK_OR_COMMENT = /^\s*(?:[#;]|$)/;
const SETTING = /^\s*([^=:\s[][^=:]*?)\s*[=:]\s*(.*?)\s*$/;

/**
 * The sections and their top-level settings. A line that is neither a setting, a header, a comment nor blank is a
 * ConfigError naming file:line — never quoted: such a file may hold keys, and that line may be a pasted secret.
 */
export function scanIniSections(lines: readonly IniLine[], where: { file?: string; what: string; lenient?: boolean; hint?: string }): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let lastKey: IniSetting | undefined;
  lines.forEach(({ content }, i) => {
    // Cheap tests first: these run once per line of files with 100,000 lines (aws-config --write at scale).
    const header = HEADER_START.test(content) ? HEADER.exec(content) : null;
    if (current && !header) current.lastLine = i;
    if (BLANK_OR_COMMENT.test(content)) return;
    if (header) {
      current = { header: header[1]!.trim(), line: i, lastLine: i, keys: [] };
      sections.push(current);
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(content) && lastKey) {
      lastKey.lastLine = i;
      return;
    }
    const key = SETTING.exec(content);
    // Lenient (for line numbers of messages): what the AWS SDK's own loader skips is skipped here too.
    if ((!key || !current) && where.lenient) return;
    if (!key) throw new ConfigError(`this line of ${where.what} is not a setting (key = value) nor a [section]`, at(where, i));
    if (!current) throw new ConfigError(`a setting before the first [section] of ${where.what}`, at(where, i));
    lastKey = { key: key[1]!.toLowerCase(), value: key[2]!, line: i, lastLine: i };
    current.keys.push(lastKey);
  });
  return sections;
}

function at(where: { file?: string; hint?: string }, index: number): { file?: string; line: number; hint: string } {
  return { ...(where.file ? { file: where.file } : {}), line: index + 1, hint: where.hint ?? 'fix the file (the AWS CLI cannot read it either); nothing was written' };
}

/**
 * The profile of a section header: X of `[profile X]` and `default` of `[default]` in the config file (other
 * sections, `[sso-session x]`…, are no profile), the header itself in the credentials file.
 */
export function profileOfHeader(header: string, isConfigFile: boolean): string | undefined {
  if (!isConfigFile) return header;
  const profile = /^profile\s+(.+)$/.exec(header)?.[1] ?? (header === 'default' ? 'default' : undefined);
  return profile?.trim().replace(/^["']|["']$/g, '');
}

/** The line (counted from 1) of each profile's first section header, for messages that name file:line. */
export function profileLines(text: string, isConfigFile: boolean): Map<string, number> {
  const lines = new Map<string, number>();
  for (const section of scanIniSections(splitLines(text), { what: 'the file', lenient: true })) {
    const profile = profileOfHeader(section.header, isConfigFile);
    if (profile !== undefined && !lines.has(profile)) lines.set(profile, section.line + 1);
  }
  return lines;
}
