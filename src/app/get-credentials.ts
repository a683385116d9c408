import type { AwsCredentials, CredentialProvider } from '../core/credentials.js';
import { RefusedPathError, XacctError } from '../core/errors.js';
import { parseDuration, ROLE_DURATION } from '../core/duration.js';
import type { Env } from '../core/paths.js';
import type { AssumedRole } from '../core/ports.js';
import type { ProfileMap, ProfilePlan } from '../core/profile-map/types.js';
import { planWith, profileListHint, resolveProfile } from '../core/profile-map/resolve.js';
import { UsageError } from '../core/errors.js';
import { createCredentialEngine, type CredentialEngine } from '../core/providers/index.js';
import { createContext, type AppContext, type ContextOptions } from './context.js';
import { rootOf } from '../core/session-keys.js';
import { sessionRules } from './session-rules.js';

/** What a command asks for: SPEC's credential options. */
export interface CredentialRequest {
  /** Profile named on the command line; absent: the session’s (XACCT_PROFILE), else default_profile, else the picker (askForProfile), else a usage error. */
  readonly profile?: string;
  /**
   * A person runs this command (exec, assume, login, whoami): without a profile and a default_profile, ask with the
   * picker when a terminal is there. Not for credential-process: a tool runs it, and it fails with the usage
   * error that lists the profiles.
   */
  readonly askForProfile?: boolean;
  readonly mfaToken?: string;
  /** Role session length as written by the user ("1h", "900"). */
  readonly duration?: string;
  readonly region?: string;
  /** false with --no-cache. */
  readonly cache: boolean;
}

export interface ObtainedCredentials {
  readonly plan: ProfilePlan;
  readonly credentials: AwsCredentials;
  /** Region for the session's environment, when one is known. */
  readonly region?: string;
  /**
   * The composed provider: retrieve again for renewals (exec --server). It returns the same session while more
   * than 5 minutes of it remain, then the cached one or a new one; an MFA code given with --mfa-token is not reused
   * by a later ask.
   */
  readonly provider: CredentialProvider;
  /**
   * The same provider for retrievals while another program owns the terminal (exec --server renewals): no status
   * line is drawn over its output. Absent: use `provider`.
   */
  readonly background?: CredentialProvider;
}

export interface PreparedCredentials extends Omit<ObtainedCredentials, 'credentials'> {
  readonly context: AppContext;
  /** The key identity of the plan's root source, as the provider keyed its sessions by it. */
  readonly keyIdentity: () => Promise<string>;
}

/** What getCredentials is built on; tests replace them. */
export interface GetCredentialsDeps {
  readonly loadProfileMap: (env: Env) => Promise<ProfileMap>;
  readonly createContext: (env: Env, map: ProfileMap, options: ContextOptions) => AppContext;
  /** Asks for a profile with a searchable list when a terminal is there; undefined when it cannot ask. */
  readonly pickProfile: (map: ProfileMap, env: Env) => Promise<string | undefined>;
}

const defaultDeps: GetCredentialsDeps = {
  loadProfileMap: async (env) => (await import('./load-profile-map.js')).loadProfileMap(env),
  createContext,
  pickProfile: async (map, env) => (await import('./pick-profile.js')).pickProfileName(map, env),
};

/** The main use case: a profile's role session (cached, or through the source and MFA session). */
export async function getCredentials(env: Env, req: CredentialRequest, deps: Partial<GetCredentialsDeps> = {}): Promise<ObtainedCredentials> {
  const prepared = await prepareCredentials(env, req, deps);
  const credentials = await prepared.provider.retrieve();
  const { context, provider } = prepared;
  const background = {
    retrieve: () => {
      context.hideProgress?.();
      return provider.retrieve();
    },
  };
  return { plan: prepared.plan, credentials, provider, background, ...(prepared.region ? { region: prepared.region } : {}) };
}

