import type { Command } from 'commander';

interface AwsConfigOptions {
  write?: boolean;
  command: string;
}

export function register(program: Command): void {
  program
    .command('aws-config')
    .description('credential_process entries for every profile; --write merges them into ~/.aws/config')
    .option('--write', 'merge them into $AWS_CONFIG_FILE or ~/.aws/config (a backup is kept)')
    .option('--command <path>', 'how credential_process starts xacct', 'xacct')
    .addHelpText(
      'after',
      `
Only xacct's own sections are added or updated: [profile X] whose only credential setting is
"credential_process = xacct credential-process X". A section of the same name that is the user's is left alone.
Profiles that are role profiles of the AWS config already are not listed.`,
    )
    .action(async (opts: AwsConfigOptions) => {
      const [{ awsConfig }, { say }] = await Promise.all([import('../../app/aws-config.js'), import('../../app/say.js')]);
      const outcome = await awsConfig(process.env, { write: opts.write ?? false, command: opts.command });
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
      for (const name of result.stale) say(`[profile ${name}] in ${file} is no longer in the profile map; remove it if unused`);
      if (!result.changed) {
        say(`${file} is already up to date`);
        return;
      }
      const parts = [
        result.added.length ? `added ${list(result.added)}` : '',
        result.updated.length ? `updated ${list(result.updated)}` : '',
      ].filter(Boolean);
      say(`${file}: ${parts.join('; ')}${result.backup ? ` (previous version in ${result.backup})` : ''}`);
    });
}

function list(names: readonly string[]): string {
  return names.join(', ');
}
