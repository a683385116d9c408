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
    if (!key && HEADER_START.test(content)) throw badHeader(content, where, i);
    if (!key) throw new ConfigError(`this line of ${where.what} is not a setting (key = value) nor a [section]`, at(where, i));
    if (!current) throw new ConfigError(`a setting before the first [section] of ${where.what}`, at(where, i));
    lastKey = { key: key[1]!.toLowerCase(), value: key[2]!, line: i, lastLine: i };
    current.keys.push(lastKey);
  });
  return sections;
}

/** `fix`: the hint for a line the AWS CLI may read; without it, the caller's hint (or one saying the CLI cannot read it either). */
function at(where: { file?: string; hint?: string }, index: number, fix?: string): { file?: string; line: number; hint: string } {
  const hint = fix ? (where.hint === undefined ? `${fix}; nothing was written` : fix) : (where.hint ?? 'fix the file (the AWS CLI cannot read it either); nothing was written');
  return { ...(where.file ? { file: where.file } : {}), line: index + 1, hint };
}

/**
 * A line that starts as a [section] header but is not one xacct reads (HEADER: no "]" inside the name, only a
 * comment after it). The AWS tools do not read such a line alike: botocore's configparser (the AWS CLI) takes the
 * name up to the LAST "]" of the line and ignores what follows (`[profile a]b]` is profile `a]b`, `[profile a] x`
 * is profile `a`); the JS SDK's loader takes a header only when the line without its comment ends with "]", and in
 * the config file skips a `[profile …]` whose name has a "]". So it is refused, saying what is wrong and not that
 * the AWS CLI fails.
 */
function badHeader(content: string, where: { file?: string; what: string; hint?: string }, index: number): ConfigError {
  const uncommented = content.split(/(?:^|\s)[#;]/)[0]!.trim();
  const rename = 'rename the section: no "]" inside its name, nothing but a comment after it';
  if (uncommented.endsWith(']')) {
    return new ConfigError(
      `this section header of ${where.what} has a "]" inside its name, which the AWS tools do not read alike (the AWS CLI takes the name up to the last "]")`,
      at(where, index, rename),
    );
  }
  if (content.includes(']')) {
    return new ConfigError(`this section header of ${where.what} has text after its "]" that is not a comment, which the AWS tools do not read alike`, at(where, index, rename));
  }
  return new ConfigError(`this line of ${where.what} starts with "[" but no "]" ends a section name on it`, at(where, index, 'end the section name with "]"'));
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
