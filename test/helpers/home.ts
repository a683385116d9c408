/** A temporary HOME with the XDG folders inside it, and a clean environment for the processes a test starts. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Env } from './procs.js';

export type { Env } from './procs.js';

export interface TestHome {
  /** The temporary HOME (a short path: unix sockets live below it). */
  readonly dir: string;
  /**
   * HOME, the XDG_* folders inside it, PATH/LANG/TERM copied from outside and nothing else from there:
   * no AWS_*, XACCT_*, XDG_* or NODE_EXTRA_CA_CERTS (it makes every node start 90 ms slower).
   */
  readonly env: Env;
  /** An absolute path below HOME. */
  path(...parts: string[]): string;
  /** Writes a file below HOME (creating its folders) and returns its absolute path. */
  write(relativePath: string, content: string, mode?: number): string;
  /** Removes the whole folder. */
  cleanup(): void;
}

/** The outer variables a child may see; everything else (AWS_*, XACCT_*, XDG_*, NODE_*, DBUS_*, CI…) stays out. */
const COPIED = ['PATH', 'LANG', 'TERM'] as const;

export function makeHome(): TestHome {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-test-'));
  const xdg = {
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_DATA_HOME: join(dir, '.local/share'),
    XDG_STATE_HOME: join(dir, '.local/state'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    // gnome-keyring puts its control socket here; without it, parallel test files would share /run/user/<uid>.
    XDG_RUNTIME_DIR: join(dir, '.run'),
  };
  for (const d of Object.values(xdg)) mkdirSync(d, { recursive: true, mode: 0o700 });
  chmodSync(xdg.XDG_RUNTIME_DIR, 0o700);

  const env: Env = {};
  for (const name of COPIED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    HOME: dir,
    ...xdg,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  return {
    dir,
    env,
    path: (...parts) => join(dir, ...parts),
    write(relativePath, content, mode = 0o600) {
      const file = join(dir, relativePath);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, { mode });
      return file;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
