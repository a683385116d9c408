import type { Command } from 'commander';

interface AwsConfigOptions {
  write?: boolean;
  prune?: boolean;
  command?: string;
}

export function register(program: Command): void {
  program
    .command('aws-config')
    .description('credential_process entries for every profile; --write merges them into ~/.aws/config')
    .option('--write', 'merge them into $AWS_CONFIG_FILE or ~/.aws/config (a backup is kept)')
    .option('--prune', "with --write: also remove xacct's sections for profiles that no longer exist")
    .option('--command <path>', 'how credential_process starts xacct (default: what was written before, else xacct)')
    .addHelpText(
      'after',
      `
Only xacct's own sections are added, updated or (--prune) removed: [profile X] whose only credential setting is
"credential_process = xacct credential-process X". A section of the same name that is the user's is left alone.
A --command once written is kept by later writes until another is given. --prune removes only sections that hold
nothing but what xacct writes (credential_process, region). Role profiles of the AWS config are not listed.`,
    )
    .action(async (opts: AwsConfigOptions) => {
      const [{ awsConfig }, { say }] = await Promise.all([import('../../app/aws-config.js'), import('../../app/say.js')]);
      const outcome = await awsConfig(process.env, {
        write: opts.write ?? false,
        ...(opts.command !== undefined ? { command: opts.command } : {}),
        ...(opts.prune ? { prune: true } : {}),
      });
      if (outcome.kind === 'nothing') {
        say('no profiles to write: the profile map defines none besides the AWS config’s own role profiles');
        return;
      }
      if (outcome.kind === 'shown') {
        process.stdout.write(outcome.text);
        return;
      }
      const result = outcome.write;
      const { file } = result;
      for (const { name, reason } of result.leftAlone) {
        say(`left [profile ${name}] in ${file} alone: ${reason}`);
      }
      for (const name of result.stale) say(`[profile ${name}] in ${file} is no longer in the profile map; xacct aws-config --write --prune removes it`);
      if (!result.changed) {
        say(`${file} is already up to date`);
        return;
      }
      const parts = [
        result.added.length ? `added ${list(result.added)}` : '',
        result.updated.length ? `updated ${list(result.updated)}` : '',
        result.pruned.length ? `removed ${list(result.pruned)}` : '',
      ].filter(Boolean);
      say(`${file}: ${parts.join('; ')}${result.backup ? ` (previous version in ${result.backup})` : ''}`);
    });
}

function list(names: readonly string[]): string {
  return names.join(', ');
}
