import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('add')
    .description("store a source's long-term keys in the keychain")
    .argument('<source>', 'source of the profile map, e.g. identity')
    .option('--from-aws-profile <name>', 'move the keys of this profile of ~/.aws/credentials into the keychain')
    .option('--remove-plaintext', 'with --from-aws-profile: then delete them from ~/.aws/credentials, keeping every other byte')
    .addHelpText(
      'after',
      `
The keys are read from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when both are set, else asked for on the
terminal (the secret is not echoed). They are never taken from the command line.
With --from-aws-profile they are taken from that profile of ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE),
checked with STS GetCallerIdentity, and stored; --remove-plaintext then deletes their two lines from the file
(and the section when nothing else is left in it). No backup of the old file is kept.`,
    )
    .action(async (source: string, opts: { fromAwsProfile?: string; removePlaintext?: boolean }) => {
      if (opts.fromAwsProfile !== undefined) await moveCommand(source, opts.fromAwsProfile, Boolean(opts.removePlaintext), process.env);
      else if (opts.removePlaintext) {
        const { UsageError } = await import('../../core/errors.js');
        throw new UsageError('--remove-plaintext goes with --from-aws-profile <name>', 'xacct add <source> --from-aws-profile <name> --remove-plaintext');
      } else await addCommand(source, process.env);
    });
}

async function moveCommand(source: string, profile: string, removePlaintext: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  const [{ addFromAwsProfile }, { say, warn }] = await Promise.all([import('../../app/add-from-aws-profile.js'), import('../../app/say.js')]);
  const r = await addFromAwsProfile(env, { source, profile, removePlaintext });
  say(`${r.replaced ? 'replaced' : 'stored'} the keys of source '${source}' (${r.accessKeyId}, ${r.arn}) in ${r.where}, from [${profile}] of ${r.file}`);
  if (r.removed) {
    const lines = r.removed.lines.join(', ');
    say(`removed them from ${r.file} (line${r.removed.lines.length > 1 ? 's' : ''} ${lines}${r.removed.sectionRemoved ? `, and the section [${profile}], which held nothing else` : ''}); no backup was kept`);
    say(`the key was in a plain file until now: 'xacct rotate ${source}' replaces it, so that no old copy of it works`);
  } else {
    say(`the keys are still in ${r.file} too: 'xacct add ${source} --from-aws-profile ${profile} --remove-plaintext' deletes them there`);
  }
  if (r.removed && r.dependentProfiles.length) {
    warn(`${r.dependentProfiles.join(', ')} of the AWS config take source_profile = ${profile}: the AWS CLI alone no longer finds its keys; use them through xacct (xacct exec, or xacct aws-config --write)`);
  }
}

async function addCommand(source: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [{ addSource }, { describeCleared }, { say }] = await Promise.all([
    import('../../app/source-keys.js'),
    import('../describe-cleared.js'),
    import('../../app/say.js'),
  ]);
  const { replaced, accessKeyId, where, retired } = await addSource(env, source);
  process.stderr.write(`${replaced ? 'replaced' : 'stored'} the keys of source '${source}' (${accessKeyId}) in ${where}\n`);
  if (retired.length) say(`retired ${describeCleared(retired, source)}, made with the keys before: the next command takes a new session`);
}
