import { startCredentialServer } from '../adapters/credential-server.js';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { assertNotNested, sessionEnv } from '../core/session-env.js';
import { getCredentials, type CredentialRequest, type ObtainedCredentials } from './get-credentials.js';
import type { SessionRequest } from './run-command.js';

export interface ServeDeps {
  readonly getCredentials: (env: Env, req: CredentialRequest) => Promise<ObtainedCredentials>;
  /** Runs a command with inherited stdio; resolves to its exit code (128 + N when it died of signal N). */
  readonly runCommand: (command: string, args: readonly string[], env: Env) => Promise<number>;
  /** A line for people, on stderr. */
  readonly say: (line: string) => void;
}

const defaultDeps: ServeDeps = {
  getCredentials,
  runCommand: async (command, args, env) => (await import('../adapters/process.js')).runCommand(command, args, env),
  say: (line) => void process.stderr.write(`xacct: ${line}\n`),
};

/**
 * `xacct exec --server`: the command gets a loopback credentials endpoint instead of static keys, and every request
 * there goes through the credential engine, so a long command never sees expired credentials.
 * Resolves to the command's exit code.
 */
export async function runWithCredentialServer(
  env: Env,
  req: SessionRequest,
  command: string,
  args: readonly string[],
  deps: Partial<ServeDeps> = {},
): Promise<number> {
  const d = { ...defaultDeps, ...deps };
  const debug = env.XACCT_DEBUG === '1' || env.XACCT_DEBUG === 'true';
  assertNotNested(env, req.force);

  // First retrieval before the command starts: the profile is chosen and any MFA prompt answered while the
  // terminal is still ours, and a profile that cannot be assumed fails here, not inside the command.
  const first = await d.getCredentials(env, req);
  const profile = first.plan.name;

  // The engine's provider: the same session while > 5 minutes of it remain, then the cached or a new one.
  const server = await startCredentialServer(() => first.provider.retrieve(), {
    onError: (err) => {
      d.say(`could not renew the credentials of ${profile}: ${describe(err)}`);
      if (debug && err instanceof Error && err.stack) d.say(err.stack);
    },
  });
  try {
    const childEnv = sessionEnv(env, {
      credentialServer: { url: server.url, authorizationToken: server.token },
      profile,
      region: first.region,
    });
    return await d.runCommand(command, args, childEnv);
  } finally {
    await server.close();
  }
}

function describe(err: unknown): string {
  return err instanceof XacctError ? err.message : 'unexpected error (XACCT_DEBUG=1 shows it)';
}
