/**
 * A chain the AWS SDK resolves itself (SSO, web identity, a role profile behind a source's aws_profile) has a time
 * limit of xacct's own, credential_process in it or not: its clients wait 300 s per idle socket and retry while xacct
 * holds the source's session lock. The hang is a promise that never settles (a blackholed network cannot be made
 * on loopback in less than the SDK's own minutes).
 */
import { describe, expect, it } from 'vitest';
import { withSdkProcessLimit } from '../../src/adapters/credential-process.js';
import { XacctError } from '../../src/core/errors.js';

const never = new Promise<never>(() => undefined);

describe('withSdkProcessLimit', () => {
  it('ends a chain without a credential_process that never answers, in one line', async () => {
    const started = Date.now();
    const err = await withSdkProcessLimit(never, [], 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).message).toBe('they did not come within 200 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names the credential_process it stopped when the chain has one', async () => {
    const err = await withSdkProcessLimit(never, ['no-such-command-here'], 200).catch((e: unknown) => e);
    expect((err as XacctError).message).toMatch(/did not come within .*, and the credential_process of its chain was stopped/);
  });

  it('gives what the chain gives when it answers in time', async () => {
    await expect(withSdkProcessLimit(Promise.resolve(42), [], 5_000)).resolves.toBe(42);
  });
});
