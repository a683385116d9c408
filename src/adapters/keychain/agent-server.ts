/**
 * The passphrase agent: a small process of the user's that holds the file backend's derived keys (never the
 * passphrase) in memory, so that a burst of xacct processes asks for the passphrase once. Like ssh-agent and
 * gpg-agent: a Unix socket only the user can open, in a folder of the user (0700), refused otherwise.
 *
 * Bounded: each key is forgotten (its bytes zeroed) after `idleSeconds` without use and `maxSeconds` after it was
 * given; the agent exits when it holds no key, when told to stop, on SIGTERM/SIGINT/SIGHUP, and when its socket is
 * removed or replaced (its folder deleted at logout, or a test's HOME). It never logs and has no terminal.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { statSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { MAX_MESSAGE_BYTES, makeSocketDir, socketProblem, type AgentAnswer, type AgentRequest } from './agent-protocol.js';

export interface AgentServerOptions {
  readonly socketPath: string;
  /** How long an agent without a key waits for its first one before it exits. */
  readonly emptyGraceMs?: number;
  /** How often it checks that its socket is still its own. */
  readonly watchMs?: number;
}

interface Held {
  readonly key: Buffer;
  readonly idleMs: number;
  readonly expires: number;
  lastUsed: number;
}

const CONNECTION_TIMEOUT_MS = 2_000;
const MAX_KEYS = 16;
const MAX_SECONDS = 24 * 3600;

/** Starts serving; resolves once listening, or to false when another agent already serves the socket. */
export async function startAgentServer(options: AgentServerOptions): Promise<boolean> {
  const { socketPath } = options;
  if (!(await makeSocketDir(socketPath))) return false;
  if (socketProblem(socketPath) === undefined) {
    if (await answers(socketPath)) return false;
    // A socket of ours that no one serves: left by an agent that was killed.
    unlinkSync(socketPath);
  } else if (socketProblem(socketPath) !== 'missing') return false;

  const held = new Map<string, Held>();
  const server = createServer((socket) => serve(socket));
  const started = Date.now();
  /** The socket file we listen on (to tell it from one that replaced it), and the sweeping timer. */
  let hadKeys = false;
  const own: { identity?: { dev: number; ino: number }; sweeper?: NodeJS.Timeout } = {};

  function forget(id: string): void {
    const h = held.get(id);
    if (!h) return;
    h.key.fill(0);
    held.delete(id);
  }

  function stop(): void {
    for (const id of [...held.keys()]) forget(id);
    clearInterval(own.sweeper);
    server.close();
    try {
      // Only our own socket: another agent may have taken the path since.
      const st = statSync(socketPath);
      if (own.identity && st.dev === own.identity.dev && st.ino === own.identity.ino) unlinkSync(socketPath);
    } catch {
      /* gone already */
    }
    setImmediate(() => process.exit(0));
  }

  function sweep(): void {
    const now = Date.now();
    for (const [id, h] of held) if (now >= h.expires || now - h.lastUsed >= h.idleMs) forget(id);
    // A new agent waits a little for its first key; once its keys are forgotten, it has nothing to do.
    if (held.size === 0 && (hadKeys || now - started >= (options.emptyGraceMs ?? 30_000))) return stop();
    try {
      const st = statSync(socketPath);
      if (!own.identity || st.dev !== own.identity.dev || st.ino !== own.identity.ino) stop();
    } catch {
      stop();
    }
  }

  function answer(request: AgentRequest): AgentAnswer {
    const now = Date.now();
    switch (request.op) {
      case 'ping':
        return { ok: true };
      case 'get': {
        const h = held.get(request.id);
        if (!h || now >= h.expires || now - h.lastUsed >= h.idleMs) {
          forget(request.id);
          return { ok: true };
        }
        h.lastUsed = now;
        return { ok: true, key: h.key.toString('base64') };
      }
      case 'put': {
        const key = Buffer.from(request.key, 'base64');
        const idle = boundedSeconds(request.idleSeconds);
        const max = boundedSeconds(request.maxSeconds);
        if (key.length !== 32 || idle === 0 || max === 0) return { ok: false, error: 'bad key' };
        forget(request.id);
        if (held.size >= MAX_KEYS) forget(oldest(held));
        held.set(request.id, { key, idleMs: idle * 1000, expires: now + max * 1000, lastUsed: now });
        hadKeys = true;
        return { ok: true };
      }
      case 'status':
        return {
          ok: true,
          status: {
            pid: process.pid,
            keys: [...held.values()].map((h) => ({ secondsLeft: Math.max(0, Math.round(Math.min(h.expires - now, h.lastUsed + h.idleMs - now) / 1000)) })),
          },
        };
      case 'stop':
        setImmediate(stop);
        return { ok: true };
      default:
        return { ok: false, error: 'unknown request' };
    }
  }

  function serve(socket: Socket): void {
    socket.setTimeout(CONNECTION_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_MESSAGE_BYTES) return void socket.destroy();
      const end = text.indexOf('\n');
      if (end === -1) return;
      let reply: AgentAnswer;
      try {
        reply = answer(JSON.parse(text.slice(0, end)) as AgentRequest);
      } catch {
        reply = { ok: false, error: 'bad request' };
      }
      socket.end(`${JSON.stringify(reply)}\n`);
    });
  }

  const listening = await listen(server, socketPath);
  if (!listening) return false;
  const st = statSync(socketPath);
  own.identity = { dev: st.dev, ino: st.ino };
  own.sweeper = setInterval(sweep, options.watchMs ?? 1_000);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  return true;
}

function boundedSeconds(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_SECONDS) : 0;
}

function oldest(held: ReadonlyMap<string, Held>): string {
  let id = '';
  let at = Infinity;
  for (const [k, h] of held) if (h.lastUsed < at) [id, at] = [k, h.lastUsed];
  return id;
}

function listen(server: Server, socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false)); // EADDRINUSE: another agent was quicker
    // The agent's umask (077, set by its main) makes the socket private from the start: no moment where others could
    // connect, besides the folder's own 0700.
    server.listen(socketPath, () => resolve(true));
  });
}

/** Whether an agent answers on the socket (within a short time). */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`${JSON.stringify({ op: 'ping' })}\n`));
    socket.once('data', () => done(true));
  });
}
