/**
 * organization.toml, the file `xacct sync` writes in $XDG_DATA_HOME/xacct/ and the profile map reads as part of
 * `[accounts]`: the one definition of its format (written here, read here).
 *
 * Reading it is on the path of every command that resolves a profile, and a TOML parser takes ~90 ms for 5,000
 * lines in a fresh process; so the lines this module itself writes are read with one regular expression, and
 * only a file that someone edited otherwise goes to the TOML parser.
 */
import { parse, TomlError } from 'smol-toml';
import { isAccountId } from '../arn.js';
import { ConfigError } from '../errors.js';
import { NAME } from '../profile-map/checks.js';
import { byName } from './plan-sync.js';
import type { SyncedAccount } from './types.js';

export const ORGANIZATION_FILE_VERSION = 1;

/** What organization.toml holds. */
export interface OrganizationFile {
  readonly organizationId?: string;
  readonly managementAccountId?: string;
  /** The `[organization]` settings the sync used. */
  readonly via?: string;
  readonly includeOus: readonly string[];
  readonly exclude: readonly string[];
  /** When the sync that wrote it ran (ISO 8601). */
  readonly syncedAt?: string;
  /** Sorted by name. */
  readonly accounts: readonly SyncedAccount[];
}

const HEADER = [
  '# Written by `xacct sync`; do not edit: the next sync replaces this file.',
  '# The profile map reads [accounts] below as if its own [accounts] held them; an account that the profile map',
  '# itself names (by name or id) wins over the one here.',
];

/** A comment shows the account's Name as AWS has it; only printable ASCII (AWS allows no more), never a line break. */
function commentText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

const quote = (s: string) => JSON.stringify(s);

export function renderOrganizationFile(f: OrganizationFile): string {
  const list = (values: readonly string[]) => `[${values.map(quote).join(', ')}]`;
  const lines = [
    ...HEADER,
    '',
    '[organization]',
    `version = ${ORGANIZATION_FILE_VERSION}`,
    ...(f.organizationId ? [`id = ${quote(f.organizationId)}`] : []),
    ...(f.managementAccountId ? [`management_account = ${quote(f.managementAccountId)}`] : []),
    ...(f.via ? [`via = ${quote(f.via)}`] : []),
    `include_ous = ${list(f.includeOus)}`,
    `exclude = ${list(f.exclude)}`,
    ...(f.syncedAt ? [`synced_at = ${quote(f.syncedAt)}`] : []),
    `accounts = ${f.accounts.length}`,
    '',
    '[accounts]',
    ...[...f.accounts].sort(byName).map((a) => `${a.name} = "${a.id}"${a.awsName !== undefined && a.awsName !== a.name ? ` # ${commentText(a.awsName)}` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Whether two files hold the same thing, the time of the sync aside: a sync that changes nothing writes nothing. */
export function sameContent(a: OrganizationFile, b: OrganizationFile): boolean {
  return renderOrganizationFile({ ...a, syncedAt: undefined }) === renderOrganizationFile({ ...b, syncedAt: undefined });
}

/** An account line exactly as renderOrganizationFile writes it. */
const ACCOUNT_LINE = /^([a-z0-9][a-z0-9-]{0,127}) = "(\d{12})"(?: # ([\x20-\x7e]*))?$/;

/**
 * Reads organization.toml. Throws ConfigError naming `file` and the line when it is not a file of this format
 * (an invalid name, a bad id, a name twice).
 */
export function parseOrganizationFile(text: string, file: string): OrganizationFile {
  return fastParse(text, file) ?? tomlParse(text, file);
}

/** The file as written by this module, or undefined when any line is not (then the TOML parser decides). */
function fastParse(text: string, file: string): OrganizationFile | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf('[accounts]');
  if (start < 0) return undefined;
  const head = lines.slice(0, start).join('\n');
  let settings: Record<string, unknown>;
  try {
    settings = parse(head);
  } catch {
    return undefined;
  }
  const accounts: SyncedAccount[] = [];
  const seen = new Set<string>();
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) break;
    const m = ACCOUNT_LINE.exec(line);
    if (!m || seen.has(m[1]!)) return undefined;
    seen.add(m[1]!);
    accounts.push({ name: m[1]!, id: m[2]!, ...(m[3] !== undefined ? { awsName: m[3] } : {}), line: i + 1 });
  }
  return fromSettings(settings.organization, accounts, file, () => undefined);
}

function tomlParse(text: string, file: string): OrganizationFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    if (err instanceof TomlError) throw new ConfigError(`invalid TOML: ${(err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '')}`, { file, line: err.line, hint: RESYNC });
    throw err;
  }
  const keyLines = new Map<string, number>();
  text.split(/\r?\n/).forEach((l, i) => {
    const key = /^\s*["']?([\w.@+-]+)["']?\s*=/.exec(l)?.[1];
    if (key !== undefined && !keyLines.has(key)) keyLines.set(key, i + 1);
  });
  const lineOf = (key: string): number | undefined => keyLines.get(key);
  const table = doc.accounts ?? {};
  if (!isPlainTable(table)) throw new ConfigError('[accounts] must be a table', { file, hint: RESYNC });
  const accounts: SyncedAccount[] = [];
  for (const [name, id] of Object.entries(table)) {
    if (!NAME.test(name)) throw new ConfigError(`invalid account name '${name}': use ${NAME.expected}`, { file, line: lineOf(name), hint: RESYNC });
    if (typeof id !== 'string' || !isAccountId(id)) throw new ConfigError(`the id of account '${name}' must be 12 digits in a string`, { file, line: lineOf(name), hint: RESYNC });
    accounts.push({ name, id, ...(lineOf(name) ? { line: lineOf(name)! } : {}) });
  }
  return fromSettings(doc.organization, accounts.sort(byName), file, lineOf);
}

const RESYNC = 'this file is written by xacct sync: run xacct sync to write it afresh';

function fromSettings(org: unknown, accounts: SyncedAccount[], file: string, lineOf: (key: string) => number | undefined): OrganizationFile {
  const o = isPlainTable(org) ? org : {};
  const str = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
  const strings = (key: string): string[] => (Array.isArray(o[key]) ? (o[key] as unknown[]).filter((v): v is string => typeof v === 'string') : []);
  const version = o.version;
  if (version !== undefined && version !== ORGANIZATION_FILE_VERSION) {
    throw new ConfigError(`organization file version ${String(version)} is not one this xacct reads`, { file, line: lineOf('version'), hint: RESYNC });
  }
  const ids = new Map<string, string>();
  for (const a of accounts) {
    const other = ids.get(a.id);
    if (other !== undefined) throw new ConfigError(`account ${a.id} is listed twice: as '${other}' and as '${a.name}'`, { file, line: lineOf(a.name), hint: RESYNC });
    ids.set(a.id, a.name);
  }
  return {
    organizationId: str('id'),
    managementAccountId: str('management_account'),
    via: str('via'),
    includeOus: strings('include_ous'),
    exclude: strings('exclude'),
    syncedAt: str('synced_at'),
    accounts,
  };
}

function isPlainTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
