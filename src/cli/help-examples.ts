import type { Command } from 'commander';

/** Examples shown at the end of `xacct <command> --help`, for the commands that do not add their own. */
const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  list: ['xacct list', 'xacct list --json | jq -r \'.[].name\''],
  'credential-process': [
    'xacct credential-process prod-admin',
    '# in ~/.aws/config (or let `xacct aws-config --write` add it):',
    '#   [profile prod-admin]',
    '#   credential_process = xacct credential-process prod-admin',
  ],
  whoami: ['xacct whoami prod-admin', 'xacct whoami prod-admin --json'],
  add: [
    'xacct add identity                       asks for the access key id and secret',
    'AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… xacct add identity',
    'xacct add identity --from-aws-profile identity --remove-plaintext',
  ],
  remove: ['xacct remove identity'],
  rotate: ['xacct rotate identity', 'xacct rotate identity --mfa-token 123456'],
  clear: ['xacct clear prod-admin                  only that role session', 'xacct clear                             every cached session; stored keys stay'],
  login: ['xacct login prod-admin                  opens the AWS console in your browser', 'xacct login prod-admin --print          prints the sign-in URL instead'],
  'aws-config': ['xacct aws-config                        prints the entries', 'xacct aws-config --write                merges them into ~/.aws/config (a backup is kept)'],
  sync: ['xacct sync --dry-run                   what a sync would add, remove and rename', 'xacct sync                             write the accounts of the organization'],
  doctor: ['xacct doctor'],
  agent: ['xacct agent                             is the encrypted file unlocked, for how long', 'xacct agent stop                        locks it again now'],
  completion: [
    'source <(xacct completion bash)         in ~/.bashrc',
    'xacct completion zsh > "${fpath[1]}/_xacct"',
    'xacct completion fish > ~/.config/fish/completions/xacct.fish',
  ],
};

export function addHelpExamples(program: Command): void {
  for (const cmd of program.commands) {
    const examples = EXAMPLES[cmd.name()];
    if (!examples) continue;
    cmd.addHelpText('after', `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}`);
  }
}
