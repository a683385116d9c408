import { describe, expect, it } from 'vitest';
import { exportShellFor, exportStatements } from '../../src/core/shell-export.js';

const vars = { AWS_ACCESS_KEY_ID: 'ASIA1', XACCT_PROFILE: "it's", AWS_PROFILE: undefined };

describe('exportStatements', () => {
  it('bash and zsh: export with single quotes, unset for removals', () => {
    const expected = "export AWS_ACCESS_KEY_ID='ASIA1'\nexport XACCT_PROFILE='it'\\''s'\nunset AWS_PROFILE\n";
    expect(exportStatements(vars, 'bash')).toBe(expected);
    expect(exportStatements(vars, 'zsh')).toBe(expected);
  });

  it('fish: set -gx with \\\\ and \\\' escapes, set -e for removals', () => {
    expect(exportStatements({ A: "a\\b'c", B: undefined }, 'fish')).toBe("set -gx A 'a\\\\b\\'c'\nset -e B; or true\n");
  });

  it('powershell: $Env: with doubled quotes, typographic ones included', () => {
    expect(exportStatements({ A: "it's \u2019x\u2019", B: undefined }, 'powershell')).toBe(
      "$Env:A = 'it''s \u2019\u2019x\u2019\u2019'\nRemove-Item Env:B -ErrorAction SilentlyContinue\n",
    );
  });

  it('refuses what no environment can hold', () => {
    expect(() => exportStatements({ 'A;rm -rf': 'x' }, 'bash')).toThrow(/not an environment variable name/);
    expect(() => exportStatements({ A: 'a\0b' }, 'bash')).toThrow(/NUL/);
  });
});

describe('exportShellFor', () => {
  it('takes the basename of $SHELL, bash when unknown or unset', () => {
    expect(exportShellFor('/usr/bin/zsh')).toBe('zsh');
    expect(exportShellFor('/opt/homebrew/bin/fish')).toBe('fish');
    expect(exportShellFor('/usr/local/bin/pwsh')).toBe('powershell');
    expect(exportShellFor('C:\\Program Files\\PowerShell\\7\\pwsh.exe')).toBe('powershell');
    expect(exportShellFor('/bin/bash')).toBe('bash');
    expect(exportShellFor('/bin/dash')).toBe('bash');
    expect(exportShellFor(undefined)).toBe('bash');
  });
});
