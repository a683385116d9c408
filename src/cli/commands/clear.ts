import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('clear')
    .argument('[profile]', "only this profile's role session")
    .description('delete cached sessions (all, without a profile); stored long-term keys stay')
    .action(async (profile: string | undefined) => {
      const { clearSessions, describeCleared } = await import('../../app/clear-sessions.js');
      const { keys } = await clearSessions(process.env, profile ? { profile } : {});
      const what = keys.length === 0 ? `nothing cached${profile ? ` for ${profile}` : ''}` : `cleared ${describeCleared(keys)}`;
      process.stderr.write(`xacct: ${what}\n`);
    });
}
