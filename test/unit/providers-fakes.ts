/** In-memory fakes of the ports, for the provider and engine unit tests. */
import { mfaSessionKey } from '../../src/core/session-keys.js';
import { toAwsError, type StsCallContext } from '../../src/adapters/sts-errors.js';
import type { AwsCredentials } from '../../src/core/credentials.js';
import type {
  AssumeRoleInput,
  AssumedRole,
  AuditEntry,
  AwsProfileCredentialLoader,
  Clock,
  GetSessionTokenInput,
  LockManager,
  MfaCodeSource,
  MfaRequest,
  SecretStore,
  StsPort,
} from '../../src/core/ports.js';
import type { ProfilePlan, SourcePlan } from '../../src/core/profile-map/types.js';

export class FakeClock implements Clock {
  constructor(public current = new Date('2030-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export class FakeStore implements SecretStore {
  readonly backend = 'os' as const;
  readonly data = new Map<string, string>();
  gets = 0;
  sets = 0;
  /** Every key read, in order. */
  readonly reads: string[] = [];
  async get(key: string) {
    this.gets++;
    this.reads.push(key);
    return this.data.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.sets++;
    this.data.set(key, value);
  }
  async delete(key: string) {
    return this.data.delete(key);
  }
  async list() {
    return [...this.data.keys()];
  }
  async readAll() {
    return new Map(this.data);
  }
}

/** A real mutual exclusion per key within the process, like the file locks across processes. */
export class FakeLocks implements LockManager {
  private tails = new Map<string, Promise<void>>();
  readonly taken: string[] = [];
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.tails.set(key, previous.then(() => mine));
    await previous;
    this.taken.push(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export const MFA_REJECTED = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';

/** STS that counts calls, checks MFA codes against `validCodes` and issues sessions that expire as asked. */
export class FakeSts implements StsPort {
  readonly getSessionTokenCalls: { creds: AwsCredentials; input: GetSessionTokenInput; region?: string }[] = [];
  readonly assumeRoleCalls: { creds: AwsCredentials; input: AssumeRoleInput; region?: string }[] = [];
  validCodes: ReadonlySet<string> = new Set(['123456']);
  /** Session keys STS no longer accepts (revoked, or expired early): requests signed with them fail. */
  readonly revoked = new Set<string>();
  /** Simulated network time, so that concurrent callers really overlap. */
  delayMs = 5;
  private serial = 0;

  constructor(private readonly clock: Clock) {}

  async getSessionToken(creds: AwsCredentials, input: GetSessionTokenInput, region?: string) {
    this.getSessionTokenCalls.push({ creds, input, ...(region ? { region } : {}) });
    await this.pause();
    this.checkSigner(creds, 'GetSessionToken');
    this.checkCode(input.tokenCode, 'GetSessionToken');
    return this.issue('MFA', input.durationSeconds);
  }

  async assumeRole(creds: AwsCredentials, input: AssumeRoleInput, region?: string): Promise<AssumedRole> {
    this.assumeRoleCalls.push({ creds, input, ...(region ? { region } : {}) });
    await this.pause();
    this.checkSigner(creds, 'AssumeRole');
    if (input.serialNumber) this.checkCode(input.tokenCode, 'AssumeRole');
    return { ...this.issue('ROLE', input.durationSeconds), assumedRoleArn: `${input.roleArn}/${input.roleSessionName}` };
  }

  async getCallerIdentity() {
    return { account: '111111111111', arn: 'arn:aws:iam::111111111111:user/alice', userId: 'AIDA' };
  }

  // What AWS answers, translated by the real adapter's toAwsError: the fake throws what the STS adapter throws.
  private checkCode(code: string | undefined, operation: StsCallContext['operation']) {
    if (!code || !this.validCodes.has(code)) throw toAwsError({ name: 'AccessDenied', message: MFA_REJECTED, $fault: 'client' }, this.context(operation));
  }

  private checkSigner(creds: AwsCredentials, operation: StsCallContext['operation']) {
    if (!this.revoked.has(creds.accessKeyId)) return;
    const raw = { name: 'ExpiredToken', message: 'The security token included in the request is expired', $fault: 'client' };
    throw toAwsError(raw, { ...this.context(operation), sessionCredentials: Boolean(creds.sessionToken) });
  }

  private context(operation: StsCallContext['operation']): StsCallContext {
    return { operation, endpoint: 'https://sts.eu-west-1.amazonaws.com', region: 'eu-west-1' };
  }

  private issue(kind: string, durationSeconds: number): AwsCredentials {
    this.serial++;
    return {
      accessKeyId: `ASIA${kind}${this.serial}`,
      secretAccessKey: `secret-${kind}-${this.serial}`,
      sessionToken: `token-${kind}-${this.serial}`,
      expiration: new Date(this.clock.now().getTime() + durationSeconds * 1000),
    };
  }

  private pause() {
    return new Promise((r) => setTimeout(r, this.delayMs));
  }
}

/** Hands out codes in order (the last one again when they run out); counts the asks. */
export class FakeMfa implements MfaCodeSource {
  readonly requests: MfaRequest[] = [];
  constructor(
    private readonly codes: string[] = ['123456'],
    private readonly retry = true,
  ) {}
  async getCode(req: MfaRequest) {
    this.requests.push(req);
    return this.codes[Math.min(this.requests.length - 1, this.codes.length - 1)]!;
  }
  canRetry() {
    return this.retry;
  }
}

export class FakeAwsProfiles implements AwsProfileCredentialLoader {
  readonly loaded: string[] = [];
  constructor(private readonly profiles: Record<string, AwsCredentials> = {}) {}
  async load(profile: string) {
    this.loaded.push(profile);
    const creds = this.profiles[profile];
    if (!creds) throw new Error(`The config profile (${profile}) could not be found`);
    return creds;
  }
}

export class FakeAudit {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry) {
    this.entries.push(entry);
  }
}

export const LONG_TERM = { AccessKeyId: 'AKIAALICE', SecretAccessKey: 'alice-secret' };

export function sourcePlan(overrides: Partial<SourcePlan> = {}): SourcePlan {
  return {
    name: 'identity',
    credentials: [
      { kind: 'stored-keys', settings: {} },
      { kind: 'aws-profile', settings: { profile: 'identity' } },
    ],
    mfaSerial: 'arn:aws:iam::111111111111:mfa/alice',
    region: 'eu-west-1',
    sessionDurationSeconds: 12 * 3600,
    ...overrides,
  };
}

export function profilePlan(name: string, overrides: Partial<ProfilePlan> = {}): ProfilePlan {
  const [account = 'prod', role = 'admin'] = name.split('-');
  const accountId = account === 'prod' ? '222222222222' : '333333333333';
  return {
    name,
    origin: 'generated',
    roleArn: `arn:aws:iam::${accountId}:role/${role}`,
    accountId,
    accountName: account,
    roleName: role,
    source: sourcePlan(),
    durationSeconds: 3600,
    tags: {},
    ...overrides,
  };
}

/** The ports one machine shares between its processes: a clock, a keychain holding the keys of source `identity`, locks and STS. */
export function fakeMachinePorts() {
  const clock = new FakeClock();
  const store = new FakeStore();
  store.data.set('source:identity', JSON.stringify(LONG_TERM));
  return { clock, store, lock: new FakeLocks(), sts: new FakeSts(clock) };
}

/** The secret store key of the MFA session that the keys of LONG_TERM and sourcePlan()'s device make (core/session-keys.ts). */
export const ALICE_MFA_KEY = mfaSessionKey(`key:${LONG_TERM.AccessKeyId}`, sourcePlan().mfaSerial!);
