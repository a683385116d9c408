/**
 * `xacct doctor`: what xacct sees — the profile map, the keychain, each source's long-term keys and MFA session,
 * the clock against STS, the STS endpoint, the AWS config entries that call xacct and the xacct on PATH.
 * It never prompts: no MFA code, no passphrase; the only AWS call is GetCallerIdentity with each source's
 * long-term keys (which needs no MFA), time-limited.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSharedConfig } from '../adapters/config-files/aws-shared-config.js';
import { chooseBackend } from '../adapters/keychain/index.js';
import { createSts, type CallerIdentityWithTime } from '../adapters/sts.js';
import { decodeCacheEntry, secretKeys } from '../core/cache-entry.js';
import type { AwsCredentials } from '../core/credentials.js';
import { secondsLeft } from '../core/credentials.js';
import { awsProfileKind, clockFinding, xacctEntries, type XacctEntry } from '../core/doctor-checks.js';
import { error, ok, warning, type Finding } from '../core/doctor-report.js';
import { formatDuration } from '../core/duration.js';
import { AwsError, XacctError } from '../core/errors.js';
import { mfaSessionFingerprint } from '../core/fingerprint.js';
import { xacctPaths, type Env, type XacctPaths } from '../core/paths.js';
import type { SecretStore } from '../core/ports.js';
import type { ProfileMap, SourcePlan } from '../core/profile-map/types.js';

/** GetCallerIdentity's time limit: doctor reports an unreachable STS, it does not wait for it. */
const STS_CHECK_TIMEOUT_MS = 5_000;

export interface DoctorSts {
  getCallerIdentity(creds: AwsCredentials, region?: string): Promise<CallerIdentityWithTime>;
  endpointFor(region?: string): string;
}

export interface DoctorDeps {
  readonly loadProfileMap: (env: Env) => Promise<ProfileMap>;
  readonly readAwsFiles: (paths: XacctPaths) => Promise<AwsSharedConfig>;
  /** The secret store in force, never prompting. */
  readonly openStore: (env: Env, backend: ProfileMap['backend']) => Promise<SecretStore>;
  readonly chooseBackend: (env: Env, configured: ProfileMap['backend']) => 'os' | 'file';
  readonly createSts: (env: Env) => DoctorSts;
  /** Credentials of an SSO (or other SDK-resolved) AWS profile, without prompting. */
  readonly loadAwsProfile: (env: Env, profile: string) => Promise<AwsCredentials>;
  readonly now: () => Date;
  /** The launcher of this installation (bin/xacct.js). */
  readonly thisInstallation: string;
  readonly platform: NodeJS.Platform;
}

const defaultDeps: DoctorDeps = {
  loadProfileMap: async (env) => (await import('./load-profile-map.js')).loadProfileMap(env),
  readAwsFiles: async (paths) => (await import('../adapters/config-files/aws-shared-config.js')).readAwsSharedConfig(paths.awsConfig, paths.awsCredentials),
  openStore: async (env, backend) => (await import('./session-times.js')).openStoreWithoutAsking(env, backend),
  chooseBackend,
  createSts: (env) =>
    createSts(env, { maxAttempts: 1, connectionTimeoutMs: 3_000, requestTimeoutMs: STS_CHECK_TIMEOUT_MS, totalTimeoutMs: STS_CHECK_TIMEOUT_MS }),
  loadAwsProfile: async (env, profile) => (await import('../adapters/aws-profile-credentials.js')).createAwsProfileLoader(env).load(profile),
  now: () => new Date(),
  thisInstallation: fileURLToPath(new URL('../../bin/xacct.js', import.meta.url)),
  platform: process.platform,
};

export async function runDoctor(env: Env, deps: Partial<DoctorDeps> = {}): Promise<Finding[]> {
  const d = { ...defaultDeps, ...deps };
  const paths = xacctPaths(env);
  const findings: Finding[] = [];

  const map = await profileMapFindings(env, paths, d, findings);
  const aws = await d.readAwsFiles(paths).catch(() => ({}) as AwsSharedConfig);
  const store = await keychainFindings(env, paths, map, d, findings);
  const sources = sourcesOf(map);
  const checks = await Promise.all(sources.map((source) => sourceFindings(env, source, aws, store, d)));
  for (const c of checks) findings.push(...c.findings);
  findings.push(clockOf(checks, sources.length > 0));
  findings.push(...stsEndpointFindings(env, sources, d));
  findings.push(...(await awsConfigFindings(env, paths, aws, map, d)));
  return findings;
}

// ---- profile map ----

