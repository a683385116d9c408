/**
 * Best-effort line numbers of TOML tables and keys, for messages that name `file:line`.
 * smol-toml returns plain values without positions, so the text is scanned once more here: table headers,
 * `key = value` lines (dotted and quoted keys) and the keys of single-line inline tables.
 */
export class TomlLines {
  private readonly lines = new Map<string, number>();

  constructor(text: string) {
    let table: string[] = [];
    let inMultiline: string | undefined;
    text.split(/\r?\n/).forEach((raw, index) => {
      const lineNo = index + 1;
      if (inMultiline) {
        if (countOf(raw, inMultiline) % 2 === 1) inMultiline = undefined;
        return;
      }
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      if (line.startsWith('[')) {
        const open = line.startsWith('[[') ? 2 : 1;
        const key = readKey(line, open);
        if (key) {
          table = key.parts;
          this.record(table, lineNo);
        }
        return;
      }
      const key = readKey(line, 0);
      if (!key || line[key.end] !== '=') return;
      const path = [...table, ...key.parts];
      this.record(path, lineNo);
      const value = line.slice(key.end + 1);
      // Most values are plain strings: skip the scans that cannot find anything in them.
      if (value.includes('{')) this.recordInlineKeys(path, value, lineNo);
      for (const quote of ['"""', "'''"]) if (value.includes(quote) && countOf(value, quote) % 2 === 1) inMultiline = quote;
    });
  }

  /** The line of `path`, else of its closest ancestor that was found, else undefined. */
  lineOf(path: readonly string[]): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.exactLine(path.slice(0, n));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /** The line of `path` itself, undefined when this file does not write it. */
  exactLine(path: readonly string[]): number | undefined {
    return this.lines.get(path.join('\u0000'));
  }

  /** Records `path` and its ancestors not seen yet (`[a.b]` also defines `a`). */
  private record(path: readonly string[], line: number): void {
    for (let n = 1; n <= path.length; n++) {
      const k = path.slice(0, n).join('\u0000');
      if (!this.lines.has(k)) this.lines.set(k, line);
    }
  }

  private recordInlineKeys(path: string[], value: string, line: number): void {
    const stack: string[][] = [];
    let current = path;
    let expectKey = false;
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (c === '"' || c === "'") {
        i = skipString(value, i);
        continue;
      }
      if (c === '{') {
        stack.push(current);
        expectKey = true;
      } else if (c === '}') {
        current = stack.pop() ?? path;
        expectKey = false;
      } else if (c === ',' && stack.length) {
        current = stack[stack.length - 1]!;
        expectKey = true;
      } else if (expectKey && !/\s/.test(c)) {
        expectKey = false;
        const key = readKey(value, i);
        if (key && value[key.end] === '=') {
          current = [...stack[stack.length - 1]!, ...key.parts];
          this.record(current, line);
          i = key.end;
        }
      }
    }
  }
}

/** A (dotted, bare or quoted) key starting at `from`; `end` is the index of the first non-blank after it. */
function readKey(s: string, from: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = skipBlanks(s, from);
  for (;;) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const end = skipString(s, i);
      const body = s.slice(i + 1, end);
      parts.push(c === '"' ? body.replace(/\\(["\\])/g, '$1') : body);
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return undefined;
      parts.push(m[0]);
      i += m[0].length;
    }
    i = skipBlanks(s, i);
    if (s[i] !== '.') return { parts, end: i };
    i = skipBlanks(s, i + 1);
  }
}

/** Index of the closing quote of the string opened at `start` (or the last index when unterminated). */
function skipString(s: string, start: number): number {
  const quote = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') i++;
    else if (s[i] === quote) return i;
  }
  return s.length - 1;
}

function skipBlanks(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}

function countOf(s: string, sub: string): number {
  return s.split(sub).length - 1;
}
