/**
 * kill -9 of `xacct rotate` at every step: the checking proxy holds the call of that step (before moto sees it, or
 * after moto acted and before xacct hears the answer) and the test kills xacct there. Every state between two
 * keychain writes lies between two such points. After each kill: the stored key works (STS accepts it, and
 * `doctor` says what is left), and the next `rotate` finishes, leaving exactly one key in IAM — the stored one.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainEntry, requireEnv, runCli, startEnv, VALID_MFA_CODE, XACCT_BIN, type TestEnv } from '../helpers/index.js';
import type { HoldPoint, IamCheckedCall } from '../helpers/iam-checks.js';
import { iamKeyIds, identityOfNewUser, storedKeys } from '../helpers/rotation.js';

const opts = { keyring: true, sts: true, secretTool: true };
let t: TestEnv;

interface KillPoint {
  readonly name: string;
  readonly action: string;
  readonly point: HoldPoint;
  /** Only calls that are not signed with this key (GetCallerIdentity of the new key, not of the old one). */
  readonly notSignedWithOld?: boolean;
  /** What doctor says is left (undefined: no rotation in progress yet). */
  readonly doctor?: RegExp;
  /** What the next rotate says it finishes. */
  readonly resumes?: RegExp;
}

const POINTS: readonly KillPoint[] = [
  { name: 'while listing the keys (nothing written yet)', action: 'ListAccessKeys', point: 'before' },
  { name: 'before CreateAccessKey reaches IAM', action: 'CreateAccessKey', point: 'before', doctor: /stopped around CreateAccessKey, before a new key was stored/, resumes: /stopped before IAM created a key: starting again/ },
  { name: 'after IAM created the key, before xacct heard it', action: 'CreateAccessKey', point: 'after', doctor: /stopped around CreateAccessKey/, resumes: /nobody has it, so it was deleted/ },
  { name: 'while the new key is being checked', action: 'GetCallerIdentity', point: 'before', notSignedWithOld: true, doctor: /stopped before the switch: the old key is still in use/, resumes: /finishing the rotation of key \w+ to \w+ that an earlier run began\n/ },
  { name: 'after the switch, before the old key is deleted', action: 'DeleteAccessKey', point: 'before', doctor: /stopped after the switch: the old key may still be in IAM/, resumes: /the new key is in use/ },
  { name: 'after IAM deleted the old key, before xacct heard it', action: 'DeleteAccessKey', point: 'after', doctor: /stopped after the switch/, resumes: /the new key is in use/ },
];

/** Runs `xacct rotate identity` and kills it (kill -9, its process group) once the proxy holds the step's call. */
async function rotateKilledAt(p: KillPoint, oldKeyId: string): Promise<void> {
  const match = p.notSignedWithOld ? (c: IamCheckedCall) => c.accessKeyId !== oldKeyId : undefined;
  const hold = t.sts.iam.hold(p.action, p.point, match);
  const child = spawn(process.execPath, [XACCT_BIN, 'rotate', 'identity', '--mfa-token', VALID_MFA_CODE], { env: t.env, stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await Promise.race([hold.reached, exited.then(() => Promise.reject(new Error(`rotate ended before reaching ${p.action} (${p.point})`)))]);
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  await new Promise((r) => setTimeout(r, 150)); // the proxy sees the connection close
  hold.release();
}

describe.skipIf(!requireEnv(opts, 'kill -9 during rotate'))('kill -9 at each step of xacct rotate', () => {
  beforeAll(async () => {
    t = await startEnv(opts);
    t.sts.iam.knownKeysOnly = true;
  });
  afterAll(() => t?.stop());

  it.each(POINTS.map((p, i) => [p.name, p, i] as const))('%s: a working key stays stored, and the next rotate finishes', async (_name, p, i) => {
    t.sts.reset();
    const user = await identityOfNewUser(t, `rot-kill-${i}`);
    await rotateKilledAt(p, user.accessKeyId);

    // At no moment without a working key: STS accepts the stored one (the proxy refuses keys IAM does not know).
    const stored = await storedKeys(t);
    expect(stored).not.toBeNull();
    expect(await iamKeyIds(t, user.userName)).toContain(stored!.AccessKeyId);
    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.stdout).toContain(`ok       source identity: STS accepts its long-term keys: ${user.arn}`);
    if (p.doctor) expect(doctor.stdout).toMatch(new RegExp(`warning  source identity: .*${p.doctor.source}.*\\(fix: run xacct rotate identity to finish it\\)`));
    else expect(doctor.stdout).not.toMatch(/rotation/);

    const again = await runCli(['rotate', 'identity', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(again.code, again.stderr).toBe(0);
    if (p.resumes) expect(again.stderr).toMatch(p.resumes);
    const final = await storedKeys(t);
    expect(final!.AccessKeyId).not.toBe(user.accessKeyId);
    expect(await iamKeyIds(t, user.userName)).toEqual([final!.AccessKeyId]);
    expect(await keychainEntry(t.env, 'rotation:identity')).toBeNull();
    expect(await keychainEntry(t.env, 'mfa-session:identity')).toBeNull();
  });
});
