import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('add')
    .description("store a source's long-term keys in the keychain")
    .argument('<source>', 'source of the profile map, e.g. identity')
    .addHelpText(
      'after',
      `
The keys are read from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when both are set, else asked for on the
terminal (the secret is not echoed). They are never taken from the command line.`,
    )
    .action(async (source: string) => {
      await addCommand(source, process.env);
    });
}

async function addCommand(source: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [keys, { loadProfileMap }, { openSecretStore }, { xacctPaths }] = await Promise.all([
    import('../../app/source-keys.js'),
    import('../../app/load-profile-map.js'),
    import('../../adapters/keychain/index.js'),
    import('../../core/paths.js'),
  ]);
  const map = await loadProfileMap(env);
  keys.checkSourceName(source, map);
  // Keys given in the environment are checked first: a usage error (exit 2) whatever the state of the keychain.
  const fromEnv = keys.accessKeysFromEnv(env);
  if (fromEnv) keys.checkAccessKeys(fromEnv);
  const store = await openSecretStore(env, { backend: map.backend });
  const given = fromEnv ?? (await askForKeys(source));
  const { replaced } = await keys.addSourceKeys(store, source, given);
  const where = keys.storeDescription(store, xacctPaths(env).secretsFile);
  process.stderr.write(`${replaced ? 'replaced' : 'stored'} the keys of source '${source}' (${given.accessKeyId}) in ${where}\n`);
}

async function askForKeys(source: string) {
  const [{ askOnTerminal }, { checkAccessKeyId, checkSecretAccessKey }, { XacctError }] = await Promise.all([
    import('../../adapters/prompt/inquirer-on-tty.js'),
    import('../../app/source-keys.js'),
    import('../../core/errors.js'),
  ]);
  const [accessKeyId = '', secretAccessKey = ''] = await askOnTerminal(
    [
      { message: `Access key id of source '${source}':`, validate: checkAccessKeyId },
      { message: 'Secret access key:', secret: true, validate: checkSecretAccessKey },
    ],
    () =>
      new XacctError(`no terminal to ask for the keys of source '${source}'`, {
        hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run xacct add in a terminal',
      }),
  );
  return { accessKeyId, secretAccessKey };
}
