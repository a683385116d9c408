import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchProfiles } from '../../src/app/pick-profile.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

// The picker of the built modules (run `npm run build` first) in a real pseudo-terminal, its stdout a pipe.

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', path)).href;

const PROFILE_MAP = `[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"

[accounts]
prod = "222222222222"
staging = "333333333333"

[roles]
admin = "OrganizationAccountAccessRole"
readonly = "ReadOnly"
`;

/** Loads the profile map, asks, prints the choice on stdout: what `xacct exec` without a profile does first. */
const FIXTURE = `
const { loadProfileMap } = await import(${JSON.stringify(dist('app/load-profile-map.js'))});
const { pickProfileName } = await import(${JSON.stringify(dist('app/pick-profile.js'))});
try {
  const name = await pickProfileName(await loadProfileMap(process.env), process.env);
  process.stdout.write(String(name) + '\\n');
} catch (err) {
  process.exitCode = err.exitCode ?? 99;
}
`;

/**
 * Runs argv as the session leader of a new pseudo-terminal (its controlling terminal, so /dev/tty works) with
 * stdout on a pipe; each step waits for text on the screen, then types. Prints {stdout, status, screen} as JSON.
 */
const PTY_DRIVER = `
import json, os, pty, select, sys, time
argv, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
r, w = os.pipe()
pid, fd = pty.fork()
if pid == 0:
    os.dup2(w, 1); os.close(r); os.close(w)
    os.execvp(argv[0], argv)
os.close(w)
screen, out, out_open = b'', b'', True
def pump(timeout):
    global screen, out, out_open
    fds = [fd] + ([r] if out_open else [])
    ready, _, _ = select.select(fds, [], [], timeout)
    for f in ready:
        try: data = os.read(f, 4096)
        except OSError: data = b''
        if f == fd: screen += data
        elif data: out += data
        else: out_open = False
def wait_for(text, seconds=20):
    deadline = time.time() + seconds
    while text.encode() not in screen:
        if time.time() > deadline: sys.exit('timed out waiting for %r; screen: %r' % (text, screen[-1500:]))
        pump(0.1)
for wait, typed, pause in steps:
    wait_for(wait)
    time.sleep(pause)
    os.write(fd, typed.encode())
deadline = time.time() + 20
while out_open and time.time() < deadline: pump(0.1)
_, status = os.waitpid(pid, 0)
print(json.dumps({'stdout': out.decode(), 'status': os.waitstatus_to_exitcode(status), 'screen': screen.decode(errors='replace')}))
`;

let dir: string;
let env: Record<string, string>;
let fixture: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacct-picker-'));
  await writeFile(join(dir, 'config.toml'), PROFILE_MAP);
  fixture = join(dir, 'pick.mjs');
  await writeFile(fixture, FIXTURE);
  env = { PATH: process.env.PATH ?? '', HOME: dir, XACCT_CONFIG: join(dir, 'config.toml'), TERM: 'xterm-256color', NO_COLOR: '1' };
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function inTerminal(steps: [wait: string, typed: string, pause: number][]) {
  const { stdout } = await run('python3', ['-c', PTY_DRIVER, JSON.stringify([process.execPath, fixture]), JSON.stringify(steps)], {
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { stdout: string; status: number; screen: string };
}

describe('profile picker in a terminal', () => {
  it('filters as the user types and prints the chosen name, with stdout a pipe', async () => {
    const result = await inTerminal([
      ['Profile', 'stag read', 0.2],
      ['stag read', '\r', 0.5],
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('staging-readonly\n');
    expect(result.screen).toContain('staging-admin'); // the whole list was on the terminal before typing
  });

  it('searches accounts too, and Enter takes the best match', async () => {
    const result = await inTerminal([
      ['Profile', '2222', 0.2],
      ['2222', '\r', 0.5],
    ]);
    expect(result.stdout).toBe('prod-admin\n');
  });

  it('ends with exit 130 on Ctrl-C', async () => {
    const result = await inTerminal([['Profile', '\x03', 0.2]]);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(130);
  });

  it('does not ask without a terminal', async () => {
    // detached: a new session with no controlling terminal, as under CI or cron.
    const child = spawn(process.execPath, [fixture], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe('undefined\n');
  });
});

describe('profile matching', () => {
  const plan = (name: string, accountName: string, accountId: string, roleName: string) =>
    ({ name, accountName, accountId, roleName, roleArn: `arn:aws:iam::${accountId}:role/${roleName}` }) as ProfilePlan;
  const plans = [
    plan('dev-admin', 'dev', '111111111111', 'OrganizationAccountAccessRole'),
    plan('prod-admin', 'prod', '222222222222', 'OrganizationAccountAccessRole'),
    plan('prod-readonly', 'prod', '222222222222', 'ReadOnly'),
    plan('staging-readonly', 'staging', '333333333333', 'ReadOnly'),
  ];
  const names = (term: string) => matchProfiles(plans, term).map((p) => p.name);

  it('keeps every profile, in order, for an empty term', () => {
    expect(names('')).toEqual(['dev-admin', 'prod-admin', 'prod-readonly', 'staging-readonly']);
  });
  it('puts names starting with the term first, then names containing it, then other fields', () => {
    expect(names('read')).toEqual(['prod-readonly', 'staging-readonly']);
    expect(names('prod')).toEqual(['prod-admin', 'prod-readonly']);
    expect(names('admin')).toEqual(['dev-admin', 'prod-admin']);
    expect(names('Organization')).toEqual(['dev-admin', 'prod-admin']);
  });
  it('matches account ids and role names, every word', () => {
    expect(names('3333')).toEqual(['staging-readonly']);
    expect(names('prod readonly')).toEqual(['prod-readonly']);
  });
  it('matches the letters of a name in order', () => {
    expect(names('pra')).toEqual(['prod-admin', 'prod-readonly']);
    expect(names('zzz')).toEqual([]);
  });
});
