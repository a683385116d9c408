/**
 * Where the file backend's key comes from: XACCT_FILE_PASSPHRASE (as before, no agent); else the passphrase agent,
 * when it holds the key already; else the person, once, in turn on the terminal, after which the agent keeps the
 * derived key for the burst of processes that follows (see agent-server.ts and SECURITY.md).
 */
import { XacctError } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import type { Env } from '../../core/paths.js';
import { filePassphrase } from '../../core/session-env.js';
import { onTerminalTurn } from '../prompt/terminal-turn.js';
import { terminalPresent } from '../prompt/tty.js';
import { createAgentClient, type AgentClient } from './agent-client.js';
import { askPassphrase, noTerminalForPassphrase, PASSPHRASE_NEED } from './passphrase-prompt.js';

export interface KeyRequest {
  readonly file: string;
  /** True when the file does not exist yet: the passphrase is new (asked twice). */
  readonly creating: boolean;
  /** Names the key by the file's salt and KDF parameters; not secret. */
  readonly id: string;
  derive(passphrase: string): Promise<Buffer>;
  /** Whether `key` opens the file (true for a file not written yet). */
  opens(key: Buffer): boolean;
}

export type KeySource = (req: KeyRequest) => Promise<Buffer>;

export interface KeySourceOptions {
  /** How long the agent keeps an unlocked key while it is used; 0: no agent (every process asks). */
  readonly holdSeconds: number;
  readonly socketPath: string;
  /** false: never ask on the terminal (`list`); the key comes from the environment or the agent, or not at all. */
  readonly ask?: boolean;
  /** For tests. */
  readonly agent?: AgentClient;
}

/** A key is forgotten this long after the passphrase was typed, however much it is used (gpg-agent's max-cache-ttl). */
export const MAX_HOLD_SECONDS = 2 * 3600;
/** Passphrases tried before giving up. */
const TRIES = 3;

export function keyFromEnvAgentOrTerminal(env: Env, options: KeySourceOptions): KeySource {
  return async (req) => {
    const fromEnv = filePassphrase(env);
    if (fromEnv) return req.derive(fromEnv);
    const agent = options.holdSeconds > 0 ? (options.agent ?? createAgentClient(options.socketPath)) : undefined;
    const held = await fromAgent(agent, req);
    if (held) return held;
    if (options.ask === false) {
      throw new XacctError(`XACCT_FILE_PASSPHRASE is not set, and ${req.file} is not unlocked by the passphrase agent`);
    }
    if (!terminalPresent()) throw noTerminalForPassphrase(req.file);
    return onTerminalTurn(env, PASSPHRASE_NEED, async () => {
      // The process before this one in turn may have unlocked the file meanwhile.
      const now = await fromAgent(agent, req);
      if (now) return now;
      const key = await askForKey(env, req, note(agent, options.holdSeconds));
      if (agent) await agent.put(req.id, key, { idleSeconds: options.holdSeconds, maxSeconds: Math.max(options.holdSeconds, MAX_HOLD_SECONDS) });
      return key;
    });
  };
}

async function fromAgent(agent: AgentClient | undefined, req: KeyRequest): Promise<Buffer | undefined> {
  const key = await agent?.get(req.id);
  return key && !req.creating && req.opens(key) ? key : undefined;
}

/** What the prompt tells about the agent: how long the file stays unlocked, or why it will not. */
function note(agent: AgentClient | undefined, holdSeconds: number): string | undefined {
  if (!agent) return undefined;
  const problem = agent.problem();
  if (problem) return `The file is not kept unlocked for other xacct processes (the passphrase agent is not used: ${problem}).`;
  return `The passphrase unlocks xacct's encrypted file for all your xacct processes for ${formatDuration(holdSeconds)} (\`xacct agent stop\` locks it).`;
}

async function askForKey(env: Env, req: KeyRequest, note: string | undefined): Promise<Buffer> {
  const said = note ? { note } : {};
  if (req.creating) return req.derive(await askPassphrase(env, req.file, true, said));
  let key: Buffer | undefined;
  let wrong = 0;
  // Checked as typed: a wrong passphrase is asked again on the spot, the way sudo does.
  await askPassphrase(env, req.file, false, {
    ...said,
    check: async (passphrase) => {
      const candidate = await req.derive(passphrase);
      if (req.opens(candidate)) {
        key = candidate;
        return true;
      }
      candidate.fill(0);
      return ++wrong >= TRIES ? true : `that passphrase does not open ${req.file}; try again`;
    },
  });
  if (!key) {
    throw new XacctError(`cannot decrypt ${req.file}: wrong passphrase (${TRIES} tries) or corrupt file`, {
      hint: 'check the passphrase; a file that no passphrase opens must be restored from a backup',
    });
  }
  return key;
}
