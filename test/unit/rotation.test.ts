/** What the next `xacct rotate` does with the record of a rotation that was stopped (core/rotation.ts). */
import { describe, expect, it } from 'vitest';
import { decodeRotation, describeRotation, encodeRotation, resumption, type RotationRecord } from '../../src/core/rotation.js';

const OLD = 'AKIAOLDOLDOLDOLDOLD1';
const NEW = { accessKeyId: 'AKIANEWNEWNEWNEWNEW1', secretAccessKey: 'new-secret' };
const started = '2030-01-01T10:00:00.000Z';
const before: RotationRecord = { userName: 'alice', oldKeyId: OLD, startedAt: started };
const after: RotationRecord = { ...before, newKey: NEW };
const key = (accessKeyId: string, createDate?: string) => ({ accessKeyId, status: 'Active', ...(createDate ? { createDate: new Date(createDate) } : {}) });

describe('rotation record', () => {
  it('round-trips, and anything else decodes to undefined', () => {
    expect(decodeRotation(encodeRotation(after))).toEqual(after);
    expect(decodeRotation(encodeRotation(before))).toEqual(before);
    for (const text of [null, '', '{', '{"v":2}', JSON.stringify({ ...after, v: 1, startedAt: 'soon' }), JSON.stringify({ ...before, v: 1, newKey: { accessKeyId: 'x' } })]) {
      expect(decodeRotation(text)).toBeUndefined();
    }
  });

  it('stopped before a new key was stored: keys IAM made since (not much older, by its clock) are the lost ones', () => {
    const keys = [key(OLD, '2029-01-01T00:00:00Z'), key('AKIALOSTLOSTLOSTLOST', '2030-01-01T09:58:00Z')];
    expect(resumption(before, OLD, keys, 'alice')).toEqual({ step: 'delete-lost-keys', lost: [keys[1]] });
    const older = [key(OLD), key('AKIAUSERSOWNUSERSOWN', '2029-06-01T00:00:00Z')];
    expect(resumption(before, OLD, older, 'alice')).toEqual({ step: 'delete-lost-keys', lost: [] });
  });

  it('with the new key stored: switch while the source holds the old key, delete the old one once it holds the new', () => {
    expect(resumption(after, OLD, [key(OLD), key(NEW.accessKeyId)], 'alice')).toEqual({ step: 'switch', newKey: NEW });
    expect(resumption(after, NEW.accessKeyId, [key(OLD), key(NEW.accessKeyId)], 'alice')).toEqual({ step: 'delete-old', oldStillListed: true });
    expect(resumption(after, NEW.accessKeyId, [key(NEW.accessKeyId)], 'alice')).toEqual({ step: 'delete-old', oldStillListed: false });
  });

  it('is stale when the source holds other keys, the new key is gone from IAM, or the user differs', () => {
    expect(resumption(after, 'AKIAOTHEROTHEROTHER1', [key(NEW.accessKeyId)], 'alice')).toMatchObject({ step: 'stale', why: expect.stringContaining(`key ${NEW.accessKeyId} it created is still in IAM`) });
    expect(resumption(after, OLD, [key(OLD)], 'alice')).toEqual({ step: 'stale', why: `the new key ${NEW.accessKeyId} is no longer in IAM` });
    expect(resumption(after, OLD, [key(OLD)], 'bob')).toMatchObject({ step: 'stale' });
  });

  it('is described for doctor from the record and the stored key alone', () => {
    expect(describeRotation(before, OLD)).toMatch(/stopped around CreateAccessKey/);
    expect(describeRotation(after, OLD)).toMatch(/before the switch: the old key is still in use/);
    expect(describeRotation(after, NEW.accessKeyId)).toMatch(/after the switch/);
    expect(describeRotation(after, undefined)).toMatch(/no longer fits the stored keys \(none stored\)/);
  });
});
