/** `exec --server`'s use case before any server or command runs (the rest: test/integration/server.test.ts). */
import { describe, expect, it, vi } from 'vitest';
import type { ObtainedCredentials } from '../../src/app/get-credentials.js';
import { runWithCredentialServer } from '../../src/app/serve-credentials.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

const plan = { name: 'prod-admin', roleArn: 'arn:aws:iam::222222222222:role/Admin' } as ProfilePlan;
const session = { accessKeyId: 'ASIAXACCTSERVER0001', secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.now() + 3600_000) };
const obtained = async (): Promise<ObtainedCredentials> => ({ plan, credentials: session, provider: { retrieve: async () => session } });
const env = { HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' };
const req = { profile: 'prod-admin', cache: true };

describe('runWithCredentialServer', () => {
  it('refuses to nest inside another session unless forced', async () => {
    const run = vi.fn(async () => 0);
    const inside = { ...env, XACCT_PROFILE: 'staging-admin' };
    await expect(runWithCredentialServer(inside, req, 'true', [], { getCredentials: obtained, runCommand: run })).rejects.toThrow(/already inside an xacct session/);
    expect(await runWithCredentialServer(inside, { ...req, force: true }, 'true', [], { getCredentials: obtained, runCommand: run })).toBe(0);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('fails before starting the command when the first retrieval fails', async () => {
    const failing = vi.fn(async (): Promise<ObtainedCredentials> => {
      throw new Error('no');
    });
    const run = vi.fn(async () => 0);
    await expect(runWithCredentialServer(env, req, 'true', [], { getCredentials: failing, runCommand: run })).rejects.toThrow('no');
    expect(run).not.toHaveBeenCalled();
  });
});
