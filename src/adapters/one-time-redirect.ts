import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XacctError } from '../core/errors.js';

export interface OneTimeRedirect {
  /** A loopback URL, safe to put on a command line: it reveals nothing, and works once. */
  readonly url: string;
  /** Resolves when the target was handed out (the server is then closed); rejects after the time limit. */
  readonly done: Promise<void>;
  close(): void;
}

/**
 * Hands `target` (a console sign-in URL, which is a credential) to the first request for a random loopback path,
 * as a redirect, then stops. A browser's command line stays visible in `ps` for as long as the browser runs; this
 * way only a one-time, short-lived path is ever on it, and the sign-in URL itself never is.
 */
export async function startOneTimeRedirect(target: string, timeoutMs = 120_000): Promise<OneTimeRedirect> {
  const path = `/signin/${randomBytes(32).toString('base64url')}`;
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(302, { Location: target, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).end();
    finish();
  });
  const timer = setTimeout(() => {
    finish(new XacctError(`the browser did not open the sign-in page within ${Math.round(timeoutMs / 1000)}s`, {
      hint: 'use --print to get the sign-in URL on stdout',
    }));
  }, timeoutMs);

  function finish(err?: Error): void {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections?.();
    if (err) settle?.reject(err);
    else settle?.resolve();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${path}`, done, close: () => finish() };
}