async function profileMapFindings(env: Env, paths: XacctPaths, d: DoctorDeps, findings: Finding[]): Promise<ProfileMap | undefined> {
  let map: ProfileMap;
  try {
    map = await d.loadProfileMap(env);
  } catch (err) {
    if (!(err instanceof XacctError)) throw err;
    findings.push(error('profile map', err.message, err.hint ?? 'correct the file at the line named'));
    return undefined;
  }
  const fromAws = [...map.profiles.values()].filter((p) => p.origin === 'aws-config').length;
  const count = `${map.profiles.size} profile${map.profiles.size === 1 ? '' : 's'}${fromAws ? ` (${fromAws} from ${paths.awsConfig})` : ''}`;
  const defaultProfile = map.defaultProfile ? `, default_profile ${map.defaultProfile}` : '';
  if (map.profiles.size === 0) {
    findings.push(
      error(
        'profile map',
        map.profileMapFile
          ? `${map.profileMapFile} defines no profile, and ${paths.awsConfig} has no role profiles`
          : `no profile map at ${paths.profileMap}, and ${paths.awsConfig} has no role profiles`,
        `write [sources], [accounts] and [roles] in ${map.profileMapFile ?? paths.profileMap} (see the README)`,
      ),
    );
  } else if (map.profileMapFile) {
    findings.push(ok('profile map', `${map.profileMapFile}: ${count}${defaultProfile}`));
  } else {
    findings.push(ok('profile map', `none at ${paths.profileMap} (XACCT_CONFIG names another); ${count}`));
  }
  for (const err of map.unusableAwsProfiles?.values() ?? []) findings.push(warning('AWS config', `set aside: ${err.message}`, err.hint));
  return map;
}

// ---- keychain ----

interface StoreView {
  readonly store: SecretStore;
  readonly keys: ReadonlySet<string>;
  /** "the OS keychain", "the encrypted file" */
  readonly where: string;
}

async function keychainFindings(env: Env, paths: XacctPaths, map: ProfileMap | undefined, d: DoctorDeps, findings: Finding[]): Promise<StoreView | undefined> {
  const fileHint = 'set XACCT_BACKEND=file to keep secrets in an encrypted file instead';
  let backend: 'os' | 'file';
  try {
    backend = d.chooseBackend(env, map?.backend);
  } catch (err) {
    if (!(err instanceof XacctError)) throw err;
    findings.push(error('keychain', err.message, err.hint));
    return undefined;
  }
  const why = env.XACCT_BACKEND ? ' (XACCT_BACKEND)' : map?.backend ? ` (backend in ${map.profileMapFile})` : '';

  if (backend === 'os') {
    const service = d.platform === 'linux' ? 'Secret Service over D-Bus' : d.platform === 'darwin' ? 'macOS Keychain' : 'Windows Credential Manager';
    if (d.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
      findings.push(
        error('keychain', `backend os${why}: no OS keychain reachable (${service}): DBUS_SESSION_BUS_ADDRESS is not set`, `run xacct in a desktop session, or ${fileHint}`),
      );
      return undefined;
    }
    const view = await listStore(env, 'os', d, 'the OS keychain');
    if ('failure' in view) {
      findings.push(error('keychain', `backend os${why}: ${view.failure.message}`, view.failure.hint ?? fileHint));
      return undefined;
    }
    findings.push(ok('keychain', `backend os${why}: ${service} answers, unlocked; ${entries(view.keys.size)} of xacct`));
    return view;
  }

  const file = paths.secretsFile;
  const info = await stat(file).catch(() => undefined);
  if (!info) {
    findings.push(ok('keychain', `backend file${why}: ${file} does not exist yet (xacct add or the first session creates it)`));
    return { store: await d.openStore(env, 'file'), keys: new Set(), where: 'the encrypted file' };
  }
  const mode = info.mode & 0o777;
  if (mode & 0o077) {
    findings.push(warning('keychain', `backend file${why}: ${file} has mode ${mode.toString(8).padStart(4, '0')}: other users may read it`, `chmod 600 ${file}`));
  }
  if (!env.XACCT_FILE_PASSPHRASE) {
    findings.push(
      warning(
        'keychain',
        `backend file${why}: ${file} exists; XACCT_FILE_PASSPHRASE is not set, so whether the passphrase opens it is not checked (commands ask for it on the terminal)`,
        'set XACCT_FILE_PASSPHRASE where xacct runs without a terminal',
      ),
    );
    return undefined;
  }
  const view = await listStore(env, 'file', d, 'the encrypted file');
  if ('failure' in view) {
    findings.push(error('keychain', `backend file${why}: ${view.failure.message}`, view.failure.hint ?? 'check XACCT_FILE_PASSPHRASE'));
    return undefined;
  }
  if (!(mode & 0o077)) findings.push(ok('keychain', `backend file${why}: ${file}, mode 0600, opened with XACCT_FILE_PASSPHRASE; ${entries(view.keys.size)}`));
  return view;
}

