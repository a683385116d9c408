/**
 * An exported session in the user's own shell, in real bash, zsh and fish: export one profile, switch to another
 * (whose account has no region), then `assume --unset`: afterwards the shell holds exactly what it held before —
 * no xacct variable, no stale AWS_REGION. Inside the exported shell, nesting advice says how to leave it (never
 * "exit": that would close the user's terminal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv, requireTools, run, startEnv, writeUserCredentials, XACCT_BIN, type Env, type TestEnv } from '../helpers/index.js';

const opts = { sts: true };

interface Shell {
  readonly program: string;
  readonly args: readonly string[];
  /** Defines `xacct` as the built CLI, then runs the lines. */
  script(lines: { exportProd: string; exportStaging: string; unset: string; dump: string }): string;
}

const node = process.execPath;
const posix = (shell: 'bash' | 'zsh'): Shell['script'] => (l) => `xacct() { "${node}" "${XACCT_BIN}" "$@"; }
${l.dump} before
eval "$(xacct ${l.exportProd} --export ${shell})" || exit 9
echo "prod: $XACCT_PROFILE \${AWS_REGION-none}"
eval "$(xacct ${l.exportStaging} --export ${shell})" || exit 9
echo "staging: $XACCT_PROFILE \${AWS_REGION-none} \${AWS_DEFAULT_REGION-none}"
xacct exec staging-admin -- true; echo "nested exec: $?"
eval "$(xacct ${l.unset} --export ${shell})" || exit 9
${l.dump} after`;

const SHELLS: Shell[] = [
  { program: 'bash', args: ['--norc', '--noprofile', '-c'], script: posix('bash') },
  { program: 'zsh', args: ['-f', '-c'], script: posix('zsh') },
  {
    program: 'fish',
    args: ['--no-config', '-c'],
    script: (l) => `function xacct; "${node}" "${XACCT_BIN}" $argv; end
${l.dump} before
xacct ${l.exportProd} --export fish | source; or exit 9
echo "prod: $XACCT_PROFILE" (set -q AWS_REGION; and echo $AWS_REGION; or echo none)
xacct ${l.exportStaging} --export fish | source; or exit 9
echo "staging: $XACCT_PROFILE" (set -q AWS_REGION; and echo $AWS_REGION; or echo none) (set -q AWS_DEFAULT_REGION; and echo $AWS_DEFAULT_REGION; or echo none)
xacct exec staging-admin -- true; echo "nested exec: $status"
xacct ${l.unset} --export fish | source; or exit 9
${l.dump} after`,
  },
];

/** Prints `<label> <JSON of the environment>` from a child, so the shell's own variables do not count. */
const DUMP = `"${node}" -e 'console.log(process.argv[1], JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(_|PWD|OLDPWD|SHLVL)$/.test(k)))))'`;

describe.skipIf(!requireEnv(opts, 'exported sessions') || !requireTools(['bash', 'zsh', 'fish'], 'exported sessions'))('assume --export, switch, --unset', () => {
  let t: TestEnv;
  let env: Env;

  beforeAll(async () => {
    t = await startEnv(opts);
    // prod has a region, staging none (nor has the source): switching to staging must drop prod's region.
    t.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]

[accounts]
prod = { id = "222222222222", region = "eu-west-1" }
staging = "333333333333"

[roles]
admin = "OrganizationAccountAccessRole"
`,
    );
    writeUserCredentials(t);
    env = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'export-switch-test', AWS_PROFILE: 'outer' };
  });
  afterAll(() => t?.stop());

  for (const shell of SHELLS) {
    it(`${shell.program}: export → switch → unset leaves the shell as it was`, async () => {
      const script = shell.script({ exportProd: 'assume prod-admin', exportStaging: 'assume staging-admin', unset: 'assume --unset', dump: DUMP });
      const r = await run(shell.program, [...shell.args, script], { env });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const dump = (label: string) => JSON.parse(lines.find((l) => l.startsWith(`${label} `))!.slice(label.length + 1)) as Env;
      expect(lines).toContain('prod: prod-admin eu-west-1');
      expect(lines).toContain('staging: staging-admin none none');
      expect(lines).toContain('nested exec: 2');
      const unsetAdvice = shell.program === 'fish' ? 'xacct assume --unset --export fish | source' : `eval "$(xacct assume --unset --export ${shell.program})"`;
      expect(r.stderr).toBe(
        `xacct: already inside an xacct session (staging-admin, exported into this shell)\n` +
          `xacct: remove it first with: ${unsetAdvice}; switch with: ${unsetAdvice.replace('--unset', '<profile>')}; or pass --force to start a session inside staging-admin's\n`,
      );
      const before = dump('before');
      const after = dump('after');
      // The export took AWS_PROFILE away (SPEC: a session's only credentials are its own); everything else is back.
      const { AWS_PROFILE, ...rest } = before;
      expect(AWS_PROFILE).toBe('outer');
      expect(after).toEqual(rest);
      expect(Object.keys(after).filter((k) => /^(AWS_REGION|AWS_DEFAULT_REGION|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN|XACCT_PROFILE|XACCT_EXPORTED)$/.test(k))).toEqual([]);
    });
  }
});
