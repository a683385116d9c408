/**
 * The test run's own environment, independent of the caller's: `npm test` gives the same results whether or not
 * the caller has `xacct` on PATH (the README's `npm link` puts it there), and whatever the caller's HOME holds
 * (~/.aws/config, ~/.config/xacct, a keychain). global-setup.ts applies it to process.env before any worker starts,
 * so every test file, every helper and every child inherits it.
 *
 *  - PATH: the caller's folders (tools such as moto_server, aws, python3 are found there), absolute ones only, but
 *    a folder that holds an `xacct` is replaced by a copy of links to everything else in it. A test that needs
 *    xacct on PATH puts its own link first (withXacctOnPath).
 *  - HOME: an empty temporary folder; the XDG_*, AWS_*, XACCT_* and D-Bus variables of the caller are removed.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

/** What the caller may have set that would make a test read or write the caller's own state. */
const DROPPED = /^(AWS_|XACCT_|XDG_|DBUS_SESSION_BUS_ADDRESS$|NODE_EXTRA_CA_CERTS$|BROWSER$|SHELL$|npm_config_prefix$)/i;

export interface Isolation {
  /** The environment changes made (a value, or undefined for a removed variable). */
  readonly changes: Record<string, string | undefined>;
  /** Removes the temporary folders. */
  cleanup(): void;
}

/** A PATH without any `xacct` from the caller; shadow folders are made below `root`. */
export function pathWithoutXacct(path: string, root: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir) || seen.has(dir)) continue;
    seen.add(dir);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a folder that is not there finds nothing
    }
    if (!names.includes('xacct')) {
      out.push(dir);
      continue;
    }
    const shadow = join(root, `path-${out.length}`);
    mkdirSync(shadow, { recursive: true });
    for (const name of names) if (name !== 'xacct' && !isDir(join(dir, name))) symlinkSync(join(dir, name), join(shadow, name));
    out.push(shadow);
  }
  return out.join(delimiter);
}

function isDir(file: string): boolean {
  try {
    return lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function isolateEnvironment(env: NodeJS.ProcessEnv): Isolation {
  const root = mkdtempSync(join(tmpdir(), 'xacct-run-'));
  const home = join(root, 'home');
  mkdirSync(home, { mode: 0o700 });
  const changes: Record<string, string | undefined> = {};
  for (const name of Object.keys(env)) if (DROPPED.test(name)) changes[name] = undefined;
  changes.PATH = pathWithoutXacct(env.PATH ?? '/usr/bin:/bin', join(root, 'bin'));
  changes.HOME = home;
  return { changes, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
