/**
 * `on_assume = "cmd"` of the profile map: a command run through `sh -c` after each new role session (never for a
 * cached one), told which session through XACCT_* variables and never given a secret. Its output goes to stderr,
 * since stdout may be credential-process's JSON; it cannot fail the session, only warn.
 */
import { howItEnded, startHelper } from '../adapters/bounded-child.js';
import type { Env } from '../core/paths.js';
import type { ProfilePlan } from '../core/profile-map/types.js';
import { programName } from '../core/program-name.js';
import { applyEnvChanges, envWithoutSecrets } from '../core/session-env.js';

const ON_ASSUME_TIMEOUT_MS = 10_000;

export interface RoleSessionEvent {
  readonly plan: ProfilePlan;
  readonly sessionName: string;
  readonly expiration?: Date;
}

export interface OnAssumeOptions {
  /** xacct's environment, which the command inherits without the secrets. */
  readonly env: Env;
  /** One line for people on stderr. */
  readonly warn: (message: string) => void;
  readonly timeoutMs?: number;
  /** Where the command's stdout and stderr go: our stderr (fd 2) by default. */
  readonly output?: number;
}

/** The command's environment: `env` without the secrets, with the session described by XACCT_* variables. */
export function onAssumeEnv(env: Env, event: RoleSessionEvent): Record<string, string> {
  const { plan } = event;
  return applyEnvChanges(envWithoutSecrets(env), {
    XACCT_PROFILE: plan.name,
    XACCT_ACCOUNT_ID: plan.accountId,
    XACCT_ACCOUNT_NAME: plan.accountName ?? '',
    XACCT_ROLE_ARN: plan.roleArn,
    XACCT_ROLE_SESSION_NAME: event.sessionName,
    XACCT_EXPIRATION: event.expiration?.toISOString() ?? '',
  });
}

/** Runs the command and waits for it (at most `timeoutMs`); every failure is a warning, never an error. */
export async function runOnAssume(command: string, event: RoleSessionEvent, options: OnAssumeOptions): Promise<void> {
  const what = `on_assume (${programName(command)})`;
  const timeoutMs = options.timeoutMs ?? ON_ASSUME_TIMEOUT_MS;
  const output = options.output ?? 2;
  let outcome: string | undefined;
  try {
    const helper = startHelper('/bin/sh', ['-c', command], { what, timeoutMs, env: onAssumeEnv(options.env, event), stdio: ['ignore', output, output] });
    outcome = howItEnded(await helper.ended, timeoutMs);
  } catch (err) {
    outcome = `could not be started: ${err instanceof Error ? err.message.replace(`${what} could not be started: `, '') : String(err)}`;
  }
  if (outcome) options.warn(`${what} ${outcome}; the session of ${event.plan.name} is still used`);
}
