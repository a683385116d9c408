import { getCredentials, type CredentialRequest, type ObtainedCredentials } from './get-credentials.js';
import type { Env } from '../core/paths.js';
import { assertNotNested, currentSession, exportChanges, unsetChanges, type SessionStart } from '../core/exported-session.js';
import { sessionEnv, type SessionInput } from '../core/session-env.js';
import { exportStatements, type ExportShell } from '../core/shell-export.js';
import { say } from './say.js';

/** What the use cases below call; tests replace them. */
export interface SessionDeps {
  getCredentials(env: Env, req: CredentialRequest): Promise<ObtainedCredentials>;
  runCommand(command: string, args: readonly string[], env: Env): Promise<number>;
  startShell(shell: string, env: Env): Promise<number>;
  /** A line for people, on stderr. */
  say(line: string): void;
  now(): Date;
}

export interface SessionRequest extends CredentialRequest {
  /** --force: start a session inside another one. */
  readonly force?: boolean;
}

const defaultDeps: SessionDeps = {
  getCredentials,
  runCommand: async (command, args, env) => (await import('../adapters/process.js')).runCommand(command, args, env),
  startShell: async (shell, env) => (await import('../adapters/process.js')).startShell(shell, env),
  say,
  now: () => new Date(),
};

/**
 * The credentials of a session that exec or assume starts: refused inside another session unless --force (SPEC),
 * except an export that replaces the exported session of the same shell; the profile asked for with the picker
 * when none is named and there is no default_profile.
 */
export function sessionCredentials(
  env: Env,
  req: SessionRequest,
  get: SessionDeps['getCredentials'],
  start: SessionStart,
): Promise<ObtainedCredentials> {
  assertNotNested(env, start, req.force);
  return get(env, { ...req, askForProfile: true });
}

/** `xacct exec`: runs the command with the session in its environment; resolves to the command's exit code. */
export async function execWithSession(
  env: Env,
  req: SessionRequest,
  command: string,
  args: readonly string[],
  deps: Partial<SessionDeps> = {},
): Promise<number> {
  const d = { ...defaultDeps, ...deps };
  const obtained = await sessionCredentials(env, req, d.getCredentials, 'command');
  return d.runCommand(command, args, sessionEnv(env, sessionOf(obtained)));
}

/** `xacct assume`: the user's `$SHELL` (else /bin/sh) with the session; resolves to the shell's exit code. */
export async function assumeInShell(env: Env, req: SessionRequest, deps: Partial<SessionDeps> = {}): Promise<number> {
  const d = { ...defaultDeps, ...deps };
  const obtained = await sessionCredentials(env, req, d.getCredentials, 'shell');
  const expiry = obtained.credentials.expiration ? `, expires ${describeExpiry(obtained.credentials.expiration, d.now())}` : '';
  d.say(`entering ${obtained.plan.name} (${obtained.plan.roleArn})${expiry}; exit to leave`);
  return d.startShell(env.SHELL || '/bin/sh', sessionEnv(env, sessionOf(obtained)));
}

/**
 * `xacct assume --export`: the statements that turn the calling shell into a session, replacing the session an
 * earlier export put there (what it set and this one does not is unset).
 */
export async function assumeExport(env: Env, req: SessionRequest, shell: ExportShell, deps: Partial<SessionDeps> = {}): Promise<string> {
  const d = { ...defaultDeps, ...deps };
  const obtained = await sessionCredentials(env, req, d.getCredentials, 'export');
  return exportStatements(exportChanges(env, sessionOf(obtained), shell), shell);
}

/** `xacct assume --unset`: the statements that remove the session from the calling shell ('' when there is none). */
export function assumeUnset(env: Env, shell: ExportShell, deps: Partial<Pick<SessionDeps, 'say'>> = {}): string {
  const tell = deps.say ?? say;
  const current = currentSession(env);
  if (current.kind === 'none') tell('no xacct session in this shell: nothing to remove');
  if (current.kind === 'started') tell(`this shell was started by xacct for ${current.profile}: exit leaves it (its variables are removed all the same)`);
  return exportStatements(unsetChanges(env), shell);
}

function sessionOf(obtained: ObtainedCredentials): SessionInput {
  return { credentials: obtained.credentials, profile: obtained.plan.name, region: obtained.region };
}

/** "at 14:05 (in 59m)", local time: what a person at the terminal reads on a clock. */
export function describeExpiry(expiration: Date, now: Date): string {
  const hhmm = `${String(expiration.getHours()).padStart(2, '0')}:${String(expiration.getMinutes()).padStart(2, '0')}`;
  const minutes = Math.max(0, Math.round((expiration.getTime() - now.getTime()) / 60_000));
  const left = minutes >= 60 ? `${Math.floor(minutes / 60)}h${minutes % 60 ? `${String(minutes % 60).padStart(2, '0')}m` : ''}` : `${minutes}m`;
  return `at ${hhmm} (in ${left})`;
}
