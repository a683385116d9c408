/**
 * The adapters a command needs, built from the environment and the profile map, each on first use and once.
 * Nothing heavy is imported here: the AWS SDK, the keychain binding and the prompt library load only when a
 * port is first called, so a cache hit never loads STS and a command that asks nothing never loads a prompt.
 */
import type { AwsCredentials } from '../core/credentials.js';
import type { Env, XacctPaths } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';
import type {
  AuditLog,
  AwsProfileCredentialLoader,
  Clock,
  IamPort,
  LockManager,
  MfaCodeSource,
  SecretStore,
  StsPort,
} from '../core/ports.js';
import type { ProfileMap } from '../core/profile-map/types.js';
import userNames from '../core/user-name.cjs';
import { chooseBackend } from '../adapters/keychain/index.js';
import { warn } from './say.js';
import { debugLogger } from './debug-log.js';
import { mfaCodesOnce } from './mfa-codes.js';
import type { Logger } from '../core/logger.js';

export interface ContextOptions {
  /** --mfa-token: the code to use instead of asking. */
  readonly mfaToken?: string;
}

export interface AppContext {
  readonly env: Env;
  readonly map: ProfileMap;
  readonly paths: XacctPaths;
  readonly clock: Clock;
  readonly store: SecretStore;
  readonly lock: LockManager;
  readonly sts: StsPort;
  /** IAM, with the partition of `region` (IAM itself is global). */
  iam(region?: string): IamPort;
  readonly mfa: MfaCodeSource;
  readonly awsProfiles: AwsProfileCredentialLoader;
  readonly audit: AuditLog;
  /** The user's name: the default RoleSessionName. */
  readonly userName: string | undefined;
  /** Decisions explained under XACCT_DEBUG=1; never a secret. */
  readonly log: Logger;
  /** A message for people, on stderr. */
  warn(message: string): void;
  /**
   * From now on another program's output owns the terminal (exec --server renewals): no status line is drawn
   * over it while STS is called.
   */
  hideProgress?(): void;
}

const systemClock: Clock = { now: () => new Date() };

export function createContext(env: Env, map: ProfileMap, options: ContextOptions = {}): AppContext {
  const paths = xacctPaths(env);

  const openStore = once(async () => {
    const { openSecretStore } = await import('../adapters/keychain/index.js');
    return openSecretStore(env, { backend: map.backend, filePassphraseCache: map.filePassphraseCache });
  });
  const openSts = once(async () => (await import('../adapters/sts.js')).createSts(env));
  const iamClients = new Map<string, () => Promise<IamPort>>();
  const openIam = (region: string | undefined) => {
    let open = iamClients.get(region ?? '');
    if (!open) {
      open = once(async () => (await import('../adapters/iam.js')).createIam(env, region ? { region } : {}));
      iamClients.set(region ?? '', open);
    }
    return open();
  };
  const openAwsProfiles = once(async () => (await import('../adapters/aws-profile-credentials.js')).createAwsProfileLoader(env));
  const openAudit = once(async () => (await import('../adapters/audit-log.js')).createAuditLog(paths.auditLog));
  let showProgress = true;
  const progress = async <T>(label: string, fn: () => Promise<T>): Promise<T> =>
    showProgress ? (await import('../adapters/prompt/progress.js')).withProgress(label, fn, { env }) : fn();

  return {
    env,
    map,
    paths,
    clock: systemClock,
    store: {
      get backend() {
        return chooseBackend(env, map.backend);
      },
      get: async (key) => (await openStore()).get(key),
      set: async (key, value) => (await openStore()).set(key, value),
      delete: async (key) => (await openStore()).delete(key),
      list: async () => (await openStore()).list(),
      readAll: async () => (await openStore()).readAll(),
    },
    lock: lockManagerFor(env, paths.lockDir),
    sts: {
      getSessionToken: (creds, input, region) =>
        progress('Getting an MFA session…', async () => (await openSts()).getSessionToken(creds, input, region)),
      assumeRole: (creds, input, region) =>
        progress(`Assuming ${input.roleArn}…`, async () => (await openSts()).assumeRole(creds, input, region)),
      getCallerIdentity: (creds: AwsCredentials, region?: string) =>
        progress('Asking STS who this is…', async () => (await openSts()).getCallerIdentity(creds, region)),
    },
    iam: (region) => ({
      listAccessKeys: (creds, user) => progress('Listing the access keys…', async () => (await openIam(region)).listAccessKeys(creds, user)),
      createAccessKey: (creds, user) => progress('Creating a new access key…', async () => (await openIam(region)).createAccessKey(creds, user)),
      deleteAccessKey: (creds, user, id) => progress(`Deleting access key ${id}…`, async () => (await openIam(region)).deleteAccessKey(creds, user, id)),
      listMfaDevices: (creds, user) => progress('Listing the MFA devices…', async () => (await openIam(region)).listMfaDevices(creds, user)),
      createVirtualMfaDevice: (creds, name) => progress('Creating the MFA device…', async () => (await openIam(region)).createVirtualMfaDevice(creds, name)),
      enableMfaDevice: (creds, user, serial, c1, c2) =>
        progress('Enabling the MFA device…', async () => (await openIam(region)).enableMfaDevice(creds, user, serial, c1, c2)),
      deleteVirtualMfaDevice: (creds, serial) => progress('Deleting the MFA device…', async () => (await openIam(region)).deleteVirtualMfaDevice(creds, serial)),
    }),
    mfa: mfaCodesOnce(options.mfaToken, {
      open: async (token) =>
        (await import('../adapters/prompt/mfa-code.js')).createMfaCodeSource({
          env,
          ...(token !== undefined ? { token } : {}),
          // A code is asked for an STS call: the SDK loads while mfa_process runs or the user types (~30 ms).
          whileWaiting: () => void openSts().then((sts) => sts.preload(), () => undefined),
        }),
      terminalPresent,
    }),
    awsProfiles: {
      load: async (profile, source) => (await openAwsProfiles()).load(profile, source),
    },
    audit: {
      record: async (entry) => (await openAudit()).record(entry),
    },
    userName: userNames.currentUserName(env),
    log: debugLogger(env),
    warn,
    hideProgress: () => {
      showProgress = false;
    },
  };
}

/**
 * The context's lock manager, on its own (for a use case that needs only a lock): the lock folder is judged, made
 * or fallen back from (usableLockDir) on first use, and the lock modules load then too.
 */
export function lockManagerFor(env: Env, lockDir = xacctPaths(env).lockDir): LockManager {
  const open = once(async () => {
    const [{ createLockManager }, { usableLockDir }] = await Promise.all([import('../adapters/lock.js'), import('../adapters/lock-folder.js')]);
    return createLockManager(await usableLockDir(lockDir, env));
  });
  return { withLock: async (key, fn, lockOptions) => (await open()).withLock(key, fn, lockOptions) };
}

async function terminalPresent(): Promise<boolean> {
  return (await import('../adapters/prompt/tty.js')).terminalPresent();
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    // A failed open (keychain locked) is tried again on the next call rather than remembered.
    value.catch(() => (value = undefined));
    return value;
  };
}
