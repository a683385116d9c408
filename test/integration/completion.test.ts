import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The scripts of the built CLI (run `npm run build` first), loaded in real shells, with `xacct` on PATH and a
// temporary profile map: what a user's TAB would offer.

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'xacct.js');

const PROFILE_MAP = `[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"

[accounts]
prod = "222222222222"
staging = "333333333333"

[roles]
admin = "OrganizationAccountAccessRole"
readonly = "ReadOnly"
`;

let dir: string;
let env: Record<string, string>;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacct-completion-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'home'));
  await symlink(BIN, join(dir, 'bin', 'xacct'));
  await writeFile(join(dir, 'config.toml'), PROFILE_MAP);
  env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: join(dir, 'home'),
    XACCT_CONFIG: join(dir, 'config.toml'),
    TERM: 'dumb',
  };
  for (const shell of ['bash', 'zsh', 'fish']) {
    const { stdout } = await run(process.execPath, [BIN, 'completion', shell], { env });
    scripts[shell] = join(dir, `xacct.${shell}`);
    await writeFile(scripts[shell], stdout);
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

describe('hidden names command', () => {
  it('prints the profile names, one a line', async () => {
    const { stdout } = await run(process.execPath, [BIN, '__complete', 'profiles'], { env });
    expect(stdout.split('\n').filter(Boolean)).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
  });

  it('prints nothing, and succeeds, when the profile map is broken', async () => {
    await writeFile(join(dir, 'broken.toml'), '[accounts\n');
    const { stdout, stderr } = await run(process.execPath, [BIN, '__complete', 'profiles'], { env: { ...env, XACCT_CONFIG: join(dir, 'broken.toml') } });
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });

  it('is not listed in help', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help'], { env });
    expect(stdout).not.toContain('__complete');
  });
});

describe('bash', () => {
  /** Sources the script and calls its function as bash's programmable completion would. */
  async function complete(line: string): Promise<string[]> {
    const words = line.split(' ');
    const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; _xacct_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash!, ...words], { env });
    return [...new Set(stdout.split('\n').filter(Boolean))];
  }

  it('completes commands', async () => {
    expect(await complete('xacct ass')).toEqual(['assume']);
    expect(await complete('xacct c')).toEqual(['credential-process', 'clear', 'completion']);
  });

  it('completes profile names from the profile map', async () => {
    expect(await complete('xacct exec pro')).toEqual(['prod-admin', 'prod-readonly']);
    expect(await complete('xacct login ')).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
    expect(await complete('xacct exec --region eu-west-1 st')).toEqual(['staging-admin', 'staging-readonly']);
  });

  it('completes options and their values', async () => {
    expect(await complete('xacct login --p')).toEqual(['--print']);
    expect(await complete('xacct exec --s')).toEqual(['--server']);
    expect(await complete('xacct assume --export f')).toEqual(['fish']);
    expect(await complete('xacct completion z')).toEqual(['zsh']);
    expect(await complete('xacct exec --region ')).toEqual([]);
  });

  it('completes source names for add', async () => {
    expect(await complete('xacct add ')).toEqual(['identity']);
  });

  it('offers no second profile, and commands after exec --', async () => {
    expect(await complete('xacct exec prod-admin st')).toEqual([]);
    expect(await complete('xacct exec prod-admin -- bas')).toContain('bash');
  });
});

describe.runIf(has('fish'))('fish', () => {
  async function complete(line: string): Promise<string[]> {
    const { stdout } = await run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish!, line], { env });
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!);
  }

  it('completes commands, profiles and options', async () => {
    expect(await complete('xacct ass')).toEqual(['assume']);
    expect(await complete('xacct exec pro')).toEqual(['prod-admin', 'prod-readonly']);
    expect(await complete('xacct exec --region x st')).toEqual(['staging-admin', 'staging-readonly']);
    expect(await complete('xacct login --p')).toEqual(['--print']);
    expect(await complete('xacct exec prod-admin st')).toEqual([]);
  });
});

/** Drives an interactive zsh in a zpty: TAB on the line, every match printed by a compadd wrapper. */
const ZSH_DRIVER = `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1=''; PROMPT=''; RPROMPT=''"
zpty -w z "autoload -Uz compinit; compinit -u -D"
zpty -w z "source \${(q)1}"
zpty -w z 'compadd () { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<<""HIT>>$h"; done; }'
zpty -w z 'comppostfuncs=( __done ); __done() { print -r -- "<<""DONE>>"; exit }'
zpty -w z "bindkey '^I' complete-word"
zpty -n -w z "$2"$'\\t'
local line
while zpty -r z line; do
  [[ $line == *'<<DONE>>'* ]] && break
  [[ $line == *'<<HIT>>'* ]] && print -r -- "\${\${line##*<<HIT>>}%%[$'\\r\\n']*}"
done
zpty -d z
`;

describe.runIf(has('zsh'))('zsh', () => {
  async function complete(line: string): Promise<string[]> {
    const driver = join(dir, 'zsh-driver.zsh');
    await writeFile(driver, ZSH_DRIVER);
    const { stdout } = await run('zsh', ['-f', driver, scripts.zsh!, line], { env, timeout: 20_000 });
    return [...new Set(stdout.split('\n').filter(Boolean))].sort();
  }

  it('completes commands, profiles and options', async () => {
    expect(await complete('xacct ass')).toEqual(['assume']);
    expect(await complete('xacct exec pro')).toEqual(['prod-admin', 'prod-readonly']);
    expect(await complete('xacct exec --region x st')).toEqual(['staging-admin', 'staging-readonly']);
    expect(await complete('xacct login --p')).toEqual(['--print']);
    expect(await complete('xacct exec prod-admin -- bas')).toContain('bash');
  });
});

it('says so when a shell is missing', () => {
  for (const shell of ['zsh', 'fish']) {
    if (!has(shell)) console.warn(`completion: ${shell} is not installed; its completion tests were skipped`);
  }
  expect(true).toBe(true);
});
