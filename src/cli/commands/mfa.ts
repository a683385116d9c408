import type { Command } from 'commander';

export function register(program: Command): void {
  const mfa = program.command('mfa').description('MFA devices of a source');
  mfa
    .command('enroll')
    .description("create a virtual MFA device for the source's IAM user and write its mfa_serial into the profile map")
    .argument('<source>', 'source whose IAM user gets the device, e.g. identity')
    .option('--device-name <name>', "the device's name in IAM (default: the IAM user's name)")
    .addHelpText(
      'after',
      `
Shows a QR code and the secret for manual entry on the terminal only (never a file, a log or the clipboard),
asks for two consecutive codes, enables the device, writes mfa_serial into [sources.<source>] of the profile map
(every other byte kept), and offers to open the first MFA session. Needs a terminal. Does nothing when the IAM
user has an MFA device already; a device that could not be enabled is deleted again.

Example:
  xacct mfa enroll identity`,
    )
    .action(async (source: string, opts: { deviceName?: string }) => {
      const [{ enrollMfa }, { say }, { describeExpiry }] = await Promise.all([
        import('../../app/mfa-enroll.js'),
        import('../../app/say.js'),
        import('../../app/run-command.js'),
      ]);
      const r = await enrollMfa(process.env, { source, report: say, ...(opts.deviceName !== undefined ? { deviceName: opts.deviceName } : {}) });
      say(`enabled the MFA device ${r.serialNumber} for IAM user ${r.userName}, and wrote mfa_serial into [sources.${source}] of ${r.mapFile}`);
      if (r.sessionUntil) say(`opened the MFA session of ${source}; it expires ${describeExpiry(r.sessionUntil, new Date())}, and no profile of ${source} needs a code until then`);
      else say(`the next command that needs ${source}'s MFA session asks for a code`);
    });
}
