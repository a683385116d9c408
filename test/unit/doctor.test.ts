import { describe, expect, it } from 'vitest';
import { clockFinding, xacctEntries } from '../../src/core/doctor-checks.js';
import { findingsJson, formatFindings } from '../../src/cli/doctor-report.js';
import { doctorExitCode, error, ok, warning } from '../../src/core/doctor-report.js';

describe('doctor: AWS config entries that call xacct', () => {
  it('finds the profile asked for, whatever the program path, quoting and options', () => {
    expect(
      xacctEntries({
        a: { credential_process: 'xacct credential-process prod-admin' },
        b: { credential_process: "'/opt/my tools/xacct' credential-process --duration 1h 'staging-admin'" },
        c: { credential_process: 'node /work/xacct/bin/xacct.js credential-process --region eu-west-1 dev' },
        d: { credential_process: 'aws-vault exec x --json' },
        e: { region: 'eu-west-1' },
        f: { credential_process: 'xacct credential-process' },
        g: { credential_process: 'xacct exec prod-admin' },
      }),
    ).toEqual([
      { profile: 'a', program: 'xacct', target: 'prod-admin' },
      { profile: 'b', program: '/opt/my tools/xacct', target: 'staging-admin' },
      { profile: 'c', program: 'node /work/xacct/bin/xacct.js', target: 'dev' },
      { profile: 'f', program: 'xacct' },
      { profile: 'g', program: 'xacct', subcommand: 'exec' },
    ]);
  });
});

describe('doctor: clock skew', () => {
  it('ok within a minute, a warning beyond, an error beyond 5 minutes naming NTP', () => {
    expect(clockFinding(0.4, 'STS')).toEqual(ok('clock', 'in step with STS'));
    expect(clockFinding(-30, 'STS')).toEqual(ok('clock', '30 seconds behind STS'));
    expect(clockFinding(61, 'STS')).toMatchObject({ status: 'warning', message: expect.stringMatching(/^1 minute 1 second ahead of STS/) });
    expect(clockFinding(-299, 'STS').status).toBe('warning');
    const bad = clockFinding(301, 'STS');
    expect(bad).toMatchObject({ status: 'error', message: expect.stringMatching(/^5 minutes 1 second ahead of STS: AWS refuses/) });
    expect(bad.fix).toMatch(/NTP/);
  });
});

describe('doctor: the report', () => {
  const findings = [ok('profile map', 'x: 2 profiles'), warning('clock', 'not compared'), error('keychain', 'locked', 'set XACCT_BACKEND=file')];

  it('one line per finding, marked, with the fix; colour only when asked', () => {
    expect(formatFindings(findings)).toBe(
      'ok       profile map: x: 2 profiles\nwarning  clock: not compared\nerror    keychain: locked (fix: set XACCT_BACKEND=file)\n',
    );
    expect(formatFindings([findings[2]!], { colour: true })).toBe('\x1b[31merror\x1b[0m    keychain: locked (fix: set XACCT_BACKEND=file)\n');
    expect(formatFindings([error('x', 'two\n  lines')])).toBe('error    x: two lines\n');
  });

  it('a value from a file or from STS cannot act on the terminal: control characters are shown, not sent', () => {
    // An escape sequence in a source name or an STS message would otherwise clear the screen or retitle the window.
    const report = formatFindings([error('source \x1b]0;pwned\x07x', 'STS said \x1b[2Jno\r\nway', 'run\tthis')]);
    expect(report).toBe('error    source \\x1b]0;pwned\\x07x: STS said \\x1b[2Jno way (fix: run this)\n');
    // eslint-disable-next-line no-control-regex -- no control character may be left
    expect(report.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('exit code 1 only with an error; JSON with counts', () => {
    expect(doctorExitCode(findings)).toBe(1);
    expect(doctorExitCode(findings.slice(0, 2))).toBe(0);
    expect(JSON.parse(findingsJson(findings))).toEqual({ errors: 1, warnings: 1, findings });
  });
});
