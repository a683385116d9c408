/**
 * `mfa_serial` written into a source's table of the profile map (`xacct mfa enroll`), as a text
 * edit that keeps every other byte: comments, order, quoting, line endings. The result is parsed again before it is
 * used, so an edit that would change anything else, or break the file, is refused instead of written.
 */
import { ConfigError } from '../errors.js';
import { parseProfileMap } from './parse-profile-map.js';
import { TomlLines } from './toml-lines.js';

/** `[sources.identity]`, `[ sources . "identity" ]`, with a comment after it or not. */
function isHeaderOf(line: string, source: string): boolean {
  const name = `(?:${escape(source)}|"${escape(source)}"|'${escape(source)}')`;
  return new RegExp(`^\\s*\\[\\s*sources\\s*\\.\\s*${name}\\s*\\]\\s*(?:#.*)?$`).test(line);
}

/** `identity = {` (an inline table in `[sources]`). */
function inlineTableStart(line: string, source: string): number | undefined {
  const name = `(?:${escape(source)}|"${escape(source)}"|'${escape(source)}')`;
  const m = new RegExp(`^\\s*${name}\\s*=\\s*\\{`).exec(line);
  return m ? m[0].length : undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The profile map's text with `mfa_serial = "<serial>"` in `[sources.<source>]`: inserted after the table's header
 * (or at the start of its inline table), or, when the map has no such source, in a new `[sources.<source>]` at the
 * end. Throws ConfigError naming the file when the table is written in a way this edit does not handle (dotted
 * keys), saying what to add by hand.
 */
export function withMfaSerial(text: string, file: string, source: string, serial: string): string {
  const setting = `mfa_serial = ${JSON.stringify(serial)}`;
  const byHand = () =>
    new ConfigError(`cannot add mfa_serial to source '${source}' of this profile map by itself`, { file, hint: `add this line to [sources.${source}] yourself: ${setting}` });
  const before = parseProfileMap(text, file);
  const eol = text.match(/\r?\n/)?.[0] ?? '\n';
  const lines = text.split(/\n/);
  let edited: string;
  if (!before.sources.has(source)) {
    const tail = text === '' || text.endsWith('\n') ? '' : eol;
    const gap = text === '' || /(?:^|\n)[ \t]*\r?\n$/.test(text) ? '' : eol;
    edited = `${text}${tail}${gap}[sources.${source}]${eol}${setting}${eol}`;
  } else {
    const lineNo = new TomlLines(text).lineOf(['sources', source]);
    const index = lineNo === undefined ? -1 : lineNo - 1;
    const line = (lines[index] ?? '').replace(/\r$/, '');
    const at = inlineTableStart(line, source);
    if (index >= 0 && isHeaderOf(line, source)) {
      lines.splice(index + 1, 0, setting + (eol === '\r\n' ? '\r' : ''));
    } else if (index >= 0 && at !== undefined) {
      const empty = /^\s*\}/.test(line.slice(at));
      lines[index] = `${lines[index]!.slice(0, at)} ${setting}${empty ? ' ' : ','}${lines[index]!.slice(at)}`;
    } else {
      throw byHand();
    }
    edited = lines.join('\n');
  }
  let after;
  try {
    after = parseProfileMap(edited, file);
  } catch {
    throw byHand();
  }
  if (after.sources.get(source)?.mfaSerial !== serial || after.profiles.size !== before.profiles.size) throw byHand();
  return edited;
}
