import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserCommand } from '../../src/adapters/browser.js';
import { requestSigninToken } from '../../src/adapters/federation.js';
import { consoleSigninUrl } from '../../src/app/console-login.js';
import type { CredentialRequest, ObtainedCredentials } from '../../src/app/get-credentials.js';
import { AwsError, XacctError } from '../../src/core/errors.js';
import { consoleEndpoints, consoleLoginUrl, consoleSessionSeconds, federationUrlFromEnv, parseSigninToken } from '../../src/core/federation.js';
import { ConfigError } from '../../src/core/errors.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const creds = {
  accessKeyId: 'ASIAXACCTLOGIN000001',
  secretAccessKey: SECRET,
  sessionToken: 'FwoGZXIvYXdzE+token/with=chars&more',
  expiration: new Date(Date.now() + 3600_000),
};
const plan = { name: 'prod-admin', durationSeconds: 7200, roleArn: 'arn:aws:iam::222222222222:role/Admin' } as ProfilePlan;

/** A stand-in for signin.aws.amazon.com/federation that records what it was sent. */
let server: Server | undefined;
async function fakeFederation(answer: (url: URL) => { status: number; body: string }) {
  const seen: URL[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://federation.test');
    seen.push(url);
    const { status, body } = answer(url);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`, seen };
}
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('console endpoints', () => {
  it('lands on the region’s console home, in the region’s partition', () => {
    expect(consoleEndpoints('eu-west-1', {})).toEqual({
      federationUrl: 'https://signin.aws.amazon.com/federation',
      destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
    });
    expect(consoleEndpoints(undefined, {}).destination).toBe('https://console.aws.amazon.com/console/home');
    expect(consoleEndpoints('cn-north-1', {}).federationUrl).toBe('https://signin.amazonaws.cn/federation');
    expect(consoleEndpoints('us-gov-west-1', {}).federationUrl).toBe('https://signin.amazonaws-us-gov.com/federation');
  });

  it('takes the endpoint from XACCT_FEDERATION_URL, keeping AWS’s destination', () => {
    const e = consoleEndpoints('us-east-1', { XACCT_FEDERATION_URL: 'http://127.0.0.1:9/federation' });
    expect(e.federationUrl).toBe('http://127.0.0.1:9/federation');
    expect(e.destination).toContain('us-east-1.console.aws.amazon.com');
  });

  it('accepts XACCT_FEDERATION_URL only as https, or http on loopback; anything else is exit 2 naming it', () => {
    for (const ok of ['https://signin.example.com/federation', 'http://127.0.0.1:8080/f', 'http://localhost/f', 'http://[::1]:9/f', 'http://127.1.2.3/f']) {
      expect(federationUrlFromEnv({ XACCT_FEDERATION_URL: ok }), ok).toBe(ok);
    }
    for (const bad of ['http://evil.example/federation', 'http://127.0.0.1.evil.example/f', 'ftp://127.0.0.1/f', 'file:///tmp/f', 'notaurl', 'https://user:pw@signin.example.com/f', 'https://signin.example.com/f?x=1']) {
      let err: unknown;
      try {
        federationUrlFromEnv({ XACCT_FEDERATION_URL: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(2);
      expect((err as ConfigError).message).toMatch(/^XACCT_FEDERATION_URL /);
    }
    expect(federationUrlFromEnv({})).toBeUndefined();
  });

  it('asks for a console session as long as the role session, within 15m..12h, and 1h when chained', () => {
    expect(consoleSessionSeconds(3600, false)).toBe(3600);
    expect(consoleSessionSeconds(60, false)).toBe(900);
    expect(consoleSessionSeconds(99_999, false)).toBe(43_200);
    expect(consoleSessionSeconds(43_200, true)).toBe(3600);
  });

  it('builds the login URL with every part encoded', () => {
    const url = new URL(consoleLoginUrl(consoleEndpoints('eu-west-1', {}), 'tok&en=/+'));
    expect(url.origin + url.pathname).toBe('https://signin.aws.amazon.com/federation');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'xacct',
      Destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
      SigninToken: 'tok&en=/+',
    });
  });

  it('reads a SigninToken answer and nothing else', () => {
    expect(parseSigninToken('{"SigninToken":"abc"}')).toBe('abc');
    expect(parseSigninToken('{"SigninToken":""}')).toBeUndefined();
    expect(parseSigninToken('null')).toBeUndefined();
    expect(parseSigninToken('<html>')).toBeUndefined();
  });
});

describe('getSigninToken', () => {
  it('sends the session as JSON with sessionId, sessionKey and sessionToken, and the duration', async () => {
    const fed = await fakeFederation(() => ({ status: 200, body: '{"SigninToken":"the-token"}' }));
    const token = await requestSigninToken({ federationUrl: fed.url, credentials: creds, sessionSeconds: 3600 });
    expect(token).toBe('the-token');
    const sent = fed.seen[0]!;
    expect(sent.pathname).toBe('/federation');
    expect(sent.searchParams.get('Action')).toBe('getSigninToken');
    expect(sent.searchParams.get('SessionDuration')).toBe('3600');
    expect(JSON.parse(sent.searchParams.get('Session')!)).toEqual({
      sessionId: creds.accessKeyId,
      sessionKey: SECRET,
      sessionToken: creds.sessionToken,
    });
  });

  it('reports a refusal without the keys, the URL or the answer', async () => {
    const fed = await fakeFederation((url) => ({ status: 400, body: `bad ${url.search}` }));
    const err = await requestSigninToken({ federationUrl: fed.url, credentials: creds, sessionSeconds: 900 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    const text = `${(err as AwsError).message} ${(err as AwsError).hint ?? ''}`;
    expect(text).toContain('HTTP 400');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Session');
  });

  it('reports an unreachable endpoint without the URL', async () => {
    const failing = vi.fn(async () => {
      throw new TypeError(`fetch failed for http://x/?Session=${SECRET}`);
    });
    const err = await requestSigninToken({ federationUrl: 'http://127.0.0.1:9/federation', credentials: creds, sessionSeconds: 900 }, failing).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(XacctError);
    expect((err as Error).message).toMatch(/could not reach the AWS sign-in endpoint 127\.0\.0\.1:9$/);
    expect(JSON.stringify(err)).not.toContain(SECRET);
  });

  it('refuses long-term keys before sending anything', async () => {
    const failing = vi.fn(fetch);
    await expect(
      requestSigninToken({ federationUrl: 'http://127.0.0.1:9/f', credentials: { accessKeyId: 'AKIA', secretAccessKey: SECRET }, sessionSeconds: 900 }, failing),
    ).rejects.toThrow(/temporary credentials/);
    expect(failing).not.toHaveBeenCalled();
  });
});

