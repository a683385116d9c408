/**
 * The client side of the passphrase agent (agent-server.ts). Every call has a time limit and any trouble means "no
 * agent": the caller then asks for the passphrase as if there were none. The agent's folder and socket are checked
 * to be the user's own (not a link, not open to others) before anything is sent.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_MESSAGE_BYTES, privateDirProblem, socketPathUsable, socketProblem, type AgentAnswer, type AgentRequest, type AgentStatus } from './agent-protocol.js';

export interface AgentClientOptions {
  /** Longest wait for one answer. */
  readonly timeoutMs?: number;
  /** Longest wait for a new agent to listen. */
  readonly startTimeoutMs?: number;
}

export interface AgentClient {
  /** The key held for `id`, if the agent runs and holds one. */
  get(id: string): Promise<Buffer | undefined>;
  /** Gives the agent a key, starting the agent when none runs; false when that could not be done. */
  put(id: string, key: Buffer, times: { readonly idleSeconds: number; readonly maxSeconds: number }): Promise<boolean>;
  status(): Promise<AgentStatus | undefined>;
  /** Stops the agent (it forgets every key); false when none was running. */
  stop(): Promise<boolean>;
  /** Why no agent can be used here (its folder is someone else's…), or undefined. */
  problem(): string | undefined;
}

const AGENT_MAIN = fileURLToPath(new URL('./agent-main.js', import.meta.url));

export function createAgentClient(socketPath: string, options: AgentClientOptions = {}): AgentClient {
  const timeoutMs = options.timeoutMs ?? 2_000;

  function problem(): string | undefined {
    if (!socketPathUsable(socketPath)) return `its socket path ${socketPath} is too long for a Unix socket`;
    const dir = dirname(socketPath);
    const dirProblem = privateDirProblem(dir);
    if (dirProblem === 'missing') return undefined;
    if (dirProblem) return dirProblem;
    const sockProblem = socketProblem(socketPath);
    if (sockProblem && sockProblem !== 'missing') return `${socketPath} ${sockProblem}`;
    return undefined;
  }

  /** The agent's answer, or undefined when there is no agent to ask (or it is not to be trusted). */
  async function ask(request: AgentRequest): Promise<AgentAnswer | undefined> {
    if (problem() !== undefined || socketProblem(socketPath) !== undefined) return undefined;
    return send(socketPath, request, timeoutMs);
  }

  async function start(): Promise<boolean> {
    try {
      const child = spawn(process.execPath, [AGENT_MAIN, socketPath], { detached: true, stdio: 'ignore', env: {}, cwd: '/' });
      child.on('error', () => undefined);
      child.unref();
    } catch {
      return false;
    }
    const until = Date.now() + (options.startTimeoutMs ?? 5_000);
    while (Date.now() < until) {
      if ((await ask({ op: 'ping' }))?.ok) return true;
      await sleep(25);
    }
    return false;
  }

  return {
    problem,
    async get(id) {
      const answer = await ask({ op: 'get', id });
      return answer?.ok && answer.key ? Buffer.from(answer.key, 'base64') : undefined;
    },
    async put(id, key, times) {
      if (problem() !== undefined) return false;
      const request: AgentRequest = { op: 'put', id, key: key.toString('base64'), ...times };
      const answer = (await ask(request)) ?? ((await start()) ? await ask(request) : undefined);
      return answer?.ok === true;
    },
    async status() {
      const answer = await ask({ op: 'status' });
      return answer?.ok ? answer.status : undefined;
    },
    async stop() {
      return (await ask({ op: 'stop' }))?.ok === true;
    },
  };
}

function send(socketPath: string, request: AgentRequest, timeoutMs: number): Promise<AgentAnswer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let text = '';
    let settled = false;
    const done = (answer: AgentAnswer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_MESSAGE_BYTES) return done(undefined);
      const end = text.indexOf('\n');
      if (end === -1) return;
      try {
        done(JSON.parse(text.slice(0, end)) as AgentAnswer);
      } catch {
        done(undefined);
      }
    });
    socket.once('end', () => done(undefined));
  });
}
