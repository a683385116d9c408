import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const names = (first?: string) => buildProgram(first).commands.map((c) => c.name());

describe('buildProgram: only the command the line names', () => {
  const all = names();

  it('registers every command without a first word, for help, for the completion script and for an unknown word', () => {
    expect(all).toContain('credential-process');
    expect(all).toContain('__complete');
    for (const first of ['--help', '-V', 'help', 'completion', 'lsit']) expect(names(first)).toEqual(all);
  });

  it('registers only the command named, for each command (none is forgotten in the list of modules)', () => {
    for (const name of all.filter((n) => n !== 'completion')) expect(names(name)).toContain(name);
    expect(names('credential-process')).toEqual(['credential-process']);
    expect(names('__complete')).toEqual(['completion', '__complete']);
  });
});
