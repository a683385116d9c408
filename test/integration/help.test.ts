import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeHome, runCli } from '../helpers/index.js';

const COMMANDS = ['list', 'credential-process', 'exec', 'assume', 'whoami', 'add', 'remove', 'clear', 'login', 'aws-config', 'doctor', 'completion'];

describe('help and version', () => {
  // None of these writes anything: one empty HOME serves them all.
  const home = makeHome();
  afterAll(() => home.cleanup());
  const cli = (args: string[]) => runCli(args, { env: home.env });

  it('xacct --help lists every command of SPEC and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it.each(COMMANDS)('xacct %s --help shows examples', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: xacct ${name}`);
    expect(r.stdout).toMatch(/Examples:\n {2}\S/);
  });

  it('xacct --version prints the package version', async () => {
    const r = await cli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command is a usage error: exit 2, one line and a hint', async () => {
    const r = await cli(['assumme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xacct: unknown command 'assumme'/);
    expect(r.stderr).toContain('assume');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
