/**
 * External programs the integration tests need. Outside CI a missing one skips the suites that need it, with a
 * warning naming it; under CI=true it fails them, so that a CI machine cannot pass by testing nothing.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What each service of startEnv() needs. */
export const TOOLS = {
  keyring: ['dbus-daemon', 'gnome-keyring-daemon', 'dbus-send'],
  sts: ['moto_server'],
  pty: ['python3'],
  awsCli: ['aws'],
  secretTool: ['secret-tool'],
} as const;

export type ToolGroup = keyof typeof TOOLS;

/** True when `name` is an executable file in one of PATH's folders (or at `name`, when it has a slash). */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((d) => join(d, name));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Checks that every tool is on PATH. Returns true when all are; otherwise, outside CI, warns (naming the missing
 * tools) and returns false so that the caller can skip; under CI=true, throws.
 *
 *     describe.skipIf(!requireTools(['moto_server', 'aws']))('whoami', () => { ... });
 *
 * Call it at the top level of a test file (while vitest collects tests) so that the skip is decided in time.
 */
export function requireTools(names: readonly string[], what = 'these tests'): boolean {
  const missing = [...new Set(names)].filter((n) => !onPath(n));
  if (missing.length === 0) return true;
  const message = `${what} need ${missing.join(', ')}, not found on PATH`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing tool is an error; see .ci/run)`);
  console.warn(`SKIPPED: ${message}. Install them to run these tests (see README.md).`);
  return false;
}

/** requireTools() for the services of startEnv(): `describe.skipIf(!requireEnv(opts))`. */
export function requireEnv(groups: Partial<Record<ToolGroup, boolean>>, what?: string): boolean {
  const names = (Object.keys(groups) as ToolGroup[]).filter((g) => groups[g]).flatMap((g) => TOOLS[g]);
  return requireTools(names, what);
}
