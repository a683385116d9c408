/**
 * `xacct rotate <source>`: replaces the source's stored access key — a new key from IAM, stored, checked to work,
 * then the old one deleted and every session made from it retired. Survives a kill at any step (see
 * core/rotation.ts): the next `rotate` finds the record of the rotation in progress and finishes it.
 */
import cacheEntry from '../core/cache-entry.cjs';
import { awsProfileOf } from '../core/sources/aws-profile.js';
import type { AwsCredentials } from '../core/credentials.js';
import { AwsError, XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { AccessKeyInfo } from '../core/ports.js';
import { decodeRotation, encodeRotation, resumption, type RotationRecord } from '../core/rotation.js';
import { decodeStoredKeys, type AccessKeys } from '../core/stored-keys.js';
import { retireOnKeyChange } from './retire-sessions.js';
import { addSourceKeys } from './source-keys.js';
import { iamCredentials, iamUserOf, openSourceIdentity, type IamUser, type SourceIdentity } from './source-identity.js';
import { waitUntilKeyWorks, type KeyWaitOptions } from './wait-for-key.js';

const { secretKeys } = cacheEntry;

export interface RotateRequest {
  readonly source: string;
  readonly mfaToken?: string;
  /** Lines for people about what is being done (a rotation resumed, a lost key deleted). */
  readonly report: (line: string) => void;
  readonly wait?: KeyWaitOptions;
}

export interface RotateResult {
  readonly userName: string;
  readonly oldKeyId: string;
  readonly newKeyId: string;
  /** Session keys deleted from the store. */
  readonly retired: readonly string[];
  /** Whether this run finished a rotation an earlier one began. */
  readonly resumed: boolean;
}

export async function rotate(env: Env, req: RotateRequest): Promise<RotateResult> {
  const identity = await openSourceIdentity(env, req.source, req.mfaToken ? { mfaToken: req.mfaToken } : {});
  const { context, source } = identity;
  const stored = decodeStoredKeys(await context.store.get(secretKeys.source(source.name)));
  if (!stored) {
    throw new XacctError(`source '${source.name}' has no keys stored by xacct add: rotate replaces a stored key`, {
      hint: `move them into the keychain first: xacct add ${source.name} --from-aws-profile ${awsProfileOf(source) ?? source.name} --remove-plaintext`,
    });
  }
  return context.lock.withLock(`rotate:${source.name}`, async () => {
    const user = await iamUserOf(identity, stored);
    const signer = await iamCredentials(identity);
    const run = new Rotation(identity, user, signer, stored, req);
    return run.go();
  });
}

class Rotation {
  private resumed = false;

  constructor(
    private readonly identity: SourceIdentity,
    private readonly user: IamUser,
    private readonly signer: AwsCredentials,
    private readonly stored: AccessKeys,
    private readonly req: RotateRequest,
  ) {}

  private get iam() {
    return this.identity.iam;
  }

  private get store() {
    return this.identity.context.store;
  }

  private get recordKey() {
    return secretKeys.rotation(this.identity.source.name);
  }

  async go(): Promise<RotateResult> {
    const record = decodeRotation(await this.store.get(this.recordKey));
    let keys = await this.iam.listAccessKeys(this.signer, this.user.userName);
    if (record) {
      const next = resumption(record, this.stored.accessKeyId, keys, this.user.userName);
      this.resumed = true;
      switch (next.step) {
        case 'switch':
          this.req.report(`finishing the rotation of key ${record.oldKeyId} to ${next.newKey.accessKeyId} that an earlier run began`);
          return this.switchAndDelete(record.oldKeyId, next.newKey);
        case 'delete-old':
          this.req.report(`finishing the rotation of key ${record.oldKeyId} to ${this.stored.accessKeyId} that an earlier run began: the new key is in use`);
          return this.finish(record.oldKeyId, this.stored.accessKeyId, next.oldStillListed);
        case 'delete-lost-keys':
          for (const lost of next.lost) {
            await this.deleteKey(lost.accessKeyId);
            this.req.report(`an earlier rotation was stopped after IAM created key ${lost.accessKeyId} and before its secret was stored: nobody has it, so it was deleted`);
          }
          if (next.lost.length === 0) this.req.report('an earlier rotation was stopped before IAM created a key: starting again');
          break;
        case 'stale':
          this.req.report(`dropped the record of an earlier rotation of key ${record.oldKeyId}: ${next.why}`);
          break;
      }
      await this.store.delete(this.recordKey);
      this.resumed = false;
      keys = await this.iam.listAccessKeys(this.signer, this.user.userName);
    }
    return this.begin(keys);
  }

  private async begin(keys: readonly AccessKeyInfo[]): Promise<RotateResult> {
    const { userName } = this.user;
    const ours = this.stored.accessKeyId;
    if (!keys.some((k) => k.accessKeyId === ours)) {
      throw new XacctError(`IAM does not list the stored key ${ours} among the access keys of user ${userName}`, { hint: 'check the keys with xacct doctor' });
    }
    const other = keys.find((k) => k.accessKeyId !== ours);
    if (other) {
      const created = other.createDate ? `, created ${other.createDate.toISOString().slice(0, 10)}` : '';
      throw new XacctError(`IAM user ${userName} has a second access key, ${other.accessKeyId} (${other.status}${created}), so there is no room for a new one`, {
        hint: `if nothing uses it, delete it (aws iam delete-access-key --user-name ${userName} --access-key-id ${other.accessKeyId}) and run xacct rotate ${this.identity.source.name} again`,
      });
    }
    const record: RotationRecord = { userName, oldKeyId: ours, startedAt: new Date().toISOString() };
    await this.store.set(this.recordKey, encodeRotation(record));
    let created;
    try {
      created = await this.iam.createAccessKey(this.signer, userName);
    } catch (err) {
      // A refusal created nothing; a lost answer may have: the record lets the next run find that key.
      const maybeCreated = err instanceof AwsError && (err.code === 'NetworkError' || /ServiceFailure|ServiceUnavailable|InternalFailure/.test(err.code));
      if (!maybeCreated) await this.store.delete(this.recordKey);
      throw err;
    }
    const newKey = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    await this.store.set(this.recordKey, encodeRotation({ ...record, newKey }));
    return this.switchAndDelete(ours, newKey);
  }

  /** Waits until STS accepts the new key, makes it the source's key, then deletes the old one. */
  private async switchAndDelete(oldKeyId: string, newKey: AccessKeys): Promise<RotateResult> {
    const { source } = this.identity;
    await waitUntilKeyWorks(this.identity, newKey, this.user, {
      ...this.req.wait,
      onWait: () => this.req.report('waiting for IAM to make the new key usable everywhere (this takes a few seconds)…'),
    }).catch((err: unknown) => {
      throw new XacctError(`the new key ${newKey.accessKeyId} is not usable yet: ${err instanceof Error ? err.message : String(err)}`, {
        hint: `the old key ${oldKeyId} stays in use; run xacct rotate ${source.name} again to finish the rotation`,
      });
    });
    await addSourceKeys(this.store, source.name, newKey);
    return this.finish(oldKeyId, newKey.accessKeyId, true);
  }

  private async finish(oldKeyId: string, newKeyId: string, deleteOld: boolean): Promise<RotateResult> {
    const { source, context } = this.identity;
    if (deleteOld) {
      await this.deleteKey(oldKeyId).catch((err: unknown) => {
        throw new XacctError(`the new key ${newKeyId} is in use, but the old key ${oldKeyId} could not be deleted: ${err instanceof Error ? err.message : String(err)}`, {
          hint: `run xacct rotate ${source.name} again to finish, or delete it: aws iam delete-access-key --user-name ${this.user.userName} --access-key-id ${oldKeyId}`,
        });
      });
    }
    const retired = await retireOnKeyChange(this.store, context.map, source.name, { before: oldKeyId, after: newKeyId }, { env: context.env, lock: context.lock });
    await this.store.delete(this.recordKey);
    return { userName: this.user.userName, oldKeyId, newKeyId, retired, resumed: this.resumed };
  }

  /** DeleteAccessKey; a key IAM no longer has is deleted already. */
  private async deleteKey(accessKeyId: string): Promise<void> {
    try {
      await this.iam.deleteAccessKey(this.signer, this.user.userName, accessKeyId);
    } catch (err) {
      if (!(err instanceof AwsError && err.code === 'NoSuchEntity')) throw err;
    }
  }
}
