/** Statements that set and unset environment variables, for `eval "$(xacct assume <profile> --export)"`. */

export const EXPORT_SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type ExportShell = (typeof EXPORT_SHELLS)[number];

export function isExportShell(name: string): name is ExportShell {
  return (EXPORT_SHELLS as readonly string[]).includes(name);
}

/** The export dialect for a `$SHELL` path: its basename when it is one of ours (pwsh → powershell), else bash. */
export function exportShellFor(shellPath: string | undefined): ExportShell {
  const name = (shellPath ?? '').split(/[\\/]/).pop()?.replace(/\.exe$/i, '').toLowerCase() ?? '';
  if (name === 'pwsh') return 'powershell';
  return isExportShell(name) ? name : 'bash';
}

/**
 * One statement per variable, in the order given: a value sets the variable, `undefined` removes it.
 * Values are single-quoted, so nothing in them ($, `, \, newlines, quotes) is interpreted by the shell.
 * fish runs them with `… | source` and PowerShell with `… | Out-String | Invoke-Expression`: `eval (…)` and a
 * bare `| Invoke-Expression` take one line at a time and would split a multi-line value.
 */
export function exportStatements(vars: Readonly<Record<string, string | undefined>>, shell: ExportShell): string {
  const statement = STATEMENTS[shell];
  let out = '';
  for (const [name, value] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    if (value?.includes('\0')) throw new Error(`${name}: an environment variable cannot hold a NUL character`);
    out += `${statement(name, value)}\n`;
  }
  return out;
}

const STATEMENTS: Record<ExportShell, (name: string, value: string | undefined) => string> = {
  bash: posix,
  zsh: posix,
  // `set -e` of a variable that is not set fails, and `… | source; or …` would see that failure.
  fish: (name, value) => (value === undefined ? `set -e ${name}; or true` : `set -gx ${name} ${fishQuote(value)}`),
  powershell: (name, value) =>
    value === undefined ? `Remove-Item Env:${name} -ErrorAction SilentlyContinue` : `$Env:${name} = ${powershellQuote(value)}`,
};

function posix(name: string, value: string | undefined): string {
  return value === undefined ? `unset ${name}` : `export ${name}=${posixQuote(value)}`;
}

/** POSIX single quotes: nothing inside is special; a quote is closed, escaped and reopened. */
export function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** fish single quotes: only `\\` and `\'` are escapes inside them. */
function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * PowerShell single quotes: a quote is written twice. PowerShell also takes the typographic quotes
 * U+2018..U+201B as single quotes, so those are doubled as well (each pair stands for its second character).
 */
function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;
}
