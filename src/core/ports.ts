/**
 * The adapters the core needs, as interfaces. Core code receives these; it never imports an adapter.
 */
import type { AwsCredentials } from './credentials.js';

/** A string-keyed secret store (OS keychain or encrypted file), service "xacct". */
export interface SecretStore {
  readonly backend: 'os' | 'file';
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Every key xacct has stored. */
  list(): Promise<string[]>;
  /** Every key and its value, in one pass (the OS keychain: one session, not one per entry). */
  readAll(): Promise<ReadonlyMap<string, string>>;
}

/** A cross-process mutual exclusion per key; a lock whose holder died is taken over. */
export interface LockManager {
  /** Runs `fn` holding the key's lock; a wait longer than the time limit fails with one clear line. */
  withLock<T>(key: string, fn: () => Promise<T>, options?: LockOptions): Promise<T>;
}

export interface LockOptions {
  /** This call's limit on waiting for another holder (default: the manager's, 5 minutes). */
  readonly timeoutMs?: number;
}

export interface MfaRequest {
  readonly serial: string;
  /** The source or profile the code is for, shown in the prompt. */
  readonly label: string;
  /** Why a code is needed now, for the person: "prod-readonly lasts 2h, so it needs its own MFA code." */
  readonly reason?: string;
  /** 1 for the first ask; >1 after AWS refused a code. */
  readonly attempt: number;
  readonly mfaProcess?: string;
  /** How the user lets xacct get codes without a terminal (for messages): where mfa_process can be set. */
  readonly automateHint?: string;
}

/** Produces MFA codes: --mfa-token, mfa_process, or a prompt on /dev/tty. */
export interface MfaCodeSource {
  getCode(req: MfaRequest): Promise<string>;
  /** Whether asking again after a refused code makes sense (a terminal is there). */
  canRetry(): boolean;
}

export interface GetSessionTokenInput {
  readonly durationSeconds: number;
  readonly serialNumber?: string;
  readonly tokenCode?: string;
}

export interface AssumeRoleInput {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number;
  readonly externalId?: string;
  readonly serialNumber?: string;
  readonly tokenCode?: string;
  readonly sourceIdentity?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface AssumedRole extends AwsCredentials {
  readonly assumedRoleArn?: string;
}

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** STS, per region. Errors are thrown as AwsError with the AWS error code. */
export interface StsPort {
  getSessionToken(creds: AwsCredentials, input: GetSessionTokenInput, region?: string): Promise<AwsCredentials>;
  assumeRole(creds: AwsCredentials, input: AssumeRoleInput, region?: string): Promise<AssumedRole>;
  getCallerIdentity(creds: AwsCredentials, region?: string): Promise<CallerIdentity>;
}

/** Loads a source's long-term credentials from an AWS profile (static keys, SSO, credential_process…). */
export interface AwsProfileCredentialLoader {
  /** `source`: the xacct source it serves, for messages. */
  load(profile: string, source?: string): Promise<AwsCredentials>;
}

/** Appends one line per new role session; never receives a secret. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface AuditEntry {
  readonly time: string;
  readonly profile: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sourceIdentity?: string;
  readonly expiration: string;
}

export interface Clock {
  now(): Date;
}

/** An access key of an IAM user, as ListAccessKeys describes it (never its secret). */
export interface AccessKeyInfo {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive' | string;
  readonly createDate?: Date;
}

export interface NewAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly createDate?: Date;
}

export interface VirtualMfaDevice {
  readonly serialNumber: string;
  /** The TOTP secret, Base32: shown on the terminal once, never stored. */
  readonly base32Seed: string;
}

export interface MfaDeviceInfo {
  readonly serialNumber: string;
  readonly enableDate?: Date;
}

/**
 * IAM, for the identity's life cycle (rotate, mfa enroll, doctor's key age). Every call is signed with the
 * credentials given (the source's MFA session when it has mfa_serial). Errors are AwsError with the AWS code.
 */
export interface IamPort {
  listAccessKeys(creds: AwsCredentials, userName: string): Promise<AccessKeyInfo[]>;
  createAccessKey(creds: AwsCredentials, userName: string): Promise<NewAccessKey>;
  deleteAccessKey(creds: AwsCredentials, userName: string, accessKeyId: string): Promise<void>;
  listMfaDevices(creds: AwsCredentials, userName: string): Promise<MfaDeviceInfo[]>;
  createVirtualMfaDevice(creds: AwsCredentials, deviceName: string): Promise<VirtualMfaDevice>;
  enableMfaDevice(creds: AwsCredentials, userName: string, serialNumber: string, code1: string, code2: string): Promise<void>;
  deleteVirtualMfaDevice(creds: AwsCredentials, serialNumber: string): Promise<void>;
}
