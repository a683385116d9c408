/** `xacct aws-config [--write]`: the credential_process entries of the profile map, shown or merged into the AWS config. */
import type { AwsConfigWrite } from '../adapters/config-files/aws-config-writer.js';
import { awsConfigEntries, renderAwsConfigEntries } from '../core/aws-config-entries.js';
import { xacctPaths, type Env } from '../core/paths.js';
import { loadProfileMap } from './load-profile-map.js';

export type AwsConfigOutcome =
  /** The profile map defines no profile besides the AWS config's own role profiles. */
  | { readonly kind: 'nothing' }
  /** Without --write: the entries, as they would be written. */
  | { readonly kind: 'shown'; readonly text: string }
  /** With --write: what the merge did to the file. */
  | { readonly kind: 'written'; readonly write: AwsConfigWrite };

export async function awsConfig(env: Env, options: { write: boolean; command: string }): Promise<AwsConfigOutcome> {
  // Entries are for the profile map's own profiles: the AWS config's role profiles already are profiles there.
  const map = await loadProfileMap(env, { awsFiles: false });
  const entries = awsConfigEntries(map.profiles.values(), options.command);
  if (entries.length === 0) return { kind: 'nothing' };
  if (!options.write) return { kind: 'shown', text: renderAwsConfigEntries(entries) };
  const { writeAwsConfigEntries } = await import('../adapters/config-files/aws-config-writer.js');
  return { kind: 'written', write: await writeAwsConfigEntries(xacctPaths(env).awsConfig, entries, { command: options.command }) };
}
