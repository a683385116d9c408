import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('rotate')
    .description("replace the source's stored access key with a new one from IAM, then delete the old one")
    .argument('<source>', 'source whose stored key to rotate, e.g. identity')
    .option('--mfa-token <code>', 'use this MFA code instead of asking')
    .addHelpText(
      'after',
      `
IAM calls are signed with the source's MFA session when it has mfa_serial (a code is asked for if none is cached).
The new key is stored, checked with STS until it works, made the source's key, and only then is the old one
deleted; every session made from the old key is retired. Refused while the IAM user has a second key.
Killed half-way, the next xacct rotate finishes (xacct doctor tells what is left).`,
    )
    .action(async (source: string, opts: { mfaToken?: string }) => {
      const [{ rotate }, { describeCleared }, { say }] = await Promise.all([
        import('../../app/rotate.js'),
        import('../describe-cleared.js'),
        import('../../app/say.js'),
      ]);
      const r = await rotate(process.env, { source, report: say, ...(opts.mfaToken ? { mfaToken: opts.mfaToken } : {}) });
      say(`rotated the access key of source '${source}' (IAM user ${r.userName}): ${r.oldKeyId} → ${r.newKeyId}; the old key is deleted in IAM`);
      if (r.retired.length) say(`retired ${describeCleared(r.retired, source)}, made with the old key: the next command takes a new session`);
    });
}
