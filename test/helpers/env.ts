/**
 * One call for an integration test file: a temporary HOME, and as asked a private keyring and moto behind the
 * STS proxy, with an IAM user that has access keys and an MFA device.
 *
 *     const opts = { keyring: true, sts: true };
 *     describe.skipIf(!requireEnv(opts))('credential-process', () => {
 *       let t: TestEnv;
 *       beforeAll(async () => (t = await startEnv(opts)));
 *       afterAll(() => t?.stop());
 *       it('prints credentials', async () => {
 *         const r = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: t.env });
 *         expect(t.sts.count('GetSessionToken')).toBe(1);
 *       });
 *     });
 */
import { makeHome, type Env, type TestHome } from './home.js';
import { startKeyring, type Keyring } from './keyring.js';
import { createIamUser, startMoto, type IamUser, type Moto } from './moto.js';
import { startStsProxy, type StsProxy } from './sts-proxy.js';

export interface EnvOptions {
  /** A private D-Bus session with an unlocked GNOME Keyring. */
  keyring?: boolean;
  /** moto_server behind the STS proxy, and an IAM user (`alice`) in it. */
  sts?: boolean;
}

export interface TestEnv {
  home: TestHome;
  /**
   * For the CLI: home.env, plus DBUS_SESSION_BUS_ADDRESS (keyring) and AWS_ENDPOINT_URL_STS and
   * AWS_ENDPOINT_URL_IAM=<proxy> (sts). No region and no credentials: a test writes what it needs (profile map, ~/.aws files).
   */
  env: Env;
  /** Only with `keyring: true` (otherwise undefined, and no D-Bus address in env: keychain use fails). */
  keyring: Keyring;
  /** Only with `sts: true`. */
  moto: Moto;
  sts: StsProxy;
  user: IamUser;
  /** Milliseconds each service took to start. */
  timings: Record<string, number>;
  /** Stops everything started, in reverse order, and removes HOME. */
  stop(): Promise<void>;
}

export async function startEnv(opts: EnvOptions = {}): Promise<TestEnv> {
  const started: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s();
  };
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>) => {
    const t0 = Date.now();
    const v = await f();
    timings[name] = Date.now() - t0;
    return v;
  };
  try {
    const home = makeHome();
    started.push(() => home.cleanup());
    const env: Env = { ...home.env };
    const t = { home, env, timings, stop } as TestEnv;
    // The keyring (~100 ms) and moto (~1 s) start side by side; on a failure, wait for both before stopping.
    const outcomes = await Promise.allSettled([
      opts.keyring &&
        timed('keyring', () => startKeyring(home)).then((k) => {
          started.push(() => k.stop());
          t.keyring = k;
          Object.assign(env, k.env);
        }),
      opts.sts &&
        timed('moto', () => startMoto()).then(async (m) => {
          started.push(() => m.stop());
          t.moto = m;
          t.sts = await timed('proxy', () => startStsProxy(m));
          started.push(() => t.sts.stop());
          t.user = await timed('iamUser', () => createIamUser(m.url, 'alice'));
          // One proxy fronts moto for both: it tells the services apart by the signature's credential scope.
          env.AWS_ENDPOINT_URL_STS = t.sts.url;
          env.AWS_ENDPOINT_URL_IAM = t.sts.url;
        }),
    ]);
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
    return t;
  } catch (err) {
    await stop();
    throw err;
  }
}