describe('console sign-in use case', () => {
  const obtained = (over: Partial<ObtainedCredentials> = {}): ObtainedCredentials => ({
    plan,
    credentials: creds,
    region: 'eu-west-1',
    provider: { retrieve: async () => creds },
    ...over,
  });

  it('gets the profile’s credentials, a sign-in token for them, and the login URL', async () => {
    const fed = await fakeFederation(() => ({ status: 200, body: '{"SigninToken":"signed-in"}' }));
    const getCredentials = vi.fn(async (_env: unknown, _req: CredentialRequest) => obtained());
    const login = await consoleSigninUrl({ XACCT_FEDERATION_URL: fed.url }, { profile: 'prod-admin', cache: true }, { getCredentials });

    expect(getCredentials).toHaveBeenCalledWith({ XACCT_FEDERATION_URL: fed.url }, { profile: 'prod-admin', cache: true, askForProfile: true });
    expect(login.profile).toBe('prod-admin');
    const url = new URL(login.url);
    expect(url.origin + url.pathname).toBe(fed.url);
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Issuer')).toBe('xacct');
    expect(url.searchParams.get('SigninToken')).toBe('signed-in');
    expect(url.searchParams.get('Destination')).toBe('https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
    expect(fed.seen[0]?.searchParams.get('SessionDuration')).toBe('7200');
  });

  it('follows the role duration of the plan (--duration applied), and caps a chained role at 1 hour', async () => {
    const fed = await fakeFederation(() => ({ status: 200, body: '{"SigninToken":"t"}' }));
    const env = { XACCT_FEDERATION_URL: fed.url };
    const short = { ...plan, durationSeconds: 1800 } as ProfilePlan;
    await consoleSigninUrl(env, { profile: 'p', duration: '30m', cache: true }, { getCredentials: async () => obtained({ plan: short }) });
    const chained = { ...plan, parent: plan } as ProfilePlan;
    await consoleSigninUrl(env, { profile: 'p', cache: true }, { getCredentials: async () => obtained({ plan: chained }) });
    expect(fed.seen.map((u) => u.searchParams.get('SessionDuration'))).toEqual(['1800', '3600']);
  });
});

describe('browser command', () => {
  const url = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=a&b';
  it('passes the URL as one argument to the platform’s opener, never to a shell', () => {
    expect(browserCommand(url, {}, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, {}, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, {}, 'win32')).toEqual(['rundll32.exe', ['url.dll,FileProtocolHandler', url]]);
  });
  it('prefers $BROWSER', () => {
    expect(browserCommand(url, { BROWSER: 'firefox:chromium' }, 'linux')).toEqual(['firefox', [url]]);
  });
});
