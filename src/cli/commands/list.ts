import type { Command } from 'commander';
import cacheEntry from '../../core/cache-entry.cjs';
import { formatDuration } from '../../core/duration.js';
import { oneLine, terminalSafeJson } from '../../core/one-line.js';
import type { Env } from '../../core/paths.js';
import { xacctPaths } from '../../core/paths.js';
import type { ProfileMap, ProfilePlan } from '../../core/profile-map/types.js';
import type { SessionTimeLeft } from '../../app/session-times.js';

const { secondsLeft } = cacheEntry;

/** One row of `xacct list --json`: stable camelCase keys, null for what is not set. */
export interface ListEntry {
  readonly name: string;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly roleArn: string;
  readonly roleName: string;
  readonly source: string;
  /** The profile whose role session this one is assumed from (role chaining in ~/.aws/config). */
  readonly parent: string | null;
  readonly mfaSerial: string | null;
  readonly region: string | null;
  readonly durationSeconds: number;
  readonly origin: ProfilePlan['origin'];
  readonly session: { readonly secondsLeft: number; readonly expiresAt: string; readonly stale: boolean } | null;
}

export function register(program: Command): void {
  program
    .command('list')
    .description('every profile: name, account, role ARN, source, MFA, cached session time left')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (opts: { json?: boolean }) => {
      const env = process.env;
      const [{ loadProfileMap }, { cachedSessionLookup }, { say }, { notShownBefore }] = await Promise.all([
        import('../../app/load-profile-map.js'),
        import('../../app/session-times.js'),
        import('../../app/say.js'),
        import('../../app/notices.js'),
      ]);
      const map = await loadProfileMap(env);
      const found = map.profiles.size > 0 ? await cachedSessionLookup(env, map) : {};
      const entries = await listEntries(map, found.lookup);
      // Said once each, not on every call (the SESSION column keeps saying "unknown"); doctor says them always.
      const { always, once } = opts.json ? { always: [], once: [] } : notes(map, env);
      if (found.warning) once.unshift(`warning: ${found.warning}`);
      const fresh = await notShownBefore(env, once);
      for (const note of [...always, ...fresh]) say(note);
      if (fresh.length) say(`${fresh.length === 1 ? 'this note is' : 'these notes are'} shown once; xacct doctor tells ${fresh.length === 1 ? 'it' : 'them'} every time`);
      if (opts.json) {
        process.stdout.write(`${terminalSafeJson(entries, 2)}\n`);
        return;
      }
      if (entries.length) process.stdout.write(formatTable(entries, found.lookup !== undefined));
    });
}

/** The rows, sorted by name (the map is). */
export async function listEntries(map: ProfileMap, sessionTimeLeft?: SessionTimeLeft, now: Date = new Date()): Promise<ListEntry[]> {
  return Promise.all(
    [...map.profiles.values()].map(async (p) => {
      const cached = sessionTimeLeft ? await sessionTimeLeft(p) : null;
      return {
        name: p.name,
        accountId: p.accountId,
        accountName: p.accountName ?? null,
        roleArn: p.roleArn,
        roleName: p.roleName,
        source: p.source.name,
        parent: p.parent?.name ?? null,
        mfaSerial: p.source.mfaSerial ?? null,
        region: p.region ?? null,
        durationSeconds: p.durationSeconds,
        origin: p.origin,
        session: cached && {
          secondsLeft: secondsLeft({ expiration: cached.expiresAt }, now),
          expiresAt: cached.expiresAt.toISOString(),
          stale: cached.stale,
        },
      };
    }),
  );
}

/** Columns PROFILE ACCOUNT ROLE-ARN SOURCE MFA SESSION, separated by two spaces. */
export function formatTable(entries: readonly ListEntry[], sessionsKnown: boolean): string {
  const header = ['PROFILE', 'ACCOUNT', 'ROLE ARN', 'SOURCE', 'MFA', 'SESSION'];
  const rows = entries.map((e) => [
    e.name,
    e.accountName ? `${e.accountName} (${e.accountId})` : e.accountId,
    e.roleArn,
    e.parent ? `via ${e.parent}` : e.source,
    e.mfaSerial ?? '-',
    sessionColumn(e, sessionsKnown),
  ].map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((cells) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n').join('');
}

function sessionColumn(e: ListEntry, sessionsKnown: boolean): string {
  if (!sessionsKnown) return 'unknown';
  if (!e.session) return '-';
  if (e.session.secondsLeft <= 0) return 'expired';
  if (e.session.stale) return 'stale';
  return formatDuration(Math.ceil(e.session.secondsLeft / 60) * 60);
}

/**
 * What a person should know about where the profiles came from (stderr, table mode only): `always` on every call
 * (there is nothing to list), `once` the first time each is true (see app/notices.ts).
 */
function notes(map: ProfileMap, env: Env): { always: string[]; once: string[] } {
  const paths = xacctPaths(env);
  const always: string[] = [];
  const once: string[] = [];
  if (map.profiles.size === 0) {
    always.push(
      map.profileMapFile
        ? `no profiles: ${map.profileMapFile} defines no account × role pair or [profiles.X], and ${paths.awsConfig} has no role profiles`
        : `no profiles: there is no profile map at ${paths.profileMap} (set XACCT_CONFIG to use another file), and ${paths.awsConfig} has no role profiles`,
    );
  } else if (!map.profileMapFile) {
    once.push(`no profile map at ${paths.profileMap}: showing the role profiles of ${paths.awsConfig}`);
  }
  for (const err of map.unusableAwsProfiles?.values() ?? []) once.push(`not listed: ${err.message}`);
  return { always, once };
}
