/**
 * `xacct login` of the built CLI (npm run build first): the role session from moto behind the STS proxy, the
 * sign-in token from a local stand-in for the federation endpoint that checks what it is sent.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, runCli, standardMap, startEnv, writeUserCredentials, type Env, type TestEnv } from '../helpers/index.js';

const opts = { sts: true };
/** prod-admin and staging-admin, from the long-term keys (no MFA). */
const PROFILE_MAP = standardMap(undefined);
const SIGNIN_TOKEN = 'xacct-test-signin-token-0123456789';

describe.skipIf(!requireEnv(opts, 'login'))('xacct login', () => {
  let t: TestEnv;
  let env: Env;
  let federation: Server;
  let federationUrl: string;
  let federationStatus = 200;
  const federationSeen: URL[] = [];
  const cli = (args: string[]) => runCli(args, { env });

  beforeAll(async () => {
    t = await startEnv(opts);
    federation = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://federation.test');
      federationSeen.push(url);
      if (federationStatus !== 200) return void res.writeHead(federationStatus).end('{"error":"refused"}');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ SigninToken: SIGNIN_TOKEN }));
    });
    await new Promise<void>((r) => federation.listen(0, '127.0.0.1', r));
    federationUrl = `http://127.0.0.1:${(federation.address() as AddressInfo).port}/federation`;

    t.home.write('.config/xacct/config.toml', PROFILE_MAP);
    writeUserCredentials(t);
    // A browser as far as xacct can tell: it is given one URL, fetches it and follows the redirect. The file
    // records the argv it got (the one-time loopback URL) and where the redirect led (the sign-in URL).
    const browser = t.home.write(
      'browser.mjs',
      `#!${process.execPath}\nimport { writeFileSync } from 'node:fs';\n` +
        `const res = await fetch(process.argv[2], { redirect: 'manual' });\n` +
        `writeFileSync(${JSON.stringify(t.home.path('opened'))}, JSON.stringify({ argv: process.argv[2], location: res.headers.get('location') }));\n`,
      0o755,
    );
    env = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'test-passphrase', XACCT_FEDERATION_URL: federationUrl, BROWSER: browser };
  });
  afterAll(async () => {
    await new Promise((r) => (federation ? federation.close(r) : r(undefined)));
    await t?.stop();
  });
  beforeEach(() => {
    federationSeen.length = 0;
    federationStatus = 200;
    t.sts.reset();
  });

  it('--print: the sign-in URL of the role session, on stdout only', async () => {
    const result = await cli(['login', 'prod-admin', '--print']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);

    const url = new URL(lines[0]!);
    expect(url.origin + url.pathname).toBe(federationUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'xacct',
      Destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
      SigninToken: SIGNIN_TOKEN,
    });
    expect(result.stderr).not.toContain(SIGNIN_TOKEN);

    // The federation endpoint got the role session STS issued (the one credential-process serves from the cache).
    expect(federationSeen).toHaveLength(1);
    const asked = federationSeen[0]!;
    expect(asked.searchParams.get('Action')).toBe('getSigninToken');
    expect(asked.searchParams.get('SessionDuration')).toBe('3600');
    const session = JSON.parse(asked.searchParams.get('Session')!) as Record<string, string>;
    expect(Object.keys(session).sort()).toEqual(['sessionId', 'sessionKey', 'sessionToken']);
    const assumed = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assumed).toEqual([
      expect.objectContaining({ roleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole', accessKeyId: t.user.accessKeyId, status: 200 }),
    ]);
    expect(session.sessionId).toBe(assumed[0]!.issued!.accessKeyId);
    const cached = await cli(['credential-process', 'prod-admin']);
    const role = JSON.parse(cached.stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    expect(session).toEqual({ sessionId: role.AccessKeyId, sessionKey: role.SecretAccessKey, sessionToken: role.SessionToken });
  });

  it('opens the URL in the browser, as one argument, and prints nothing on stdout', async () => {
    const result = await cli(['login', 'prod-admin']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/opened the AWS console as prod-admin/);
    expect(result.stderr).not.toContain(SIGNIN_TOKEN);
    let opened = '';
    for (let i = 0; i < 50 && !opened; i++) {
      try {
        opened = readFileSync(t.home.path('opened'), 'utf8');
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const seen = JSON.parse(opened) as { argv: string; location: string };
    // Only a one-time loopback URL is ever on the browser's command line; the redirect carries the token.
    expect(seen.argv).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/signin\/[\w-]{43}$/);
    expect(seen.argv).not.toContain(SIGNIN_TOKEN);
    expect(new URL(seen.location).searchParams.get('SigninToken')).toBe(SIGNIN_TOKEN);
  });

  it('fails with one line (and a hint) and no secret when the endpoint refuses', async () => {
    federationStatus = 400;
    const result = await cli(['login', 'prod-admin', '--print']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^xacct: the AWS sign-in endpoint 127\.0\.0\.1:\d+ refused the role session \(HTTP 400\)\nxacct: the role session may have expired: try again with --no-cache\n$/,
    );
    expect(result.stderr).not.toMatch(/Session=|sessionKey|ASIA|AKIA/);
    expect(result.stderr).not.toContain(t.user.secretAccessKey);
  });

  it('without a profile and without a terminal: a usage error listing the profiles', async () => {
    const result = await cli(['login', '--print']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prod-admin');
    expect(result.stderr).toContain('staging-admin');
    expect(federationSeen).toHaveLength(0);
    expect(t.sts.count()).toBe(0);
  });
});
