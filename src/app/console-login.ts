import type { SigninTokenRequest } from '../adapters/federation.js';
import { consoleEndpoints, consoleLoginUrl, consoleSessionSeconds, federationUrlFromEnv } from '../core/federation.js';
import type { Env } from '../core/paths.js';
import { getCredentials, type CredentialRequest, type ObtainedCredentials } from './get-credentials.js';

export interface ConsoleLoginDeps {
  readonly getCredentials: (env: Env, req: CredentialRequest) => Promise<ObtainedCredentials>;
  readonly requestSigninToken: (req: SigninTokenRequest) => Promise<string>;
}

const defaultDeps: ConsoleLoginDeps = {
  getCredentials,
  requestSigninToken: async (req) => (await import('../adapters/federation.js')).requestSigninToken(req),
};

export interface ConsoleLogin {
  readonly profile: string;
  /** A credential: whoever has it is signed in to the console as the role. Print it only on stdout. */
  readonly url: string;
}

/**
 * `xacct login`: the profile's role session, turned into a console sign-in URL. The console session lasts as long
 * as a role session of the profile would (the plan has --duration applied).
 */
export async function consoleSigninUrl(env: Env, req: CredentialRequest, deps: Partial<ConsoleLoginDeps> = {}): Promise<ConsoleLogin> {
  const d = { ...defaultDeps, ...deps };
  federationUrlFromEnv(env); // a bad XACCT_FEDERATION_URL is refused before any session is taken
  const { plan, credentials, region } = await d.getCredentials(env, { ...req, askForProfile: true });
  const endpoints = consoleEndpoints(region, env);
  const signinToken = await d.requestSigninToken({
    federationUrl: endpoints.federationUrl,
    credentials,
    sessionSeconds: consoleSessionSeconds(plan.durationSeconds, plan.parent !== undefined),
  });
  return { profile: plan.name, url: consoleLoginUrl(endpoints, signinToken) };
}

/**
 * `xacct login` without --print: the console opened in the user's browser. The browser gets a one-time loopback
 * URL, never the sign-in URL itself: its argv is visible in `ps`. Resolves once the browser has fetched it.
 */
export async function openConsoleInBrowser(env: Env, req: CredentialRequest, deps: Partial<ConsoleLoginDeps> = {}): Promise<{ profile: string }> {
  const login = await consoleSigninUrl(env, req, deps);
  const [{ openInBrowser }, { startOneTimeRedirect }] = await Promise.all([import('../adapters/browser.js'), import('../adapters/one-time-redirect.js')]);
  const redirect = await startOneTimeRedirect(login.url);
  try {
    await openInBrowser(redirect.url, env, redirect.done);
  } finally {
    redirect.close();
  }
  return { profile: login.profile };
}
