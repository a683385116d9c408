/**
 * What every doctor check is given: the environment, the paths, the injected deps (every outside call goes through
 * them, so that a check can be tested with fakes), and facts shared between checks, each computed once per run.
 */
import type { AwsSharedConfig } from '../../adapters/config-files/aws-shared-config.js';
import type { CallerIdentityWithTime } from '../../adapters/sts.js';
import type { trustInspector } from '../../adapters/trust.js';
import type { AwsCredentials } from '../../core/credentials.js';
import type { Finding } from '../../core/doctor-report.js';
import type { Env, XacctPaths } from '../../core/paths.js';
import type { IamPort, SecretStore } from '../../core/ports.js';
import type { ProfileMap } from '../../core/profile-map/types.js';
import type { AgentReport } from '../passphrase-agent.js';

export interface DoctorSts {
  getCallerIdentity(creds: AwsCredentials, region?: string): Promise<CallerIdentityWithTime>;
  endpointFor(region?: string): string;
}

/** What doctor learns about a file: its mode, and whether it is a regular file; undefined when it is not there. */
export interface FileFacts {
  readonly mode: number;
  readonly isFile: boolean;
}

export interface DoctorDeps {
  readonly loadProfileMap: (env: Env) => Promise<ProfileMap>;
  readonly readAwsFiles: (paths: XacctPaths) => Promise<AwsSharedConfig>;
  /** The secret store in force, never prompting. */
  readonly openStore: (env: Env, backend: ProfileMap['backend']) => Promise<SecretStore>;
  readonly chooseBackend: (env: Env, configured: ProfileMap['backend']) => 'os' | 'file';
  /** The file backend's passphrase agent: running, for how long it keeps the file unlocked, or why it cannot be used. */
  readonly passphraseAgent: (env: Env) => Promise<AgentReport>;
  readonly createSts: (env: Env) => DoctorSts;
  /** IAM with doctor's short time limits, in the partition of `region`. */
  readonly createIam: (env: Env, region?: string) => IamPort;
  /** Credentials of an SSO (or other SDK-resolved) AWS profile, without prompting. */
  readonly loadAwsProfile: (env: Env, profile: string) => Promise<AwsCredentials>;
  readonly statFile: (file: string) => Promise<FileFacts | undefined>;
  readonly isExecutable: (file: string) => Promise<boolean>;
  /** The file a path leads to, links followed; the path itself when that cannot be told. */
  readonly realpath: (file: string) => Promise<string>;
  /** File and folder trust as xacct judges it (src/adapters/file-trust.cts), looked at without opening anything. */
  readonly trust: ReturnType<typeof trustInspector>;
  readonly now: () => Date;
  /** The launcher of this installation (bin/xacct.js). */
  readonly thisInstallation: string;
  readonly platform: NodeJS.Platform;
}

/** Something checks share (the profile map, the open store…), computed from the context on first use. */
export type Fact<T> = (ctx: DoctorContext) => Promise<T>;

export interface DoctorContext {
  readonly env: Env;
  readonly paths: XacctPaths;
  readonly deps: DoctorDeps;
  /** The fact's value for this run: computed once, whichever check asks first. */
  fact<T>(of: Fact<T>): Promise<T>;
}

/** One check of `xacct doctor`: the lines it reports, in the order they are shown. */
export interface DoctorCheck {
  /** What it looks at, for the registry and tests; the findings carry their own topics. */
  readonly name: string;
  run(ctx: DoctorContext): Promise<readonly Finding[]>;
}

export function createDoctorContext(env: Env, paths: XacctPaths, deps: DoctorDeps): DoctorContext {
  const facts = new Map<Fact<unknown>, Promise<unknown>>();
  const ctx: DoctorContext = {
    env,
    paths,
    deps,
    fact<T>(of: Fact<T>): Promise<T> {
      let value = facts.get(of as Fact<unknown>) as Promise<T> | undefined;
      if (!value) {
        value = of(ctx);
        facts.set(of as Fact<unknown>, value);
      }
      return value;
    },
  };
  return ctx;
}
