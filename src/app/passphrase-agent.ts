/**
 * `xacct agent`: the file backend's passphrase agent, which keeps the unlocked key for a burst of processes
 * (src/adapters/keychain/agent-server.ts). Status for people, and stop: the file is locked again at once.
 */
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';

export interface AgentReport {
  readonly socket: string;
  /** Why no agent can be used here (its folder belongs to someone else…). */
  readonly problem?: string;
  readonly running: boolean;
  readonly pid?: number;
  /** Seconds until each unlocked file is locked again. */
  readonly keys: readonly number[];
}

async function client(env: Env) {
  const socket = xacctPaths(env).agentSocket;
  const { createAgentClient } = await import('../adapters/keychain/agent-client.js');
  return { socket, agent: createAgentClient(socket) };
}

export async function agentReport(env: Env): Promise<AgentReport> {
  const { socket, agent } = await client(env);
  const problem = agent.problem();
  const status = problem ? undefined : await agent.status();
  return {
    socket,
    ...(problem ? { problem } : {}),
    running: status !== undefined,
    ...(status ? { pid: status.pid } : {}),
    keys: status?.keys.map((k) => k.secondsLeft) ?? [],
  };
}

/** Stops the agent; false when none was running. */
export async function stopAgent(env: Env): Promise<boolean> {
  const { agent } = await client(env);
  return agent.stop();
}
