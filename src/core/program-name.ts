/**
 * The program a configured shell command runs, without its folder: `/usr/bin/ykman oath …` → `ykman`. Messages
 * about mfa_process and on_assume name only this: the rest of the command line may hold a TOTP secret, a webhook
 * URL or a token.
 */
export function programName(command: string): string {
  const first = /[\w./+-]+/.exec(command)?.[0] ?? '';
  return first.split('/').pop() || 'sh';
}
