import { Argument, type Command } from 'commander';

export function register(program: Command): void {
  program
    .command('agent')
    .description("the file backend's passphrase agent: show it, or stop it (the encrypted file is locked again)")
    .addArgument(new Argument('[action]', 'status or stop').choices(['status', 'stop']).default('status'))
    .addHelpText(
      'after',
      `
With backend = "file" and no XACCT_FILE_PASSPHRASE, the passphrase typed once unlocks the encrypted file for every
xacct process of yours for file_passphrase_cache unused (10m by default; XACCT_FILE_PASSPHRASE_CACHE overrides it,
0 turns the agent off), and at most 2h after it was typed (or file_passphrase_cache, when that is longer). The agent
keeps the derived key in memory, never the passphrase.`,
    )
    .action(async (action: 'status' | 'stop') => {
      const [{ agentReport, stopAgent }, { say }, { formatDuration }] = await Promise.all([
        import('../../app/passphrase-agent.js'),
        import('../../app/say.js'),
        import('../../core/duration.js'),
      ]);
      const env = process.env;
      if (action === 'stop') {
        say((await stopAgent(env)) ? 'stopped the passphrase agent; the encrypted file is locked' : 'no passphrase agent was running');
        return;
      }
      const r = await agentReport(env);
      if (r.problem) say(`the passphrase agent is not used: ${r.problem}`);
      else if (!r.running) say(`no passphrase agent is running (${r.socket})`);
      else {
        const held = r.keys.length === 0 ? 'no unlocked file' : r.keys.map((s) => `a file unlocked for ${formatDuration(s)} more`).join(', ');
        say(`passphrase agent ${r.pid} on ${r.socket}: ${held}`);
      }
    });
}
