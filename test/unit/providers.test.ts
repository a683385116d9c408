import { describe, expect, it } from 'vitest';
import { NotThisSource, type SourceKind } from '../../src/core/sources/kind.js';
import { SOURCE_KINDS } from '../../src/core/sources/index.js';
import { storedKeys } from '../../src/core/sources/stored-keys.js';
import { keyIdentity } from '../../src/core/session-keys.js';
import { provider } from '../../src/core/credentials.js';
import { AwsError, XacctError } from '../../src/core/errors.js';
import { memoize, mfaSession, roleSession, roleSessionWithMfa, sourceCredentials } from '../../src/core/providers/index.js';
import {
  FakeAwsProfiles,
  FakeClock,
  FakeMfa,
  FakeSts,
  FakeStore,
  LONG_TERM,
  profilePlan,
  sourcePlan,
} from './providers-fakes.js';

const longTerm = provider(async () => ({ accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret' }));

describe('sourceCredentials', () => {
  it('a new kind is one module in the list: its links are tried in order, "not me" moves on, any other error stops', async () => {
    const tried: string[] = [];
    const kind = (name: string, outcome: 'none' | 'keys' | 'fail'): SourceKind => ({
      kind: name,
      settings: [],
      fromTable: () => ({ kind: name, settings: {} }),
      fromAwsProfile: () => undefined,
      provider: () =>
        provider(async () => {
          tried.push(name);
          if (outcome === 'none') throw new NotThisSource(`no ${name}`);
          if (outcome === 'fail') throw new XacctError(`${name} broke`);
          return { accessKeyId: `AKIA${name.toUpperCase()}`, secretAccessKey: 's' };
        }),
      doctor: async () => ({ found: false, none: '', fix: '' }),
      keyIdentity: () => undefined,
    });
    const kinds = [kind('token', 'none'), kind('card', 'keys'), kind('never', 'keys')];
    const linked = (list: SourceKind[]) => sourcePlan({ credentials: list.map((k) => ({ kind: k.kind, settings: {} })) });
    const source = linked(kinds);
    const ports = { store: new FakeStore(), awsProfiles: new FakeAwsProfiles() };
    expect((await sourceCredentials(source, ports, kinds).retrieve()).accessKeyId).toBe('AKIACARD');
    expect(tried).toEqual(['token', 'card']);

    const broken = [kind('token', 'fail'), kind('card', 'keys')];
    await expect(sourceCredentials(linked(broken), ports, broken).retrieve()).rejects.toThrow('token broke');
    const none = [kind('token', 'none'), kind('card', 'none'), kind('never', 'none')];
    await expect(sourceCredentials(source, ports, none).retrieve()).rejects.toThrow("no long-term credentials for source 'identity': no token; no card; no never");
  });

  it("a source's sessions are keyed by the first of its links that tells what they are made from", () => {
    const map = { awsKeyIds: new Map([['work', 'AKIAWORK']]) };
    // The two kinds of the registry: the stored key id, else the AWS profile's static key id, else its name.
    const source = sourcePlan({ credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'work' } }] });
    expect(keyIdentity(source, 'AKIASTORED', map)).toBe('key:AKIASTORED');
    expect(keyIdentity(source, undefined, map)).toBe('key:AKIAWORK');
    expect(keyIdentity(sourcePlan(), undefined, map)).toBe('aws-profile:identity');
    // A new kind says it in its own module: before the AWS profile, its identity wins; when it has none, the next link's.
    const token = (id: string | undefined): SourceKind => ({ ...storedKeys, kind: 'token', keyIdentity: () => id });
    const withToken = sourcePlan({ credentials: [{ kind: 'token', settings: {} }, ...source.credentials] });
    expect(keyIdentity(withToken, 'AKIASTORED', map, [token('token:serial-42'), ...SOURCE_KINDS])).toBe('token:serial-42');
    expect(keyIdentity(withToken, undefined, map, [token(undefined), ...SOURCE_KINDS])).toBe('key:AKIAWORK');
  });

  it('takes the keys stored by xacct add', async () => {
    const store = new FakeStore();
    store.data.set('source:identity', JSON.stringify(LONG_TERM));
    const awsProfiles = new FakeAwsProfiles();
    const creds = await sourceCredentials(sourcePlan(), { store, awsProfiles }).retrieve();
    expect(creds).toEqual({ accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret' });
    expect(awsProfiles.loaded).toEqual([]);
  });

  it("falls back to the source's AWS profile", async () => {
    const awsProfiles = new FakeAwsProfiles({ work: { accessKeyId: 'AKIAWORK', secretAccessKey: 's' } });
    const source = sourcePlan({ credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'work' } }] });
    const creds = await sourceCredentials(source, { store: new FakeStore(), awsProfiles }).retrieve();
    expect(creds.accessKeyId).toBe('AKIAWORK');
    expect(awsProfiles.loaded).toEqual(['work']);
  });

  it('says how to give keys when there are none', async () => {
    const retrieve = sourceCredentials(sourcePlan(), { store: new FakeStore(), awsProfiles: new FakeAwsProfiles() }).retrieve();
    await expect(retrieve).rejects.toThrow(/no long-term credentials for source 'identity'/);
    await expect(retrieve).rejects.toMatchObject({ exitCode: 1, hint: expect.stringContaining("xacct add identity") });
  });

  it('refuses unreadable stored keys without echoing them', async () => {
    const store = new FakeStore();
    store.data.set('source:identity', '{"AccessKeyId":"AKIAALICE","SecretAccessKey":');
    const err = await sourceCredentials(sourcePlan(), { store, awsProfiles: new FakeAwsProfiles() }).retrieve().catch((e) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect(err.message).toMatch(/unreadable/);
    expect(err.message).not.toContain('AKIAALICE');
  });
});

