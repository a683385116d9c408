/**
 * The scripts of the built CLI (npm run build first), loaded in real shells, with `xacct` on PATH and a temporary
 * profile map: what a user's TAB would offer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, requireTools, run, runCli, standardMap, withXacctOnPath, type Env, type TestHome } from '../helpers/index.js';

/** prod-admin, prod-readonly, staging-admin, staging-readonly. */
const PROFILE_MAP = standardMap('arn:aws:iam::111111111111:mfa/alice', { roles: 'admin = "OrganizationAccountAccessRole"\nreadonly = "ReadOnly"' });

let home: TestHome;
let env: Env;
const scripts: Record<string, string> = {};

/** Runs `cmd` to completion; fails the test unless it exits 0. Returns its stdout. */
async function ok(cmd: string, args: readonly string[], extra: Env = {}): Promise<string> {
  const r = await run(cmd, args, { env: { ...env, ...extra }, timeoutMs: 20_000 });
  expect(r.code, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  home = makeHome();
  home.write('.config/xacct/config.toml', PROFILE_MAP);
  env = withXacctOnPath({ home }, { ...home.env, TERM: 'dumb' });
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell], { env });
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = home.write(`xacct.${shell}`, r.stdout);
  }
});
afterAll(() => home?.cleanup());

describe('hidden names command', () => {
  it('prints the profile names, one a line', async () => {
    const stdout = await ok('xacct', ['__complete', 'profiles']);
    expect(stdout.split('\n').filter(Boolean)).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']);
  });

  it('prints nothing, and succeeds, when the profile map is broken', async () => {
    const broken = home.write('broken.toml', '[accounts\n');
    const r = await runCli(['__complete', 'profiles'], { env: { ...env, XACCT_CONFIG: broken } });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('is not listed in help', async () => {
    const stdout = await ok('xacct', ['--help']);
    expect(stdout).toContain('completion');
    expect(stdout).not.toContain('__complete');
  });
});

describe('bash', () => {
  /** Sources the script and calls its function as bash's programmable completion would. */
  async function complete(line: string): Promise<string[]> {
    const words = line.split(' ');
    const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; _xacct_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const stdout = await ok('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash!, ...words]);
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

// Outside CI a missing shell skips its tests with a warning; under CI=true (.ci/run installs both) it fails them.
describe.skipIf(!requireTools(['fish'], 'fish completion tests'))('fish', () => {
  async function complete(line: string): Promise<string[]> {
    const stdout = await ok('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish!, line]);
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

describe.skipIf(!requireTools(['zsh'], 'zsh completion tests'))('zsh', () => {
  async function complete(line: string): Promise<string[]> {
    const driver = home.write('zsh-driver.zsh', ZSH_DRIVER);
    const stdout = await ok('zsh', ['-f', driver, scripts.zsh!, line]);
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