async function listStore(env: Env, backend: 'os' | 'file', d: DoctorDeps, where: string): Promise<StoreView | { failure: XacctError }> {
  try {
    const store = await d.openStore(env, backend);
    return { store, keys: new Set(await store.list()), where };
  } catch (err) {
    if (err instanceof XacctError) return { failure: err };
    return { failure: new XacctError(err instanceof Error ? err.message : String(err)) };
  }
}

function entries(n: number): string {
  return `${n} entr${n === 1 ? 'y' : 'ies'}`;
}

// ---- sources ----

function sourcesOf(map: ProfileMap | undefined): SourcePlan[] {
  if (!map) return [];
  const all = new Map(map.sources);
  for (const plan of map.profiles.values()) if (!all.has(plan.source.name)) all.set(plan.source.name, plan.source);
  return [...all.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface SourceCheck {
  readonly findings: Finding[];
  /** Our clock minus STS's, measured with this source's GetCallerIdentity. */
  readonly skewSeconds?: number;
  readonly endpoint?: string;
  /** Why the clock could not be measured with this source. */
  readonly noClock?: string;
}

async function sourceFindings(env: Env, source: SourcePlan, aws: AwsSharedConfig, view: StoreView | undefined, d: DoctorDeps): Promise<SourceCheck> {
  const topic = `source ${source.name}`;
  const findings: Finding[] = [];
  const { credentials, accessKeyId, noClock } = await longTermKeys(env, source, aws, view, d, findings, topic);
  findings.push(await mfaSessionFinding(source, view, accessKeyId, d, topic));
  if (!credentials) return { findings, noClock: noClock ?? `source ${source.name} has no long-term keys to ask STS with` };

  const sts = d.createSts(env);
  const endpoint = sts.endpointFor(source.region);
  const sent = d.now().getTime();
  try {
    const identity = await sts.getCallerIdentity(credentials, source.region);
    const received = d.now().getTime();
    findings.push(ok(topic, `STS accepts its long-term keys: ${identity.arn}`));
    // The Date header counts whole seconds (truncated): STS's clock was within [date, date + 1 s) at the answer.
    const skewSeconds = identity.serverTime ? ((sent + received) / 2 - identity.serverTime.getTime() - 500) / 1000 : undefined;
    return { findings, endpoint, ...(skewSeconds !== undefined ? { skewSeconds } : { noClock: 'STS sent no Date header' }) };
  } catch (err) {
    findings.push(stsFailure(err, topic, source));
    return { findings, endpoint, noClock: `STS could not be asked with source ${source.name}` };
  }
}

const REFUSED_KEY = /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|InvalidAccessKeyId|IncompleteSignature|MissingAuthenticationToken|ExpiredToken|AccessDenied/;

function stsFailure(err: unknown, topic: string, source: SourcePlan): Finding {
  if (err instanceof AwsError && REFUSED_KEY.test(err.code)) {
    return error(topic, `STS refused its long-term keys: ${err.message}`, `store valid keys with xacct add ${source.name}`);
  }
  if (err instanceof AwsError && /RequestExpired|RequestTimeTooSkewed|RequestInTheFuture|ClockSkew/.test(err.code)) {
    return error(topic, err.message, err.hint);
  }
  const message = err instanceof XacctError ? err.message : String(err);
  return warning(topic, `STS not checked: ${message}`, err instanceof XacctError ? err.hint : undefined);
}

/** Where the source's long-term keys come from; the keys themselves when they can be had without prompting. */
async function longTermKeys(
  env: Env,
  source: SourcePlan,
  aws: AwsSharedConfig,
  view: StoreView | undefined,
  d: DoctorDeps,
  findings: Finding[],
  topic: string,
): Promise<{ credentials?: AwsCredentials; accessKeyId?: string; noClock?: string }> {
  const key = secretKeys.source(source.name);
  if (view?.keys.has(key)) {
    const stored = parseKeys(await view.store.get(key).catch(() => null));
    if (!stored) {
      findings.push(error(topic, `the long-term keys stored in ${view.where} are unreadable`, `store them again with xacct add ${source.name}`));
      return {};
    }
    findings.push(ok(topic, `long-term keys stored in ${view.where} (xacct add)`));
    return { credentials: stored, accessKeyId: stored.accessKeyId };
  }

  const profile = source.awsProfile;
  const inCredentials = aws.awsCredentials?.profiles[profile];
  const inConfig = aws.awsConfig?.profiles[profile];
  const kind = awsProfileKind(inCredentials, inConfig);
  const file = inCredentials ? aws.awsCredentials!.file : aws.awsConfig?.file;
  const notStored = view ? `none stored in ${view.where}` : 'the keychain could not be read';
  if (kind === 'missing' || kind === 'no credentials') {
    const what = kind === 'missing' ? `no AWS profile '${profile}'` : `AWS profile '${profile}' in ${file} holds no credentials`;
    const finding = view ? error : warning;
    findings.push(finding(topic, `no long-term credentials: ${notStored}, and ${what}`, `xacct add ${source.name}, or set up AWS profile '${profile}'`));
    return {};
  }
  const command = { ...inConfig, ...inCredentials }.credential_process;
  if (kind === 'credential_process' && command && xacctEntries({ [profile]: { credential_process: command } }).length > 0) {
    findings.push(
      error(topic, `AWS profile '${profile}' gets its credentials from xacct itself (credential_process), so it cannot be a source`, `xacct add ${source.name}`),
    );
    return {};
  }
  findings.push(ok(topic, `long-term credentials from AWS profile '${profile}' (${kind}) in ${file}; ${notStored}`));
  if (kind === 'static keys') {
    const s = { ...inConfig, ...inCredentials };
    const credentials = { accessKeyId: s.aws_access_key_id!, secretAccessKey: s.aws_secret_access_key!, ...(s.aws_session_token ? { sessionToken: s.aws_session_token } : {}) };
    return { credentials, accessKeyId: credentials.accessKeyId };
  }
  if (kind === 'SSO') {
    try {
      const credentials = await d.loadAwsProfile(env, profile);
      return { credentials, accessKeyId: credentials.accessKeyId };
    } catch (err) {
      const message = err instanceof XacctError ? err.message : String(err);
      findings.push(warning(topic, message, err instanceof XacctError ? err.hint : `aws sso login --profile ${profile}`));
      return { noClock: `the SSO session of AWS profile '${profile}' is not usable` };
    }
  }
  // credential_process, role_arn, web identity: resolving them may prompt or need more than doctor asks for.
  return { noClock: `the credentials of AWS profile '${profile}' (${kind}) are not fetched by doctor` };
}

function parseKeys(text: string | null): AwsCredentials | undefined {
  try {
    const raw = JSON.parse(text ?? '') as { AccessKeyId?: unknown; SecretAccessKey?: unknown };
    if (typeof raw.AccessKeyId === 'string' && raw.AccessKeyId && typeof raw.SecretAccessKey === 'string' && raw.SecretAccessKey) {
      return { accessKeyId: raw.AccessKeyId, secretAccessKey: raw.SecretAccessKey };
    }
  } catch {
    /* unreadable */
  }
  return undefined;
}

async function mfaSessionFinding(source: SourcePlan, view: StoreView | undefined, accessKeyId: string | undefined, d: DoctorDeps, topic: string): Promise<Finding> {
  if (!source.mfaSerial) return ok(topic, 'no mfa_serial: roles are assumed with the long-term keys, without MFA');
  if (!view) return warning(topic, `MFA session (${source.mfaSerial}) unknown: the keychain could not be read`);
  const key = secretKeys.mfaSession(source.name);
  const entry = view.keys.has(key) ? decodeCacheEntry(await view.store.get(key).catch(() => null)) : null;
  const next = `the next command asks for a code of ${source.mfaSerial}`;
  if (!entry) return ok(topic, `no MFA session cached: ${next}`);
  const left = secondsLeft(entry.credentials, d.now());
  if (left <= 0) return ok(topic, `MFA session expired: ${next}`);
  if (accessKeyId && entry.fingerprint !== mfaSessionFingerprint(source, accessKeyId)) {
    return ok(topic, `MFA session cached for other settings or keys, so not reused: ${next}`);
  }
  return ok(topic, `MFA session cached, ${formatDuration(Math.floor(left / 60) * 60)} left (until ${entry.credentials.expiration.toISOString()})`);
}

function clockOf(checks: readonly SourceCheck[], anySource: boolean): Finding {
  const measured = checks.find((c) => c.skewSeconds !== undefined);
  if (measured) return clockFinding(measured.skewSeconds!, `STS (${measured.endpoint})`);
  const why = checks.find((c) => c.noClock)?.noClock ?? (anySource ? 'no source could ask STS' : 'no source to ask STS with');
  return warning('clock', `not compared with STS: ${why}`);
}

// ---- STS endpoint ----

function stsEndpointFindings(env: Env, sources: readonly SourcePlan[], d: DoctorDeps): Finding[] {
  const sts = d.createSts(env);
  const custom = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true' ? undefined : env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : undefined;
  const regionOf = (source?: SourcePlan): string => {
    if (source?.region) return `region ${source.region} (of source ${source.name})`;
    const r = env.AWS_REGION ? `${env.AWS_REGION} (AWS_REGION)` : env.AWS_DEFAULT_REGION ? `${env.AWS_DEFAULT_REGION} (AWS_DEFAULT_REGION)` : 'us-east-1 (no region set)';
    return `region ${r}${source ? ` for source ${source.name}` : ''}`;
  };
  const targets = sources.length ? sources : [undefined];
  return targets.map((source) => {
    const endpoint = sts.endpointFor(source?.region);
    const why = custom ?? (/^https:\/\/sts\.amazonaws\.com/.test(endpoint) ? 'global endpoint: AWS_STS_REGIONAL_ENDPOINTS=legacy' : 'regional endpoint');
    return ok('STS', `${endpoint} (${why}), ${regionOf(source)}`);
  });
}

// ---- the AWS config entries that call xacct, and xacct on PATH ----

async function awsConfigFindings(env: Env, paths: XacctPaths, aws: AwsSharedConfig, map: ProfileMap | undefined, d: DoctorDeps): Promise<Finding[]> {
  const findings: Finding[] = [];
  const file = aws.awsConfig?.file ?? paths.awsConfig;
  const found = xacctEntries(aws.awsConfig?.profiles ?? {});
  const good: XacctEntry[] = [];
  for (const entry of found) {
    const where = `[profile ${entry.profile}] in ${file}`;
    if (entry.subcommand !== undefined || entry.target === undefined) {
      findings.push(error('AWS config', `${where} runs '${entry.program} ${entry.subcommand ?? ''}'`.trimEnd() + ', not xacct credential-process <profile>', 'run xacct aws-config --write, or correct the entry'));
    } else if (map && !map.profiles.has(entry.target)) {
      findings.push(
        error('AWS config', `${where} runs xacct credential-process ${entry.target}, and '${entry.target}' is not a profile of xacct`, `run xacct aws-config --write, or remove [profile ${entry.profile}]`),
      );
    } else {
      good.push(entry);
    }
  }
  if (good.length) {
    const names = good.map((e) => e.profile);
    const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length - 6} more)` : names.join(', ');
    findings.push(ok('AWS config', `${names.length === 1 ? '1 profile' : `${names.length} profiles`} of ${file} ${names.length === 1 ? 'gets' : 'get'} credentials from xacct: ${shown}`));
  } else if (found.length === 0) {
    findings.push(ok('AWS config', `no profile of ${file} gets credentials from xacct (xacct aws-config --write adds them)`));
  }
  findings.push(...(await programFindings(env, found, d)));
  return findings;
}

async function programFindings(env: Env, entries: readonly XacctEntry[], d: DoctorDeps): Promise<Finding[]> {
  const findings: Finding[] = [];
  const self = await realpath(d.thisInstallation).catch(() => d.thisInstallation);
  const explicit = [...new Set(entries.map((e) => e.program.split(' ').at(-1)!).filter((p) => isAbsolute(p)))];
  for (const program of explicit) {
    if (!(await executable(program))) findings.push(error('PATH', `${program}, which credential_process entries run, is missing or not executable`, 'run xacct aws-config --write'));
  }
  const bare = entries.some((e) => !isAbsolute(e.program.split(' ').at(-1)!));
  const onPath = await findOnPath('xacct', env.PATH ?? '');
  if (!onPath) {
    const fix = 'run npm link in the xacct folder (or install xacct globally), or xacct aws-config --write --command /path/to/xacct';
    findings.push(bare ? error('PATH', 'xacct is not on PATH, so the AWS tools cannot run the credential_process entries', fix) : warning('PATH', 'xacct is not on PATH', fix));
    return findings;
  }
  const target = await realpath(onPath).catch(() => onPath);
  if (target === self) findings.push(ok('PATH', `xacct is ${onPath}: this installation (${self})`));
  else findings.push(warning('PATH', `xacct on PATH is ${onPath} (${target}), not this installation (${self})`, 'remove the other installation, or put this one first on PATH'));
  return findings;
}

async function findOnPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