describe('mfaSession', () => {
  it('calls GetSessionToken with the serial, the code and the source session duration', async () => {
    const clock = new FakeClock();
    const sts = new FakeSts(clock);
    const mfa = new FakeMfa(['123456']);
    const creds = await mfaSession(sourcePlan({ sessionDurationSeconds: 7200 }), longTerm, { sts, mfa }).retrieve();
    expect(sts.getSessionTokenCalls).toHaveLength(1);
    expect(sts.getSessionTokenCalls[0]).toMatchObject({
      creds: { accessKeyId: 'AKIAALICE' },
      input: { durationSeconds: 7200, serialNumber: 'arn:aws:iam::111111111111:mfa/alice', tokenCode: '123456' },
      region: 'eu-west-1',
    });
    expect(creds.expiration?.getTime()).toBe(clock.now().getTime() + 7200_000);
    expect(mfa.requests).toEqual([
      expect.objectContaining({ serial: 'arn:aws:iam::111111111111:mfa/alice', attempt: 1, label: 'identity' }),
    ]);
  });

  it('passes mfa_process to the code source', async () => {
    const mfa = new FakeMfa();
    const source = sourcePlan({ mfaProcess: 'ykman oath accounts code --single aws' });
    await mfaSession(source, longTerm, { sts: new FakeSts(new FakeClock()), mfa }).retrieve();
    expect(mfa.requests[0]?.mfaProcess).toBe('ykman oath accounts code --single aws');
  });

  it('asks again after a refused code, on a terminal', async () => {
    const sts = new FakeSts(new FakeClock());
    const mfa = new FakeMfa(['000000', '123456']);
    await mfaSession(sourcePlan(), longTerm, { sts, mfa }).retrieve();
    expect(mfa.requests.map((r) => r.attempt)).toEqual([1, 2]);
    expect(sts.getSessionTokenCalls.map((c) => c.input.tokenCode)).toEqual(['000000', '123456']);
  });

  it('gives up after 3 refused codes, with a clear AwsError', async () => {
    const sts = new FakeSts(new FakeClock());
    const mfa = new FakeMfa(['000000', '111111', '222222', '123456']);
    const err = await mfaSession(sourcePlan(), longTerm, { sts, mfa }).retrieve().catch((e) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe("AWS refused the MFA code for source 'identity' (3 codes refused)");
    expect(mfa.requests).toHaveLength(3);
    expect(sts.getSessionTokenCalls).toHaveLength(3);
  });

  it('does not ask again when it cannot (--mfa-token, no terminal)', async () => {
    const sts = new FakeSts(new FakeClock());
    const mfa = new FakeMfa(['000000', '123456'], false);
    const err = await mfaSession(sourcePlan(), longTerm, { sts, mfa }).retrieve().catch((e) => e);
    expect(err.message).toBe("AWS refused the MFA code for source 'identity'");
    expect(mfa.requests).toHaveLength(1);
  });

  it('does not retry other AWS errors', async () => {
    const sts = new FakeSts(new FakeClock());
    sts.getSessionToken = async () => {
      throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    };
    const mfa = new FakeMfa();
    await expect(mfaSession(sourcePlan(), longTerm, { sts, mfa }).retrieve()).rejects.toMatchObject({
      code: 'InvalidClientTokenId',
    });
    expect(mfa.requests).toHaveLength(1);
  });
});

describe('roleSession', () => {
  it('calls AssumeRole with every parameter of the plan, from the inner credentials', async () => {
    const clock = new FakeClock();
    const sts = new FakeSts(clock);
    const plan = profilePlan('prod-admin', {
      durationSeconds: 1800,
      externalId: '7e1c9f',
      sourceIdentity: 'alice',
      tags: { ticket: 'OPS-42' },
    });
    const issued: string[] = [];
    const creds = await roleSession(plan, longTerm, {
      sts,
      sessionName: 'alice',
      onIssued: (s) => void issued.push(s.accessKeyId),
    }).retrieve();
    expect(sts.assumeRoleCalls).toEqual([
      {
        creds: { accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret' },
        input: {
          roleArn: 'arn:aws:iam::222222222222:role/admin',
          roleSessionName: 'alice',
          durationSeconds: 1800,
          externalId: '7e1c9f',
          sourceIdentity: 'alice',
          tags: { ticket: 'OPS-42' },
        },
        region: 'eu-west-1',
      },
    ]);
    expect(issued).toEqual([creds.accessKeyId]);
  });

  it('leaves out optional parameters the plan does not have', async () => {
    const sts = new FakeSts(new FakeClock());
    await roleSession(profilePlan('prod-admin'), longTerm, { sts, sessionName: 'alice' }).retrieve();
    expect(Object.keys(sts.assumeRoleCalls[0]!.input).sort()).toEqual(['durationSeconds', 'roleArn', 'roleSessionName']);
  });
});

describe('roleSessionWithMfa', () => {
  it('passes SerialNumber and TokenCode to AssumeRole, and retries refused codes', async () => {
    const sts = new FakeSts(new FakeClock());
    const mfa = new FakeMfa(['999999', '123456']);
    const plan = profilePlan('prod-admin', { durationSeconds: 4 * 3600 });
    await roleSessionWithMfa(plan, longTerm, { sts, mfa, sessionName: 'alice' }).retrieve();
    expect(sts.getSessionTokenCalls).toHaveLength(0);
    expect(sts.assumeRoleCalls.map((c) => c.input)).toEqual([
      expect.objectContaining({ durationSeconds: 14400, serialNumber: plan.source.mfaSerial, tokenCode: '999999' }),
      expect.objectContaining({ durationSeconds: 14400, serialNumber: plan.source.mfaSerial, tokenCode: '123456' }),
    ]);
    expect(mfa.requests[0]?.label).toBe('identity');
  });
});

describe('memoize', () => {
  it('shares one call among concurrent callers and keeps the result while fresh', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const inner = provider(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return { accessKeyId: `A${calls}`, secretAccessKey: 's', expiration: new Date(clock.now().getTime() + 3600_000) };
    });
    const memo = memoize(inner, { clock });
    const results = await Promise.all([memo.retrieve(), memo.retrieve(), memo.retrieve()]);
    expect(new Set(results.map((r) => r.accessKeyId))).toEqual(new Set(['A1']));
    expect((await memo.retrieve()).accessKeyId).toBe('A1');
    expect(calls).toBe(1);
    clock.advance(3600 - 300);
    expect((await memo.retrieve()).accessKeyId).toBe('A2');
  });

  it('forgets a failure', async () => {
    let calls = 0;
    const memo = memoize(
      provider(async () => {
        if (++calls === 1) throw new Error('boom');
        return { accessKeyId: 'A', secretAccessKey: 's' };
      }),
      { clock: new FakeClock() },
    );
    await expect(memo.retrieve()).rejects.toThrow('boom');
    expect((await memo.retrieve()).accessKeyId).toBe('A');
    expect((await memo.retrieve()).accessKeyId).toBe('A');
    expect(calls).toBe(2);
  });
});
