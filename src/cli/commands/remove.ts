import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('remove')
    .description("delete a source's long-term keys from the keychain")
    .argument('<source>', 'source whose stored keys to delete')
    .action(async (source: string) => {
      await removeCommand(source, process.env);
    });
}

async function removeCommand(source: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [{ removeSource }, { describeCleared }, { say }] = await Promise.all([
    import('../../app/source-keys.js'),
    import('../describe-cleared.js'),
    import('../../app/say.js'),
  ]);
  const { removed, where, retired } = await removeSource(env, source);
  process.stderr.write(removed ? `removed the keys of source '${source}' from ${where}\n` : `no keys of source '${source}' were stored in ${where}\n`);
  if (retired.length) say(`retired ${describeCleared(retired, source)}, made with those keys`);
}
