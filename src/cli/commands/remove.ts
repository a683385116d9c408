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
  const [keys, { loadProfileMap }, { openSecretStore }, { xacctPaths }] = await Promise.all([
    import('../../app/source-keys.js'),
    import('../../app/load-profile-map.js'),
    import('../../adapters/keychain/index.js'),
    import('../../core/paths.js'),
  ]);
  const map = await loadProfileMap(env);
  const store = await openSecretStore(env, { backend: map.backend });
  const removed = await keys.removeSourceKeys(store, source);
  const where = keys.storeDescription(store, xacctPaths(env).secretsFile);
  process.stderr.write(removed ? `removed the keys of source '${source}' from ${where}\n` : `no keys of source '${source}' were stored in ${where}\n`);
}
