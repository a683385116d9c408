/** `xacct aws-config [--write]`: the credential_process entries of the profile map, shown or merged into the AWS config. */
import type { AwsConfigWrite } from '../adapters/config-files/aws-config-writer.js';
import { awsConfigEntries, renderAwsConfigEntries } from '../core/aws-config-entries.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { xacctPaths, type Env } from '../core/paths.js';
import { loadProfileMap } from './load-profile-map.js';

export type AwsConfigOutcome =
  /** The profile map defines no profile besides the AWS config's own role profiles. */
  | { readonly kind: 'nothing' }
  /** Without --write: the entries, as they would be written. */
  | { readonly kind: 'shown'; readonly text: string }
  /** With --write: what the merge did to the file. */
  | { readonly kind: 'written'; readonly write: AwsConfigWrite };

export interface AwsConfigOptions {
  readonly write: boolean;
  /** --command; absent: the one xacct's sections already run is kept (else `xacct`). */
  readonly command?: string;
  /** --prune (with --write): remove xacct's sections for profiles the map no longer has. */
  readonly prune?: boolean;
}

export async function awsConfig(env: Env, options: AwsConfigOptions): Promise<AwsConfigOutcome> {
  if (options.prune && !options.write) throw new UsageError('--prune goes with --write: it removes entries from the AWS config', 'run: xacct aws-config --write --prune');
  // Entries are for the profile map's own profiles: the AWS config's role profiles already are profiles there.
  const map = await loadProfileMap(env, { awsFiles: false });
  const paths = xacctPaths(env);
  const file = paths.awsConfig;
  // No profile map at all (not synced to this machine yet, XDG_CONFIG_HOME set elsewhere): every entry would look
  // stale, and pruning would remove them all.
  if (options.prune && map.files.length === 0) {
    throw new ConfigError(`no profile map at ${paths.profileMap}: --prune would remove every entry xacct wrote in ${file}`, {
      hint: 'put the profile map in place first (or set XACCT_CONFIG to it); nothing was written',
    });
  }
  // Likewise a map whose accounts come from AWS Organizations before the first `xacct sync` on this machine.
  if (options.prune && map.organization && !map.organization.synced) {
    throw new ConfigError(`the profile map has [organization] but no accounts synced yet: --prune would remove the entries of every synced account in ${file}`, {
      hint: 'run xacct sync first; nothing was written',
    });
  }
  const writer = await import('../adapters/config-files/aws-config-writer.js');
  if (!options.write) {
    const entries = awsConfigEntries(map.profiles.values(), options.command ?? (await writer.keptAwsConfigCommand(file)));
    return entries.length === 0 ? { kind: 'nothing' } : { kind: 'shown', text: renderAwsConfigEntries(entries) };
  }
  const entries = awsConfigEntries(map.profiles.values(), options.command);
  // With no profile left, --prune still has xacct's old sections to remove.
  if (entries.length === 0 && !options.prune) return { kind: 'nothing' };
  return {
    kind: 'written',
    write: await writer.writeAwsConfigEntries(file, entries, { ...(options.command !== undefined ? { command: options.command } : {}), prune: options.prune ?? false }),
  };
}