/** Everything up to the first STS call: the plan with the request applied and the composed provider. */
export async function prepareCredentials(
  env: Env,
  req: CredentialRequest,
  deps: Partial<GetCredentialsDeps> = {},
): Promise<PreparedCredentials> {
  const d = { ...defaultDeps, ...deps };
  const map = await d.loadProfileMap(env);
  const name = req.profile || sessionProfile(env, map) || (map.defaultProfile || !req.askForProfile ? undefined : await d.pickProfile(map, env));
  const rules = sessionRules(env);
  const plan = applyRequest(resolveProfile(map, name), req, rules.minRoleDurationSeconds);
  const context = d.createContext(env, map, req.mfaToken ? { mfaToken: req.mfaToken } : {});
  const engine = credentialEngine(context, { cache: req.cache, roleReuseMarginSeconds: rules.roleReuseMarginSeconds });
  const region = req.region || plan.region || plan.source.region;
  return { plan, context, provider: engine.profile(plan), keyIdentity: () => engine.keyIdentity(rootOf(plan).source), ...(region ? { region } : {}) };
}

/**
 * SPEC: a command given no profile uses, inside an xacct session, that session's profile (XACCT_PROFILE). One this
 * profile map does not know is a usage error rather than a silent fall back to default_profile.
 */
function sessionProfile(env: Env, map: ProfileMap): string | undefined {
  const name = env.XACCT_PROFILE;
  if (!name) return undefined;
  if (map.profiles.has(name) || map.unusableAwsProfiles?.has(name)) return name;
  throw new UsageError(
    `no profile given, and the profile of this xacct session, '${name}' (XACCT_PROFILE), is not a profile of the profile map`,
    `name a profile; ${profileListHint(map)}`,
  );
}

/** The plan with --duration and --region applied; `minSeconds` is the floor of --duration (see session-rules.ts). */
export function applyRequest(plan: ProfilePlan, req: Pick<CredentialRequest, 'duration' | 'region'>, minSeconds = ROLE_DURATION.min): ProfilePlan {
  const range = { ...ROLE_DURATION, what: '--duration', min: minSeconds };
  const durationSeconds = req.duration ? parseDuration(req.duration, range) : plan.durationSeconds;
  return planWith(plan, { durationSeconds, ...(req.region ? { region: req.region } : {}) });
}

/** The engine over a context's ports; every new role session is written to the audit log. */
export function credentialEngine(
  context: AppContext,
  options: { cache: boolean; roleReuseMarginSeconds?: (durationSeconds: number) => number },
): CredentialEngine {
  return createCredentialEngine({
    store: context.store,
    lock: context.lock,
    sts: context.sts,
    mfa: context.mfa,
    awsProfiles: context.awsProfiles,
    keying: context.map,
    clock: context.clock,
    userName: context.userName,
    cache: options.cache,
    ...(options.roleReuseMarginSeconds ? { roleReuseMarginSeconds: options.roleReuseMarginSeconds } : {}),
    onRoleSession: async (plan, sessionName, session) => {
      await audit(context, plan, sessionName, session);
      const command = context.map.onAssume;
      if (command) {
        const { runOnAssume } = await import('./on-assume.js');
        await runOnAssume(command, { plan, sessionName, expiration: session.expiration }, { env: context.env, warn: context.warn });
      }
    },
    warn: (message) => context.warn(message),
    log: context.log,
  });
}

/**
 * One line per new role session. A log that cannot be written (a full disk, a read-only HOME) does not take the
 * session away: it warns. One that someone else could control (a planted link or FIFO, a folder of another user)
 * fails the command: that is an attack to be seen, not a nuisance.
 */
async function audit(context: AppContext, plan: ProfilePlan, sessionName: string, session: AssumedRole): Promise<void> {
  try {
    await context.audit.record({
      time: context.clock.now().toISOString(),
      profile: plan.name,
      roleArn: plan.roleArn,
      sessionName,
      ...(plan.sourceIdentity ? { sourceIdentity: plan.sourceIdentity } : {}),
      expiration: session.expiration?.toISOString() ?? '',
    });
  } catch (err) {
    if (err instanceof RefusedPathError) throw err;
    const why = err instanceof XacctError ? err.message : `could not write the audit log ${context.paths.auditLog}: ${err instanceof Error ? err.message : String(err)}`;
    context.warn(`${why} (the session is used all the same)`);
  }
}
