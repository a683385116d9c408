import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('what xacct sees: config, keychain backend, sources, clock, endpoints')
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      '\nOne line per finding, marked ok, warning or error, with the fix; exit code 1 when any is an error.\n' +
        'Never asks for an MFA code or a passphrase; calls STS GetCallerIdentity (at most 5 s) with each source\'s keys.',
    )
    .action(async (opts: { json?: boolean }) => {
      const [{ runDoctor }, { doctorExitCode }, { findingsJson, formatFindings }] = await Promise.all([
        import('../../app/doctor/index.js'),
        import('../../core/doctor-report.js'),
        import('../doctor-report.js'),
      ]);
      const findings = await runDoctor(process.env);
      // The report is what the command produces, so it is data on stdout (pipe it, grep it); colour only on a terminal.
      const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
      process.stdout.write(opts.json ? findingsJson(findings) : formatFindings(findings, { colour }));
      process.exitCode = doctorExitCode(findings);
    });
}
