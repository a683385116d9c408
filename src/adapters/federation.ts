import type { AwsCredentials } from '../core/credentials.js';
import { AwsError } from '../core/errors.js';
import { parseSigninToken, signinTokenRequestUrl } from '../core/federation.js';

export interface SigninTokenRequest {
  readonly federationUrl: string;
  readonly credentials: AwsCredentials;
  readonly sessionSeconds: number;
  readonly timeoutMs?: number;
}

/**
 * Calls `getSigninToken` on the federation endpoint. The request URL holds the session's keys, so no message
 * here quotes it, the answer's body, or the underlying error (whose text may quote the URL).
 */
export async function requestSigninToken(req: SigninTokenRequest, fetchImpl: typeof fetch = fetch): Promise<string> {
  const endpoint = new URL(req.federationUrl).host;
  const requestUrl = signinTokenRequestUrl(req.federationUrl, req.credentials, req.sessionSeconds);
  let response: Response;
  try {
    response = await fetchImpl(requestUrl, {
      headers: { Accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(req.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw new AwsError(
      'FederationUnreachable',
      `could not reach the AWS sign-in endpoint ${endpoint}${timedOut ? ' (timed out)' : ''}`,
      'check the network connection (and XACCT_FEDERATION_URL, when set)',
    );
  }
  const body = await response.text().catch(() => '');
  if (!response.ok) {
    throw new AwsError(
      'FederationRefused',
      `the AWS sign-in endpoint ${endpoint} refused the role session (HTTP ${response.status})`,
      response.status === 400 ? 'the role session may have expired: try again with --no-cache' : undefined,
    );
  }
  const token = parseSigninToken(body);
  if (!token) throw new AwsError('FederationRefused', `the AWS sign-in endpoint ${endpoint} answered without a sign-in token`);
  return token;
}
