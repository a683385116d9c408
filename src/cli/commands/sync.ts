import type { Command } from 'commander';
import type { SyncReport } from '../../app/sync-organization.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

interface SyncOptions extends CredentialOptions {
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('sync')
      .description('fill the accounts from AWS Organizations ([organization] of the profile map)')
      .option('--dry-run', 'print what would be added, removed and renamed; change nothing')
      .option('--json', 'print the changes as JSON instead of lines')
      .addHelpText(
        'after',
        `
Lists the organization's ACTIVE accounts with the credentials of the profile [organization] via names, and writes
them to $XDG_DATA_HOME/xacct/organization.toml, which the profile map reads as part of [accounts]. Accounts you
write in [accounts] yourself win over synced ones of the same name or id. A sync that finds no change writes
nothing. On stdout, one line per change: "+ name id", "- name id", "~ old -> new id".`,
      ),
  ).action(async (opts: SyncOptions) => {
    const [{ syncOrganization }, { say, warn }] = await Promise.all([import('../../app/sync-organization.js'), import('../../app/say.js')]);
    const report = await syncOrganization(process.env, { ...credentialRequest(undefined, opts), dryRun: Boolean(opts.dryRun) });
    process.stdout.write(opts.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : changeLines(report));
    for (const line of messages(report)) say(line);
    for (const line of warnings(report)) warn(line);
  });
}

/** One line per change, sorted within each kind by name. */
export function changeLines(r: SyncReport): string {
  const { added, removed, renamed } = r.plan;
  const awsName = (n: string | undefined, name: string) => (n !== undefined && n !== name ? `  ${n}` : '');
  return [
    ...added.map((a) => `+ ${a.name} ${a.id}${awsName(a.awsName, a.name)}\n`),
    ...removed.map((a) => `- ${a.name} ${a.id}\n`),
    ...renamed.map((x) => `~ ${x.from} -> ${x.to} ${x.id}\n`),
  ].join('');
}

export function reportJson(r: SyncReport) {
  return {
    file: r.file,
    via: r.via,
    organizationId: r.organization?.id ?? null,
    listed: r.listed,
    accounts: r.plan.accounts.length,
    inactive: r.plan.inactive,
    excluded: r.plan.excluded.map(({ name, id }) => ({ name, id })),
    added: r.plan.added.map(({ name, id, awsName }) => ({ name, id, awsName: awsName ?? null })),
    removed: r.plan.removed.map(({ name, id }) => ({ name, id })),
    renamed: r.plan.renamed,
    shadowed: r.shadowed.map((s) => ({ name: s.account.name, id: s.account.id, by: s.by })),
    dropped: r.dropped.map((p) => ({ profile: p.profile, account: p.account.name, by: p.by })),
    brokenAwsConfigEntries: r.broken,
    changed: r.changed,
    written: r.written,
    dryRun: r.dryRun,
  };
}

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

function messages(r: SyncReport): string[] {
  const { plan } = r;
  const org = r.organization ? `organization ${r.organization.id}` : 'the organization';
  const aside = [plan.inactive ? `${plan.inactive} not active` : '', plan.excluded.length ? `${plan.excluded.length} left out by exclude` : ''].filter(Boolean);
  const lines = [`${org}: ${count(r.listed, 'account')} listed through ${r.via}${aside.length ? ` (${aside.join(', ')})` : ''}`];
  for (const s of r.shadowed) {
    lines.push(`your own account '${s.by.name}' (${s.by.definedAt}) wins over the organization's '${s.account.name}' (${s.account.id})`);
  }
  for (const p of r.dropped) lines.push(`left out profile '${p.profile}' of synced account '${p.account.name}': ${p.by} has that name`);
  const changes = `${plan.added.length} added, ${plan.removed.length} removed, ${plan.renamed.length} renamed`;
  if (!r.changed) lines.push(`no change: ${r.file} is left as it is (${count(plan.accounts.length, 'account')})`);
  else if (r.dryRun) lines.push(`dry run: ${changes}; ${r.file} is not written`);
  else lines.push(`${changes}: wrote ${r.file} (${count(plan.accounts.length, 'account')})`);
  return lines;
}

function warnings(r: SyncReport): string[] {
  const lines: string[] = [];
  if (r.previousUnreadable) lines.push(`the previous ${r.file} could not be read (${r.previousUnreadable}); ${r.dryRun ? 'a sync would replace it' : 'replaced it'}`);
  for (const b of r.broken) {
    const now = r.dryRun ? 'would remove' : 'removed';
    lines.push(
      `[profile ${b.awsProfile}] of the AWS config runs xacct credential-process ${b.target}, which this sync ${now}${b.becomes ? ` (it is ${b.becomes} now)` : ''}: run xacct aws-config --write --prune to tidy the entries`,
    );
  }
  return lines;
}
