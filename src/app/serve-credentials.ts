import { startCredentialServer } from '../adapters/credential-server.js';
import { credentialSettingOf } from '../core/aws-profile-kind.js';
import { XacctError } from '../core/errors.js';
import { xacctPaths, type Env } from '../core/paths.js';
import { sessionEnv } from '../core/session-env.js';
import { getCredentials, type CredentialRequest, type ObtainedCredentials } from './get-credentials.js';
import { sessionCredentials, type SessionRequest } from './run-command.js';
import { debugEnabled, debugTrace, say } from './say.js';

export interface ServeDeps {
  readonly getCredentials: (env: Env, req: CredentialRequest) => Promise<ObtainedCredentials>;
  /** Runs a command with inherited stdio; resolves to its exit code (128 + N when it died of signal N). */
  readonly runCommand: (command: string, args: readonly string[], env: Env) => Promise<number>;
  /** A line for people, on stderr. */
  readonly say: (line: string) => void;
  /** Why the AWS tools would take other credentials than the endpoint's (see shadowingDefaultProfile), if they would. */
  readonly shadowingDefaultProfile: (env: Env) => Promise<string | undefined>;
}

const defaultDeps: ServeDeps = {
  getCredentials,
  runCommand: async (command, args, env) => (await import('../adapters/process.js')).runCommand(command, args, env),
  say,
  shadowingDefaultProfile,
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
  const debug = debugEnabled(env);

  // First retrieval before the command starts: the profile is chosen and any MFA prompt answered while the
  // terminal is still ours, and a profile that cannot be assumed fails here, not inside the command.
  const first = await sessionCredentials(env, req, d.getCredentials, 'command');
  const profile = first.plan.name;
  const shadowed = await d.shadowingDefaultProfile(env).catch(() => undefined);
  if (shadowed) d.say(`warning: ${shadowed}`);

  // The engine's provider: the same session while > 5 minutes of it remain, then the cached or a new one. A renewal
  // that cannot get an MFA code fails at once with the reason (the client gets a 500 with it), never waits.
  const renewals = first.background ?? first.provider;
  const server = await startCredentialServer(() => renewals.retrieve(), {
    onError: (err) => {
      d.say(`could not renew the credentials of ${profile}: ${describe(err)}`);
      if (debug) debugTrace(err);
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
  if (!(err instanceof XacctError)) return 'unexpected error (XACCT_DEBUG=1 shows it)';
  return err.hint ? `${err.message}; ${err.hint}` : err.message;
}

/**
 * The child has no AWS_PROFILE, so the tools use the `[default]` profile, and botocore's chain and the JS SDK's
 * look at it (shared credentials and config files) before the container endpoint: credentials there would win.
 */
async function shadowingDefaultProfile(env: Env): Promise<string | undefined> {
  const paths = xacctPaths(env);
  const { readAwsSharedConfig } = await import('../adapters/config-files/aws-shared-config.js');
  const { awsConfig, awsCredentials } = await readAwsSharedConfig(paths.awsConfig, paths.awsCredentials, paths.parsedMaps);
  for (const file of [awsCredentials, awsConfig]) {
    const section = file?.profiles.default;
    const setting = credentialSettingOf(section);
    if (file && setting) {
      return (
        `the [default] profile of ${file.file} has credentials (${setting}), and the AWS CLI and SDKs use them before ` +
        `exec --server's endpoint: the command may not run as the profile asked for; move them to a named profile`
      );
    }
  }
  return undefined;
}
