/**
 * STS failing in every way the proxy can make it fail, MFA codes that are wrong, mfa_process that fails or hangs,
 * and a clock that disagrees with STS's, through the built CLI against moto and the real keyring.
 * Each case has an STS proxy of its own in front of the one moto (faults are per proxy), and runs with --no-cache,
 * so that cases run side by side without seeing each other's sessions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUserKeys,
  isAlive,
  keychainEntry,
  requireEnv,
  runCli,
  startEnv,
  startStsProxy,
  VALID_MFA_CODE,
  type Env,
  type StsProxy,
  type TestEnv,
} from '../helpers/index.js';
import { expectCleanFailure, expectUnchanged, reportCount, snapshot } from './support.js';

const opts = { keyring: true, sts: true };
const ROLE = 'arn:aws:iam::222222222222:role/Admin';

interface Case {
  readonly name: string;
  /** Given the case's own proxy: queue faults, set its clock. */
  readonly setup?: (sts: StsProxy) => void;
  readonly args?: readonly string[];
  readonly env?: (t: TestEnv, sts: StsProxy) => Env;
  readonly code: number;
  /** For failures: what stderr says. */
  readonly message?: RegExp;
  /** What STS saw. */
  readonly check?: (sts: StsProxy) => void;
  /** What is left on the machine once the command has ended. */
  readonly after?: () => Promise<void>;
  readonly timeoutMs?: number;
}

const statuses = (sts: StsProxy, action: string) => sts.calls.filter((c) => c.action === action).map((c) => c.fault ?? c.status);

/** The MFA profile, through GetSessionToken then AssumeRole. */
const MFA = ['credential-process', 'prod-admin', '--no-cache', '--mfa-token', VALID_MFA_CODE];
/** A source without MFA: AssumeRole with the long-term keys. */
const PLAIN = ['credential-process', 'direct', '--no-cache'];

