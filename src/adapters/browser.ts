import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { programName } from '../core/program-name.js';
import { envWithoutSecrets } from '../core/session-env.js';
import { howItEnded, startHelper } from './bounded-child.js';

/** How long the browser may take to fetch the URL: the one-time redirect's own window. */
const BROWSER_TIMEOUT_MS = 120_000;

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

/**
 * Opens `url` in the browser and resolves once `fetched` does (the browser has fetched the one-time URL).
 * The launcher (xdg-open, open, $BROWSER) gets xacct's environment without its secrets, and is a helper of
 * bounded-child.ts: if it exits non-zero before the URL was fetched (BROWSER=false, no browser), that is the error;
 * if the URL is not fetched within the time limit, or xacct ends first, the launcher is stopped with everything it
 * started. Once the URL is fetched, whatever still runs is the user's browser, holding nothing of xacct's: it is
 * left running.
 */
export async function openInBrowser(url: string, env: Env, fetched: Promise<void>, timeoutMs = BROWSER_TIMEOUT_MS): Promise<void> {
  const [command, args] = browserCommand(url, env);
  const what = `the browser launcher (${programName(command)})`;
  const hint = 'use --print to get the sign-in URL on stdout, or set BROWSER to a browser command';
  const helper = startHelper(command, args, { what, timeoutMs, env: envWithoutSecrets(env), stdio: 'ignore' });
  const launcherFailed = helper.ended.then(
    (end) => {
      const failed = howItEnded(end, timeoutMs);
      // Exit 0: it handed the URL to a browser (xdg-open does, at once); the browser has yet to fetch it.
      if (failed) throw new XacctError(`could not open a browser: ${what} ${failed}`, { hint });
      return new Promise<never>(() => undefined);
    },
    (err: unknown) => {
      const why = err instanceof XacctError && /not found$/.test(err.message) ? 'was not found' : 'could not be started';
      throw new XacctError(`could not open a browser: ${what} ${why}`, { hint, cause: err });
    },
  );
  try {
    await Promise.race([fetched, launcherFailed]);
  } catch (err) {
    helper.stop();
    throw err;
  }
  helper.release();
}
