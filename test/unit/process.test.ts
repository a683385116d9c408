import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf, runCommand, startShell } from '../../src/adapters/process.js';
import { XacctError } from '../../src/core/errors.js';
import { transpileForChildren } from '../helpers/transpile.js';

const dir = mkdtempSync(join(tmpdir(), 'xacct-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH };
const quiet = { stdio: 'ignore' as const };

describe('runCommand', () => {
  it("returns the command's exit code", async () => {
    expect(await runCommand('sh', ['-c', 'exit 7'], env, quiet)).toBe(7);
    expect(await runCommand('true', [], env, quiet)).toBe(0);
  });

  it('returns 128 + N when the command died of signal N', async () => {
    expect(await runCommand('sh', ['-c', 'kill -TERM $$'], env, quiet)).toBe(143);
    expect(await runCommand('sh', ['-c', 'kill -KILL $$'], env, quiet)).toBe(137);
    expect(exitCodeOf(null, 'SIGINT')).toBe(130);
  });

  it('passes arguments verbatim, without a shell, and exactly the environment given', async () => {
    const out = join(dir, 'args.out');
    const code = await runCommand('sh', ['-c', 'printf "%s|" "$@" > "$0"; env > "$0.env"', out, '$(id)', 'a b', "'"], { PATH: env.PATH, ONLY: 'this' }, quiet);
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe("$(id)|a b|'|");
    const seen = readFileSync(`${out}.env`, 'utf8').split('\n').filter((l) => l && !/^(PWD|SHLVL|_|OLDPWD)=/.test(l));
    expect(seen.sort()).toEqual([`ONLY=this`, `PATH=${env.PATH}`]);
  });

  it("finds the command on the PATH of the environment it is given", async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xacct-test-tool'), '#!/bin/sh\nexit 5\n', { mode: 0o755 });
    expect(await runCommand('xacct-test-tool', [], { PATH: `${bin}:${env.PATH}` }, quiet)).toBe(5);
  });

  it('fails like a shell when the command does not exist: 127 and one line', async () => {
    const err = await runCommand('xacct-no-such-command', [], env, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).exitCode).toBe(127);
    expect((err as XacctError).message).toBe('command not found: xacct-no-such-command');
  });

  it('fails like a shell when the command cannot be executed: 126', async () => {
    const file = join(dir, 'not-executable');
    writeFileSync(file, 'echo hi\n');
    chmodSync(file, 0o644);
    const err = await runCommand(file, [], env, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).exitCode).toBe(126);
    expect((err as XacctError).message).toBe(`permission denied: ${file}`);
  });

  it('startShell names $SHELL when it does not exist', async () => {
    const err = await startShell('/nonexistent/shell', env, quiet).catch((e: unknown) => e);
    expect((err as XacctError).exitCode).toBe(127);
    expect((err as XacctError).message).toContain('/nonexistent/shell');
  });
});

// Signal forwarding needs xacct's side in a process of its own: runner.mjs runs runCommand (transpiled from the
// source) and exits with what it returns; child.cjs reports the signals it gets.
describe('signals while the command runs', () => {
  let runner: string;
  let child: string;

  beforeAll(async () => {
    const out = join(dir, 'build');
    await transpileForChildren(['src/adapters/process.ts', 'src/core/errors.ts'], out);
    runner = join(out, 'runner.mjs');
    writeFileSync(
      runner,
      `import { runCommand } from './src/adapters/process.js';
       const [command, ...args] = process.argv.slice(2);
       try {
         const code = await runCommand(command, args, process.env);
         process.stderr.write('runner: exit ' + code + '\\n');
         process.exitCode = code;
       } catch (err) {
         process.stderr.write('runner: ' + err.message + '\\n');
         process.exitCode = err.exitCode;
       }`,
    );
    child = join(out, 'child.cjs');
    // child.cjs <exit-on> <signal>...: prints each signal it gets; exits 42 after <exit-on>, printing how many
    // SIGINTs it got, half a second later (time for a duplicate to arrive).
    writeFileSync(
      child,
      `const [exitOn, ...handled] = process.argv.slice(2);
       let interrupts = 0;
       for (const s of handled) process.on(s, () => {
         if (s === 'SIGINT') interrupts++;
         process.stdout.write('got ' + s + '\\n');
         if (s === exitOn) setTimeout(() => { process.stdout.write('interrupts ' + interrupts + '\\n'); process.exit(42); }, 500);
       });
       process.stdout.write('ready\\n');
       setInterval(() => {}, 1000);`,
    );
  });

  /** Starts the runner in a session of its own (no terminal), and collects its output. */
  function startRunner(args: string[]): { proc: ChildProcess; output: () => string; waitFor: (text: string) => Promise<void>; exit: Promise<number | null> } {
    const proc = spawn(process.execPath, [runner, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const waitFor = async (text: string): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; output: ${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    return { proc, output: () => output, waitFor, exit };
  }

  it("forwards SIGINT to the command, survives it, and returns the command's code", async () => {
    const r = startRunner([process.execPath, child, 'SIGINT', 'SIGINT']);
    await r.waitFor('ready');
    r.proc.kill('SIGINT');
    expect(await r.exit).toBe(42);
    expect(r.output()).toContain('got SIGINT');
    expect(r.output()).toContain('interrupts 1');
    expect(r.output()).toContain('runner: exit 42');
  });

  it('forwards SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGTERM', async () => {
    const signals = ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM'] as const;
    const r = startRunner([process.execPath, child, 'SIGTERM', ...signals]);
    await r.waitFor('ready');
    for (const signal of signals) {
      r.proc.kill(signal);
      await r.waitFor(`got ${signal}`);
    }
    expect(await r.exit).toBe(42);
  });

  it('returns 128 + N when a forwarded signal kills the command', async () => {
    const r = startRunner(['sh', '-c', 'echo ready; exec sleep 30']);
    await r.waitFor('ready');
    r.proc.kill('SIGTERM');
    expect(await r.exit).toBe(143);
    expect(r.output()).toContain('runner: exit 143');
  });

  // util-linux `script`; the integration tests check the same through the CLI with their pty helper.
  it.skipIf(process.platform !== 'linux')('does not pass on a Ctrl-C that the terminal already sent to the command', async () => {
    // `script` gives the runner a terminal; ^C there reaches the runner and the command (same process group).
    // A second SIGINT would make Terraform and the like abandon their graceful shutdown.
    const command = ['exec', process.execPath, runner, process.execPath, child, 'SIGINT', 'SIGINT'].map((w) => `'${w}'`).join(' ');
    const proc = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!output.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    proc.stdin.write('\x03');
    expect(await exit).toBe(42);
    proc.stdin.end();
    expect(output).toMatch(/interrupts 1\b/);
  });
});