const CASES: Case[] = [
  // Keys AWS refuses
  {
    name: 'revoked source key (InvalidClientTokenId)',
    setup: (s) => s.inject({ error: 'InvalidClientTokenId', action: 'GetSessionToken', times: 9 }),
    code: 1,
    message: /^xacct: the source's access key is not valid — revoked or mistyped \(InvalidClientTokenId\)\nxacct: store new ones with `xacct add <source>`\n$/,
    check: (s) => expect(statuses(s, 'GetSessionToken')).toEqual(['InvalidClientTokenId']),
  },
  {
    name: 'expired source credentials (ExpiredToken)',
    setup: (s) => s.inject({ error: 'ExpiredToken', times: 9 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: the source's credentials have expired \(ExpiredToken\)\n/,
    check: (s) => expect(statuses(s, 'AssumeRole')).toEqual(['ExpiredToken']),
  },
  {
    name: 'AccessDenied on AssumeRole',
    setup: (s) => s.inject({ error: 'AccessDenied', action: 'AssumeRole', times: 9 }),
    code: 1,
    message: new RegExp(`^xacct: not allowed to assume ${ROLE} \\(AccessDenied\\)\\nxacct: the role's trust policy must allow the source`),
    check: (s) => expect(statuses(s, 'AssumeRole')).toEqual(['AccessDenied']),
  },

  {
    // STS's own text is quoted in the message (an error xacct has no words of its own for): escaped, never raw.
    name: 'an STS error whose text holds escape sequences',
    setup: (s) => s.inject({ error: { status: 400, code: 'ValidationError', message: 'bad\x1b]2;PWNED\x07 value\x1b[2J\u009b31m' }, action: 'AssumeRole', times: 9 }),
    args: PLAIN,
    code: 1,
    message: /bad\\x1b\]2;PWNED\\x07 value\\x1b\[2J\\x9b31m/,
  },

  // Transient faults: retried with backoff, the last attempt succeeds
  ...(['Throttling', 'InternalFailure', 'ServiceUnavailable', 'ConnectionReset'] as const).map(
    (fault): Case => ({
      name: `transient ${fault}: retried, then served`,
      setup: (s) => s.inject({ error: fault, action: 'AssumeRole', times: 2 }),
      code: 0,
      check: (s) => {
        expect(statuses(s, 'AssumeRole')).toEqual([fault, fault, 200]);
        // The SDK's backoff is jittered down to 0 ms, so only its bound can be checked: no long wait between tries.
        const [first, , last] = s.calls.filter((x) => x.action === 'AssumeRole').map((x) => x.at);
        expect(last! - first!).toBeLessThan(5_000);
      },
    }),
  ),
  // Persistent faults: a clear message once the attempts are used up
  {
    name: 'persistent Throttling',
    setup: (s) => s.inject({ error: 'Throttling', times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: STS is throttling requests \(Throttling\) after 4 attempts\nxacct: wait a minute and try again\n$/,
    check: (s) => expect(statuses(s, 'AssumeRole')).toEqual(Array(4).fill('Throttling')),
  },
  {
    name: 'persistent 500',
    setup: (s) => s.inject({ error: 'InternalFailure', times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: STS failed \(InternalFailure, HTTP 500\) after 4 attempts\nxacct: AWS is having trouble; try again later\n$/,
    check: (s) => expect(s.count('AssumeRole')).toBe(4),
  },
  {
    name: 'persistent 503',
    setup: (s) => s.inject({ error: 'ServiceUnavailable', times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: STS failed \(ServiceUnavailable, HTTP 503\) after 4 attempts\n/,
    check: (s) => expect(s.count('AssumeRole')).toBe(4),
  },
  {
    name: 'connection dropped every time',
    setup: (s) => s.inject({ error: 'ConnectionReset', times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: cannot reach STS at http:\/\/127\.0\.0\.1:\d+ \(ECONNRESET\) after 4 attempts\nxacct: check the network connection/,
    check: (s) => expect(s.count('AssumeRole')).toBe(4),
  },
  {
    name: 'one answer slower than the request timeout (10 s): retried, then served',
    setup: (s) => s.inject({ delayMs: 11_000, action: 'AssumeRole' }),
    args: PLAIN,
    code: 0,
    check: (s) => expect(s.count('AssumeRole')).toBe(2),
    timeoutMs: 40_000,
  },
  {
    name: 'STS never answers: gives up after the total timeout (30 s)',
    setup: (s) => s.inject({ delayMs: 60_000, times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: cannot reach STS at http:\/\/127\.0\.0\.1:\d+ \(timed out\)/,
    timeoutMs: 50_000,
  },
  {
    name: 'STS unreachable (a closed port)',
    env: () => ({ AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${closedPort}` }),
    args: PLAIN,
    code: 1,
    message: /^xacct: cannot reach STS at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) after 4 attempts\nxacct: check the network connection and any AWS_ENDPOINT_URL_STS/,
  },

  // MFA codes
  { name: '--mfa-token of 5 digits', args: ['credential-process', 'prod-admin', '--no-cache', '--mfa-token', '12345'], code: 2, message: /^xacct: --mfa-token must be a 6-digit code\n$/, check: (s) => expect(s.count()).toBe(0) },
  { name: '--mfa-token of letters', args: ['credential-process', 'prod-admin', '--no-cache', '--mfa-token', 'abcdef'], code: 2, message: /^xacct: --mfa-token must be a 6-digit code\n$/, check: (s) => expect(s.count()).toBe(0) },
  {
    name: '--mfa-token AWS refuses',
    args: ['credential-process', 'prod-admin', '--no-cache', '--mfa-token', '654321'],
    code: 1,
    message: /^xacct: AWS refused the MFA code for source 'identity'\nxacct: give the current code of arn:aws:iam::\d+:mfa\/alice/,
    check: (s) => expect(s.calls.map((c) => [c.action, c.tokenCode, c.errorCode])).toEqual([['GetSessionToken', '654321', 'AccessDenied']]),
  },
  {
    name: 'no code and no terminal',
    args: ['credential-process', 'prod-admin', '--no-cache'],
    code: 1,
    message: /^xacct: no terminal to ask for the MFA code for arn:aws:iam::\d+:mfa\/alice; pass --mfa-token <code> or set mfa_process for source 'identity'\n$/,
    check: (s) => expect(s.count()).toBe(0),
  },
  { name: 'mfa_process that fails', args: ['credential-process', 'viaprocess-fails', '--no-cache'], code: 1, message: /^xacct: mfa_process \(false\) failed with exit code 1\n$/ },
  {
    name: 'mfa_process that prints no code (its output is not echoed)',
    args: ['credential-process', 'viaprocess-garbage', '--no-cache'],
    code: 1,
    message: /^xacct: mfa_process \(echo\) did not print a 6-digit code\nxacct: mfa_process must print only the code on stdout\n$/,
  },
  {
    name: 'mfa_process that hangs: stopped after 60 s, with everything it started',
    args: ['credential-process', 'viaprocess-hangs', '--no-cache'],
    code: 1,
    message: /^xacct: mfa_process \(sleep\) did not finish within 60 s and was stopped\n$/,
    timeoutMs: 75_000,
    // No other case starts this command, so any one alive now is the hung mfa_process or a child it left.
    after: async () => expect(await processesLeft('sleep\u00004242')).toEqual([]),
  },

  // The clock: STS answers with a Date (and expirations) far from ours
  {
    name: 'clock 2 h ahead of STS: the sessions STS hands out are expired here',
    setup: (s) => (s.dateOffsetSeconds = -7200),
    args: PLAIN,
    code: 1,
    message: /^xacct: this computer's clock disagrees with STS's: it looks off by 120 minutes \(ahead of STS's clock\); the session from AssumeRole has expired already by this clock \(at [\dT:.-]+Z\)\nxacct: set the system clock \(enable NTP/,
  },
  {
    name: 'clock 2 h ahead of STS, MFA session (12 h)',
    setup: (s) => (s.dateOffsetSeconds = -7200),
    code: 1,
    message: /^xacct: this computer's clock disagrees with STS's: it looks off by 120 minutes \(ahead of STS's clock\)\n/,
    check: (s) => expect(s.count('AssumeRole')).toBe(0),
  },
  {
    name: 'clock 10 min behind STS: sessions would be reused after they expire',
    setup: (s) => (s.dateOffsetSeconds = 600),
    args: PLAIN,
    code: 1,
    message: /^xacct: this computer's clock disagrees with STS's: it looks off by 10 minutes \(behind STS's clock\)\n/,
  },
  { name: 'clock 2 min off: within tolerance, served', setup: (s) => (s.dateOffsetSeconds = -120), code: 0 },
  {
    name: 'SignatureDoesNotMatch (signature expired) with the clock 30 min ahead',
    setup: (s) => {
      s.dateOffsetSeconds = -1800;
      s.inject({ error: { status: 403, code: 'SignatureDoesNotMatch', message: 'Signature expired: 20250101T120000Z is now earlier than 20250101T122500Z (20250101T123000Z - 5 min.)' }, times: 99 });
    },
    args: PLAIN,
    code: 1,
    message: /^xacct: STS refused the request because this computer's clock is wrong: it looks off by 30 minutes \(ahead of STS's clock\) \(SignatureDoesNotMatch\)\n/,
  },
  {
    name: 'RequestExpired with the clock 45 min behind',
    setup: (s) => {
      s.dateOffsetSeconds = 2700;
      s.inject({ error: { status: 400, code: 'RequestExpired', message: 'Request has expired.' }, times: 99 });
    },
    args: PLAIN,
    code: 1,
    message: /^xacct: STS refused the request because this computer's clock is wrong: it looks off by 45 minutes \(behind STS's clock\) \(RequestExpired\)\n/,
  },
  {
    name: 'SignatureDoesNotMatch with a right clock: a bad secret key, not the clock',
    setup: (s) => s.inject({ error: { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' }, times: 99 }),
    args: PLAIN,
    code: 1,
    message: /^xacct: the source's access key is not valid — revoked or mistyped \(SignatureDoesNotMatch\)\n/,
  },

  // Regions on the command line
  ...['eu west 1', '', 'EU-WEST-1', 'eu-west-1; rm -rf ~', 'x'].map(
    (region): Case => ({
      name: `--region ${JSON.stringify(region)}`,
      args: [...PLAIN, '--region', region],
      code: 2,
      message: /^xacct: option '--region <region>' argument '.*' is invalid\. '.*' is not an AWS region such as eu-west-1\.\nxacct: see xacct --help\n$/,
      check: (s) => expect(s.count()).toBe(0),
    }),
  ),
  { name: '--region of another partition', args: [...PLAIN, '--region', 'cn-north-1'], code: 0 },

  // Running the command
  { name: 'exec of a command that does not exist', args: ['exec', 'direct', '--no-cache', '--', 'xacct-no-such-command'], code: 127, message: /^xacct: command not found: xacct-no-such-command\n$/ },
  { name: 'exec of a folder', args: ['exec', 'direct', '--no-cache', '--', '/tmp'], code: 126, message: /^xacct: permission denied: \/tmp\n$/ },
];

/**
 * A port nothing listens on: the discard port, below the ephemeral range, so that no server of another test file
 * running at the same time can be given it (a port found free in beforeAll could be, and answered STS).
 */
const closedPort = 9;

/** PIDs of the live processes whose command line (arguments joined by NUL) contains `cmdline`, 2 s after (a kill takes a moment). */
async function processesLeft(cmdline: string): Promise<number[]> {
  const running = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(cmdline) && isAlive(Number(p));
        } catch {
          return false;
        }
      })
      .map(Number);
  for (let i = 0; i < 20 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return running();
}

describe.skipIf(!requireEnv(opts, 'STS faults'))('STS faults, MFA codes and clocks through the CLI', () => {
  let t: TestEnv;
  const proxies: StsProxy[] = [];
  const secrets: string[] = [];
  let userFiles: Map<string, Buffer | null>;
  let storedKeys: string | null;

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]
mfa_serial = "${t.user.mfaSerial}"
region = "eu-west-1"
default = true

[sources.plain]
region = "eu-west-1"

[sources.fails]
mfa_serial = "${t.user.mfaSerial}"
mfa_process = "false"

[sources.garbage]
mfa_serial = "${t.user.mfaSerial}"
mfa_process = "echo not-a-code-but-maybe-a-secret"

[sources.hangs]
mfa_serial = "${t.user.mfaSerial}"
mfa_process = "sleep 4242"

[accounts]
prod = "222222222222"

[roles]
admin = "Admin"

[profiles.direct]
role_arn = "${ROLE}"
source = "plain"

${['fails', 'garbage', 'hangs'].map((s) => `[profiles.viaprocess-${s}]\nrole_arn = "${ROLE}"\nsource = "${s}"\n`).join('\n')}
`,
    );
    t.home.write('.aws/config', '# the user\'s own\n[default]\nregion = eu-central-1\n\n[profile other]\nrole_arn = arn:aws:iam::444444444444:role/Other\nsource_profile = default\n');
    for (const source of ['identity', 'plain', 'fails', 'garbage', 'hangs']) await addUserKeys(t, { source });
    secrets.push(t.user.secretAccessKey);
    userFiles = snapshot([t.home.path('.config/xacct/config.toml'), t.home.path('.aws/config'), t.home.path('.aws/credentials')]);
    storedKeys = await keychainEntry(t.env, 'source:identity');
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await t?.stop();
    reportCount('STS faults, MFA codes, mfa_process, clock skew, exec', CASES.length);
  });

  it.concurrent.each(CASES)('$name', async (c) => {
    const sts = await startStsProxy(t.moto);
    proxies.push(sts);
    c.setup?.(sts);
    const env = { ...t.env, AWS_ENDPOINT_URL_STS: sts.url, ...c.env?.(t, sts) };
    const r = await runCli(c.args ?? MFA, { env, timeoutMs: c.timeoutMs ?? 20_000 });
    if (c.code === 0) {
      expect(r.stderr, c.name).toBe('');
      expect(r.code, c.name).toBe(0);
    } else if (c.code >= 126) {
      expect(r.code, r.stderr).toBe(c.code);
      expect(r.stderr).toMatch(c.message!);
    } else {
      expectCleanFailure(r, c.code, { message: c.message!, label: c.name, secrets });
    }
    c.check?.(sts);
    await c.after?.();
    // No case writes them: the profile map, the AWS config and the stored keys are as they were.
    expectUnchanged(userFiles, c.name);
    expect(await keychainEntry(t.env, 'source:identity')).toBe(storedKeys);
  }, 80_000);
});
