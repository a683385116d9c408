import type * as http from 'node:http';
import { request } from 'node:http';
import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCredentialServer, type CredentialServer } from '../../src/adapters/credential-server.js';
import type { AwsCredentials } from '../../src/core/credentials.js';
import { AwsError } from '../../src/core/errors.js';

/** Requests the server has taken in: its own handler has run (and joined the retrieval) for each of them. */
const seen = vi.hoisted(() => ({ requests: 0 }));
vi.mock('node:http', async (importOriginal) => {
  const actual = await importOriginal<typeof http>();
  const createServer = ((...args: Parameters<typeof actual.createServer>) =>
    actual.createServer(...args).on('request', () => {
      seen.requests++;
    })) as typeof actual.createServer;
  return { ...actual, createServer };
});

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const creds: AwsCredentials = {
  accessKeyId: 'ASIAEXAMPLE0000001',
  secretAccessKey: SECRET,
  sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
  expiration: new Date('2030-01-01T00:00:00.000Z'),
};

interface Reply {
  status: number;
  body: string;
}

/** node:http rather than fetch: fetch will not send a forged Host. */
function get(url: string, headers: Record<string, string>, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: CredentialServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(fn: () => Promise<AwsCredentials>, onError?: (err: unknown) => void) {
  server = await startCredentialServer(fn, onError ? { onError } : {});
  return server;
}

describe('credential server', () => {
  it('listens on a loopback URL with a fresh 256-bit token', async () => {
    const a = await start(async () => creds);
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    const b = await startCredentialServer(async () => creds);
    try {
      expect(b.token).not.toBe(a.token);
      expect(b.url).not.toBe(a.url);
    } finally {
      await b.close();
    }
  });

  it('serves the container-credentials JSON to a request with the token', async () => {
    const s = await start(async () => creds);
    const reply = await get(s.url, { Authorization: s.token });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: SECRET,
      Token: creds.sessionToken,
      Expiration: '2030-01-01T00:00:00.000Z',
    });
  });

  it('compares the token in constant time, whatever its length', async () => {
    const s = await start(async () => creds);
    const safeEqual = vi.mocked(crypto.timingSafeEqual);
    safeEqual.mockClear();
    for (const wrong of ['x', s.token.slice(0, -1), `${s.token}x`, s.token.toUpperCase() === s.token ? 'y' : s.token.toUpperCase()]) {
      const reply = await get(s.url, { Authorization: wrong });
      expect(reply).toEqual({ status: 403, body: '' });
    }
    expect(safeEqual).toHaveBeenCalledTimes(4);
  });

  it('refuses a request without the token, and says nothing', async () => {
    const provider = vi.fn(async () => creds);
    const s = await start(provider);
    expect(await get(s.url, {})).toEqual({ status: 403, body: '' });
    expect(await get(s.url, { Authorization: '' })).toEqual({ status: 403, body: '' });
    expect(await get(s.url, { Authorization: `Bearer ${s.token}` })).toEqual({ status: 403, body: '' });
    expect(provider).not.toHaveBeenCalled();
  });

  it('refuses a Host that is not loopback (DNS rebinding) and any browser Origin, even with the token', async () => {
    const provider = vi.fn(async () => creds);
    const s = await start(provider);
    const port = new URL(s.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, '127.0.0.1:1']) {
      expect(await get(s.url, { Authorization: s.token, Host: host })).toEqual({ status: 403, body: '' });
    }
    expect(await get(s.url, { Authorization: s.token, Origin: 'http://evil.example' })).toEqual({ status: 403, body: '' });
    expect(await get(s.url, { Authorization: s.token, Origin: `http://127.0.0.1:${port}` })).toEqual({ status: 403, body: '' });
    expect(provider).not.toHaveBeenCalled();
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      expect((await get(s.url, { Authorization: s.token, Host: host })).status).toBe(200);
    }
  });

  it('answers only GET on its path', async () => {
    const s = await start(async () => creds);
    const other = new URL(s.url);
    other.pathname = '/';
    expect(await get(other.href, { Authorization: s.token })).toEqual({ status: 404, body: '' });
    expect(await get(s.url, { Authorization: s.token }, 'POST')).toEqual({ status: 405, body: '' });
    expect((await get(`${s.url}?x=1`, { Authorization: s.token })).status).toBe(200);
  });

  it('asks its provider on every request and shares one call among concurrent requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const provider = vi.fn(async () => {
      await gate;
      return creds;
    });
    const s = await start(provider);
    const before = seen.requests;
    const replies = Array.from({ length: 5 }, () => get(s.url, { Authorization: s.token }));
    // Released once all five are in (a fixed pause let some arrive after the release on a busy machine).
    for (const deadline = Date.now() + 10_000; seen.requests - before < 5 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(seen.requests - before).toBe(5);
    release();
    for (const reply of await Promise.all(replies)) expect(reply.status).toBe(200);
    expect(provider).toHaveBeenCalledTimes(1);

    await get(s.url, { Authorization: s.token });
    expect(provider).toHaveBeenCalledTimes(2);
  });

  it('answers 500 with a code and a message, never a secret, and tells its owner', async () => {
    const errors: unknown[] = [];
    let failure: unknown = new AwsError('AccessDenied', 'AWS refused to let you assume the role');
    const s = await start(async () => {
      throw failure;
    }, (err) => errors.push(err));

    const refused = await get(s.url, { Authorization: s.token });
    expect(refused.status).toBe(500);
    expect(JSON.parse(refused.body)).toEqual({ code: 'AccessDenied', message: 'AWS refused to let you assume the role' });

    failure = new Error(`socket hang up while sending ${SECRET}`);
    const unexpected = await get(s.url, { Authorization: s.token });
    expect(unexpected.status).toBe(500);
    expect(unexpected.body).not.toContain(SECRET);
    expect(Object.keys(JSON.parse(unexpected.body)).sort()).toEqual(['code', 'message']);
    expect(errors).toHaveLength(2);
  });

  it('refuses to serve long-term keys, which the SDKs would reject', async () => {
    const s = await start(async () => ({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET }));
    const reply = await get(s.url, { Authorization: s.token });
    expect(reply.status).toBe(500);
    expect(reply.body).not.toContain(SECRET);
  });

  it('stops listening when closed', async () => {
    const s = await start(async () => creds);
    await s.close();
    server = undefined;
    await expect(get(s.url, { Authorization: s.token })).rejects.toThrow(/ECONNREFUSED/);
  });
});
