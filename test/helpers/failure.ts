/** The error a call of xacct's code fails with, for unit tests that check its exit code, message and hint. */
import { expect } from 'vitest';
import { XacctError } from '../../src/core/errors.js';

/** The XacctError `p` rejects with; fails the test when it resolves, or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<XacctError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(XacctError);
  return err as XacctError;
}
