/** The picker of the built modules (npm run build first) in a real pseudo-terminal, its stdout a pipe. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, requireTools, ROOT, run, spawnPty, standardMap, stripAnsi, type Env, type PtyResult, type TestHome } from '../helpers/index.js';

const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', path)).href;

/** prod-admin, prod-readonly, staging-admin, staging-readonly. */
const PROFILE_MAP = standardMap('arn:aws:iam::111111111111:mfa/alice', { roles: 'admin = "OrganizationAccountAccessRole"\nreadonly = "ReadOnly"' });

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

let home: TestHome;
let env: Env;
let fixture: string;

beforeAll(() => {
  home = makeHome();
  home.write('.config/xacct/config.toml', PROFILE_MAP);
  fixture = home.write('pick.mjs', FIXTURE);
  env = { ...home.env, TERM: 'xterm-256color', NO_COLOR: '1' };
});
afterAll(() => home?.cleanup());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the fixture under a terminal (stdout a pipe); each step waits for text on the screen, pauses, then types. */
async function inTerminal(steps: [wait: string, typed: string, pauseMs: number][]): Promise<PtyResult> {
  const p = spawnPty(process.execPath, [fixture], { env, mode: 'pipes' });
  for (const [wait, typed, pauseMs] of steps) {
    await p.expect(wait, 20_000);
    await pause(pauseMs);
    p.write(typed);
  }
  return p.result(20_000);
}

const hasPty = requireTools(['python3'], 'the picker in a terminal');

describe.skipIf(!hasPty)('profile picker in a terminal', () => {
  it('filters as the user types and prints the chosen name, with stdout a pipe', async () => {
    const result = await inTerminal([
      ['Profile', 'stag read', 200],
      ['stag read', '\r', 500],
    ]);
    expect(result.code, stripAnsi(result.transcript)).toBe(0);
    expect(result.stdout).toBe('staging-readonly\n');
    // The whole list was on the terminal before typing.
    const beforeTyping = stripAnsi(result.transcript).split('stag read')[0]!;
    for (const name of ['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly']) expect(beforeTyping).toContain(name);
  });

  it('searches accounts too, and Enter takes the best match', async () => {
    const result = await inTerminal([
      ['Profile', '2222', 200],
      ['2222', '\r', 500],
    ]);
    expect(result.code, stripAnsi(result.transcript)).toBe(0);
    expect(result.stdout).toBe('prod-admin\n');
  });

  it('ends with exit 130 on Ctrl-C', async () => {
    const result = await inTerminal([['Profile', '\x03', 200]]);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(130);
  });

  it('does not ask without a terminal', async () => {
    // A session of its own with no controlling terminal, as under CI or cron.
    const r = await run(process.execPath, [fixture], { env });
    expect(r).toMatchObject({ code: 0, stdout: 'undefined\n', stderr: '' });
  });
});
