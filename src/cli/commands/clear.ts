import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('clear')
    .argument('[profile]', "only this profile's role session")
    .description('delete cached sessions (all, without a profile); stored long-term keys stay')
    .action(async (profile: string | undefined) => {
      const [{ clearSessions }, { describeCleared }, { say }] = await Promise.all([
        import('../../app/clear-sessions.js'),
        import('../describe-cleared.js'),
        import('../../app/say.js'),
      ]);
      const { keys, labels } = await clearSessions(process.env, profile ? { profile } : {});
      const what = keys.length === 0 ? `nothing cached${profile ? ` for ${profile}` : ''}` : `cleared ${describeCleared(keys, labels)}`;
      say(what);
    });
}
