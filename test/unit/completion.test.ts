import { describe, expect, it } from 'vitest';
import { completionSpec } from '../../src/cli/commands/completion.js';
import { buildProgram } from '../../src/cli/program.js';
import { COMPLETION_SHELLS, completionScript, type CompletionSpec } from '../../src/core/completion-scripts.js';

const spec = completionSpec(buildProgram());

describe('completion spec from the program', () => {
  it('has every visible command, and not the hidden one', () => {
    const names = spec.commands.map((c) => c.name);
    for (const name of ['list', 'credential-process', 'exec', 'assume', 'whoami', 'add', 'remove', 'clear', 'login', 'aws-config', 'doctor', 'completion']) {
      expect(names).toContain(name);
    }
    expect(names.some((n) => n.startsWith('__'))).toBe(false);
  });

  it('knows which commands take a profile, a source, or fixed words', () => {
    const operand = (name: string) => spec.commands.find((c) => c.name === name)?.operand;
    for (const name of ['exec', 'assume', 'whoami', 'login', 'credential-process', 'clear']) expect(operand(name)).toBe('profile');
    expect(operand('add')).toBe('source');
    expect(operand('completion')).toEqual({ choices: ['bash', 'zsh', 'fish'] });
    expect(operand('list')).toBeUndefined();
  });

  it('has the credential options, which take values', () => {
    const login = spec.commands.find((c) => c.name === 'login')!;
    expect(login.options.find((o) => o.long === '--region')?.value).toBe('required');
    expect(login.options.find((o) => o.long === '--print')?.value).toBeUndefined();
    expect(spec.commands.find((c) => c.name === 'exec')?.runsCommand).toBe(true);
  });
});

describe.each(COMPLETION_SHELLS)('%s script', (shell) => {
  const script = completionScript(shell, spec);

  it('mentions every command and its options', () => {
    for (const command of spec.commands) {
      expect(script).toContain(command.name);
      for (const option of command.options) expect(script).toContain(option.long.replace(/^--/, ''));
    }
  });

  it('asks the hidden command for names at completion time', () => {
    expect(script).toMatch(/command xacct __complete .*2>\/dev\/null/);
  });

  it('keeps descriptions from breaking its quoting', () => {
    const nasty: CompletionSpec = {
      program: 'xacct',
      options: [],
      commands: [{ name: 'odd', description: "it's [odd]: $(rm -rf ~) `x`", options: [{ long: '--odd', description: "don't [do]: $HOME" }] }],
    };
    const text = completionScript(shell, nasty);
    const lines = text.split('\n').filter((l) => l.includes('rm -rf'));
    if (shell === 'bash') {
      // bash completion shows no descriptions: the script holds none, so none can break its quoting.
      expect(lines).toEqual([]);
      expect(text).toContain('--odd');
      return;
    }
    // zsh and fish show them: each one that is there stays inside single quotes, with no command substitution.
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/'[^']*\$\(rm -rf ~\)[^']*'/);
  });
});
