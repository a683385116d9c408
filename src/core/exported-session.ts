/**
 * A session exported into the user's own shell (`eval "$(xacct assume prod-admin --export)"`): replaced by the next
 * export, removed by `xacct assume --unset`, and told apart from a shell or command xacct started (where `exit`
 * leaves the session), so that every message gives advice that fits.
 *
 * An export also sets XACCT_EXPORTED to `<shell>:<VAR>,<VAR>,…`: the dialect it was written in and the variables
 * it set. The next export unsets those it does not set itself (the previous profile's AWS_REGION, say), and
 * `--unset` removes exactly those: a region the user had set before an export of a profile without one stays.
 */
import { UsageError } from './errors.js';
import type { Env } from './paths.js';
import { EXPORTED_MARKER, sessionEnvChanges, type SessionInput } from './session-env.js';
import { isExportShell, type ExportShell } from './shell-export.js';

export { EXPORTED_MARKER };

/** Every variable an xacct session may set in a shell (SPEC, "Output and environment"). */
export const SESSION_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'XACCT_PROFILE',
] as const;

const KNOWN = new Set<string>(SESSION_VARS);

/** The session the environment is in, and how it was entered. */
export type CurrentSession =
  | { readonly kind: 'none' }
  /** `xacct assume` (a shell) or `xacct exec` (a command) started this process's shell: `exit` leaves it. */
  | { readonly kind: 'started'; readonly profile: string }
  /** Exported into this shell: only `assume --unset` (or another export) removes it. */
  | { readonly kind: 'exported'; readonly profile?: string; readonly shell: ExportShell; readonly vars: readonly string[] };

export function currentSession(env: Env): CurrentSession {
  const marker = parseMarker(env[EXPORTED_MARKER]);
  if (marker) return { kind: 'exported', ...(env.XACCT_PROFILE ? { profile: env.XACCT_PROFILE } : {}), ...marker };
  return env.XACCT_PROFILE ? { kind: 'started', profile: env.XACCT_PROFILE } : { kind: 'none' };
}

function parseMarker(value: string | undefined): { shell: ExportShell; vars: string[] } | undefined {
  const m = value ? /^([a-z]+):([A-Z_,]*)$/.exec(value) : null;
  if (!m || !isExportShell(m[1]!)) return undefined;
  // Only xacct's own variables: a marker edited by hand must not make --unset remove PATH.
  return { shell: m[1], vars: m[2]!.split(',').filter((v) => KNOWN.has(v)) };
}

/**
 * The changes an export makes to the calling shell: the session's variables, the removal of what the exported
 * session before it set and this one does not, and the marker.
 */
export function exportChanges(env: Env, input: SessionInput, shell: ExportShell): Record<string, string | undefined> {
  const changes = sessionEnvChanges(input);
  const current = currentSession(env);
  if (current.kind === 'exported') {
    for (const name of current.vars) if (changes[name] === undefined) changes[name] = undefined;
  }
  const set = SESSION_VARS.filter((name) => changes[name] !== undefined);
  changes[EXPORTED_MARKER] = `${shell}:${set.join(',')}`;
  return changes;
}

/**
 * What `assume --unset` removes: what the exported session set (and its marker); for a session of unknown origin
 * (no marker: a shell that xacct started, or an export of an older xacct), every variable a session may set.
 * Nothing when there is no session.
 */
export function unsetChanges(env: Env): Record<string, undefined> {
  const current = currentSession(env);
  if (current.kind === 'none') return {};
  const names = current.kind === 'exported' ? [...current.vars, 'XACCT_PROFILE', EXPORTED_MARKER] : [...SESSION_VARS];
  return Object.fromEntries([...new Set(names)].map((name) => [name, undefined]));
}

/** How to run an export or an unset in `shell`, for messages and help. */
export function evalCommand(shell: ExportShell, args: string): string {
  switch (shell) {
    case 'fish':
      return `xacct ${args} --export fish | source`;
    case 'powershell':
      return `xacct ${args} --export powershell | Out-String | Invoke-Expression`;
    default:
      return `eval "$(xacct ${args} --export ${shell})"`;
  }
}

export type SessionStart = 'shell' | 'command' | 'export';

/**
 * SPEC: inside an xacct session, exec and assume refuse to start another one unless given --force. An export in a
 * shell that holds an exported session is not nesting: it replaces that session. The advice says how to leave the
 * session the way it was entered: `exit` would close the user's own terminal in an exported shell.
 */
export function assertNotNested(env: Env, start: SessionStart, force: boolean | undefined): void {
  const current = currentSession(env);
  if (current.kind === 'none' || force) return;
  if (current.kind === 'exported') {
    if (start === 'export') return;
    const name = current.profile ?? 'unknown profile';
    throw new UsageError(
      `already inside an xacct session (${name}, exported into this shell)`,
      `remove it first with: ${evalCommand(current.shell, 'assume --unset')}; switch with: ${evalCommand(current.shell, 'assume <profile>')}; or pass --force to start a session inside ${name}'s`,
    );
  }
  throw new UsageError(
    `already inside an xacct session (${current.profile})`,
    `this shell was started by xacct for ${current.profile}: leave it first (exit), or pass --force to start a session of another profile inside it`,
  );
}
