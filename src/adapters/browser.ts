import { spawn } from 'node:child_process';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { envWithoutSecrets } from '../core/session-env.js';

/**
 * The command that opens a URL in the default browser, the URL as its own argv element and never through a
 * shell: the URL holds `&`s and a sign-in token. On Windows `start` is a cmd.exe builtin (a shell, which would
 * split the URL at `&`), so the URL handler is called directly. `$BROWSER` (a command) wins, as for other tools.
 */
export function browserCommand(url: string, env: Env, platform: NodeJS.Platform = process.platform): [string, string[]] {
  const preferred = env.BROWSER?.split(':')[0]?.trim();
  if (preferred) return [preferred, [url]];
  switch (platform) {
    case 'darwin':
      return ['open', [url]];
    case 'win32':
      return ['rundll32.exe', ['url.dll,FileProtocolHandler', url]];
    default:
      return ['xdg-open', [url]];
  }
}

/** Starts the browser and returns once it has started; it is not waited for (xdg-open may wait for the browser). */
export function openInBrowser(url: string, env: Env): Promise<void> {
  const [command, args] = browserCommand(url, env);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false, env: envWithoutSecrets(env) });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new XacctError(`could not open a browser: ${command} ${err.code === 'ENOENT' ? 'was not found' : 'failed to start'}`, {
          hint: 'use --print to get the sign-in URL on stdout, or set BROWSER to a browser command',
        }),
      );
    });
  });
}
