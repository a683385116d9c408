import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onAssumeEnv, runOnAssume } from '../../src/app/on-assume.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';
import { isAlive } from '../helpers/index.js';

const plan = {
  name: 'vendor-audit',
  accountId: '444444444444',
  roleArn: 'arn:aws:iam::444444444444:role/Auditor',
} as ProfilePlan;
const event = { plan, sessionName: 'alice', expiration: new Date('2030-01-01T01:00:00Z') };
const dir = mkdtempSync(join(tmpdir(), 'xacct-on-assume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('on_assume', () => {
  it('environment: the session described, the secrets and launcher variables removed, the rest kept', () => {
    const env = onAssumeEnv(
      {
        PATH: '/bin',
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 'b',
        AWS_SESSION_TOKEN: 'c',
        AWS_SECURITY_TOKEN: 'd',
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'e',
        XACCT_FILE_PASSPHRASE: 'f',
        XACCT_LAUNCHER_ADDED: 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_REGION: 'eu-west-1',
      },
      event,
    );
    expect(env).toEqual({
      PATH: '/bin',
      AWS_REGION: 'eu-west-1',
      XACCT_PROFILE: 'vendor-audit',
      XACCT_ACCOUNT_ID: '444444444444',
      XACCT_ACCOUNT_NAME: '',
      XACCT_ROLE_ARN: 'arn:aws:iam::444444444444:role/Auditor',
      XACCT_ROLE_SESSION_NAME: 'alice',
      XACCT_EXPIRATION: '2030-01-01T01:00:00.000Z',
    });
  });

  it('a command that outlives its time is stopped with everything it started, and warned about', async () => {
    const out = join(dir, 'slow.out');
    const fd = openSync(out, 'w');
    const warnings: string[] = [];
    const started = Date.now();
    try {
      await runOnAssume('sleep 30 & echo "child $!"; wait', event, { env: { PATH: process.env.PATH }, warn: (m) => void warnings.push(m), timeoutMs: 300, output: fd });
    } finally {
      closeSync(fd);
    }
    expect(Date.now() - started).toBeLessThan(3000);
    expect(warnings).toEqual(['on_assume (sleep) did not finish within 300 ms and was stopped; the session of vendor-audit is still used']);
    const pid = Number(/child (\d+)/.exec(readFileSync(out, 'utf8'))![1]);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(pid)).toBe(false);
  });

  it('a command killed by a signal is warned about', async () => {
    const warnings: string[] = [];
    await runOnAssume('kill -TERM $$', event, { env: { PATH: process.env.PATH }, warn: (m) => void warnings.push(m) });
    expect(warnings).toEqual(['on_assume (kill) was killed by SIGTERM; the session of vendor-audit is still used']);
  });

  it('a command that succeeds says nothing', async () => {
    const warnings: string[] = [];
    await runOnAssume('true', event, { env: { PATH: process.env.PATH }, warn: (m) => void warnings.push(m) });
    expect(warnings).toEqual([]);
  });
});
