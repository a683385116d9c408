/** doctor's passphrase-agent line, with the agent's report injected (the agent itself: passphrase-agent.test.ts). */
import { describe, expect, it } from 'vitest';
import { runDoctor, type DoctorDeps } from '../../src/app/doctor/index.js';
import { passphraseAgentCheck } from '../../src/app/doctor/checks/passphrase-agent.js';
import type { AgentReport } from '../../src/app/passphrase-agent.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';

const SOCKET = '/run/user/1000/xacct/agent.sock';
const env = { HOME: '/home/u' };

function run(report: AgentReport, extra: { env?: Record<string, string>; map?: string; backend?: 'os' | 'file' } = {}) {
  const deps: Partial<DoctorDeps> = {
    loadProfileMap: async () => buildProfileMap({ profileMap: { file: '/home/u/.config/xacct/config.toml', text: extra.map ?? '' } }),
    chooseBackend: () => extra.backend ?? 'file',
    passphraseAgent: async () => report,
  };
  return runDoctor({ ...env, ...extra.env }, deps, [passphraseAgentCheck]);
}

describe('doctor: the passphrase agent', () => {
  it('running: its pid, socket and how long the file stays unlocked', async () => {
    expect(await run({ socket: SOCKET, running: true, pid: 4242, keys: [540] })).toEqual([
      { status: 'ok', topic: 'passphrase agent', message: `running (pid 4242, ${SOCKET}): the file unlocked for 9m more; xacct agent stop locks it` },
    ]);
  });

  it('not running, turned off, or refused its folder', async () => {
    expect((await run({ socket: SOCKET, running: false, keys: [] }))[0]?.message).toBe('not running: the next passphrase typed starts it');
    expect((await run({ socket: SOCKET, running: false, keys: [] }, { map: 'file_passphrase_cache = "0"\n' }))[0]?.message).toMatch(/^off \(file_passphrase_cache = 0\)/);
    const refused = await run({ socket: SOCKET, running: false, keys: [], problem: 'its folder /tmp/xacct-1000 belongs to uid 1001, not to you' });
    expect(refused).toEqual([expect.objectContaining({ status: 'warning', message: expect.stringMatching(/^not used: its folder \/tmp\/xacct-1000 belongs to uid 1001/) })]);
  });

  it('says nothing with the OS keychain, or with XACCT_FILE_PASSPHRASE (no agent is used)', async () => {
    const report = { socket: SOCKET, running: false, keys: [] };
    expect(await run(report, { backend: 'os' })).toEqual([]);
    expect(await run(report, { env: { XACCT_FILE_PASSPHRASE: 'x' } })).toEqual([]);
  });
});
