import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeHome, runCli } from '../helpers/index.js';

const COMMANDS = ['list', 'credential-process', 'exec', 'assume', 'whoami', 'add', 'remove', 'clear', 'login', 'aws-config', 'doctor', 'completion'];

describe('help and version', () => {
  it('xacct --help lists every command of SPEC and exits 0', async () => {
    const home = makeHome();
    try {
      const r = await runCli(['--help'], { env: home.env });
      expect(r.code).toBe(0);
      for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    } finally {
      home.cleanup();
    }
  });

  it.each(COMMANDS)('xacct %s --help shows examples', async (name) => {
    const home = makeHome();
    try {
      const r = await runCli([name, '--help'], { env: home.env });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: xacct ${name}`);
      expect(r.stdout).toMatch(/Examples:\n {2}\S/);
    } finally {
      home.cleanup();
    }
  });

  it('xacct --version prints the package version', async () => {
    const home = makeHome();
    try {
      const r = await runCli(['--version'], { env: home.env });
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    } finally {
      home.cleanup();
    }
  });

  it('an unknown command is a usage error: exit 2, one line and a hint', async () => {
    const home = makeHome();
    try {
      const r = await runCli(['assumme'], { env: home.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^xacct: unknown command 'assumme'/);
      expect(r.stderr).toContain('assume');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      home.cleanup();
    }
  });
});
