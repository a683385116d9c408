import { rmSync, statSync, type BigIntStats } from 'node:fs';
import { createRequire } from 'node:module';
import { XacctError } from '../../core/errors.js';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import { profileLines, scanIniSections, splitLines } from '../../core/ini-lines.js';
import { summaryOf, type AwsIniFile, type IniProfile, type IniSummary } from '../../core/profile-map/aws-config-profiles.js';
import { parseSharedConfigFiles } from '../../core/sdk-ini-parse.js';
import { CACHED_FROM_BYTES, jsonSafe, keepParse, parseCacheFile, readKept, sha256 } from './parse-cache.js';
import { readOptionalFile } from './profile-map-file.js';

export interface AwsSharedConfig {
  /** ~/.aws/config (or AWS_CONFIG_FILE), when it exists. */
  readonly awsConfig?: AwsIniFile;
  /** ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE), when it exists. */
  readonly awsCredentials?: AwsIniFile;
}

/** Non-profile sections of the config file, which the loader returns with their prefix. */
const OTHER_SECTIONS = /^(sso-session|services)\./;

const INI_LOADER = '@smithy/shared-ini-file-loader';

/** The SDK's loader, once this process has it (an SDK client, fromIni, or anyone else loaded it). */
let sdkLoader: typeof IniLoader | undefined;
/** The texts read here that the SDK's loader has not been handed yet, by file (a missing file as ''). */
const forSdk = new Map<string, string>();

function loadedSdkLoader(): typeof IniLoader | undefined {
  if (!sdkLoader) {
    const require = createRequire(import.meta.url);
    const cached = require.cache[require.resolve(INI_LOADER)];
    if (cached?.loaded) sdkLoader = cached.exports as typeof IniLoader;
  }
  return sdkLoader;
}

function handOver(loader: typeof IniLoader): void {
  for (const [file, text] of forSdk) loader.externalDataInterceptor.interceptFile(file, text);
  forSdk.clear();
}

/**
 * The SDK's reads of the AWS files in this process (its clients' settings, fromIni) get the text xacct read, not the
 * file again: the loader keeps what it read in a process-wide cache, and this puts our texts there. Called before
 * an SDK client or fromIni is made (the SDK is loaded then anyway); until then, xacct parses the files itself
 * (core/sdk-ini-parse.ts) and the SDK's loader is not loaded at all.
 */
export function shareAwsFilesWithSdk(): void {
  handOver((sdkLoader ??= createRequire(import.meta.url)(INI_LOADER) as typeof IniLoader));
}

/** Read now: for the SDK's next read, at once when its loader is already loaded, else when it is (above). */
function keepForSdk(file: string, text: string | undefined): void {
  forSdk.set(file, text ?? '');
  const loader = loadedSdkLoader();
  if (loader) handOver(loader);
}

type Identity = string;
const identityOf = (st: Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>): Identity =>
  `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;

interface Read {
  readonly configFile: string;
  readonly credentialsFile: string;
  /** Of each file as read ('absent' when it did not exist). */
  readonly identities: readonly [Identity, Identity];
  readonly result: Promise<AwsSharedConfig>;
}

/** What this process read last: the profile map, the source loader and doctor all ask for the same two files. */
let last: Read | undefined;

function currentIdentity(file: string): Identity | undefined {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st ? identityOf(st) : 'absent';
  } catch {
    return undefined; // unreadable: read it again, so that the error is the reader's
  }
}

/**
 * Reads the AWS shared config and credentials files, each once per process, and parses them the way the AWS SDK
 * does (core/sdk-ini-parse.ts). The text is kept too, for line numbers in messages. A later call for the
 * same files returns the same result while neither file changed (same inode, size and times: xacct's own edits
 * replace a file, so they count as a change). Every later read of the SDK in this process (its clients, fromIni)
 * parses the text read here rather than reading the files again (shareAwsFilesWithSdk): one read of each file.
 * `cacheFolder`: where a large config file's parse is kept between calls (see keptConfig).
 */
export async function readAwsSharedConfig(configFile: string, credentialsFile: string, cacheFolder?: string): Promise<AwsSharedConfig> {
  if (
    last &&
    last.configFile === configFile &&
    last.credentialsFile === credentialsFile &&
    last.identities[0] === currentIdentity(configFile) &&
    last.identities[1] === currentIdentity(credentialsFile)
  ) {
    return last.result;
  }
  const config = readOptionalFile(configFile, 'the AWS config file');
  const credentials = readOptionalFile(credentialsFile, 'the AWS credentials file');
  const identities = [config ? identityOf(config.stat) : 'absent', credentials ? identityOf(credentials.stat) : 'absent'] as const;
  const result = parse(configFile, config?.text, credentialsFile, credentials?.text, cacheFolder);
  last = { configFile, credentialsFile, identities, result };
  result.catch(() => (last = undefined));
  return result;
}

/**
 * A parse of the config file as kept by parse-cache.ts: the line of the header of each role profile and of each
 * section without keys (see AwsIniFile.lines) and the summary of its profiles in the header; the profiles
 * themselves after it, as one line of JSON, parsed only when something reads them.
 */
interface ConfigParse {
  readonly lines: Record<string, number>;
  readonly summary: IniSummary;
  /** Of the profiles' JSON after the header: checked when they are parsed, long after the header was. */
  readonly profilesSha256: string;
}

/** Values that are secrets: such a config file's parse is not copied into the cache. */
const SECRET_KEY = /secret|token|password/i;

interface KeptProfiles {
  readonly lines: Map<string, number>;
  readonly summary: IniSummary;
  /** The profiles: parsed on first use. */
  readonly profiles: () => Record<string, IniProfile>;
}

/**
 * A config file of at least CACHED_FROM_BYTES (`aws-config --write` at 25,000 profiles writes 2.8 MB): its parse and
 * header lines are kept by parse-cache.ts, by the text's sha256, so that the next call neither checks every line
 * again (this text passed) nor parses it (~300 ms of CPU at 25,000 sections), nor even reads the kept profiles back
 * (~35 ms) unless something asks for more than the summary. A file holding keys is never kept.
 */
function keptConfig(folder: string, file: string, text: string) {
  const cacheFile = parseCacheFile(folder, 'aws-config', file);
  const digest = sha256(text);
  const kept = readKept(cacheFile, file, digest);
  const doc = kept?.doc as Partial<ConfigParse> | undefined;
  const summary = doc?.summary;
  const usable = kept && typeof doc?.lines === 'object' && typeof summary?.roles === 'object' && typeof summary.sources === 'object' && typeof summary.keyIds === 'object' && typeof doc.profilesSha256 === 'string';
  let profiles: Record<string, IniProfile> | undefined;
  // Read now: the header alone. The profiles after it, when something asks: the same file (the header says the same
  // profiles) with the profiles that sum was taken of.
  const parseProfiles = (expected: string): Record<string, IniProfile> => {
    const whole = readKept(cacheFile, file, digest, true);
    const json = whole?.doc.profilesSha256 === expected ? whole.rest.toString('utf8') : undefined;
    if (json !== undefined && sha256(json) === expected) return JSON.parse(json) as Record<string, IniProfile>;
    rmSync(cacheFile, { force: true }); // the next call parses the file again
    throw new XacctError(`the kept parse of ${file} (${cacheFile}) was damaged or replaced; it is removed`, { hint: 'run the command again' });
  };
  const parse: KeptProfiles | undefined = usable
    ? { lines: new Map(Object.entries(doc!.lines!)), summary: summary!, profiles: () => (profiles ??= parseProfiles(doc!.profilesSha256!)) }
    : undefined;
  return {
    parse,
    /** Keeps this parse (unless it holds keys); the header lines, when it did. */
    keep: (profiles: Record<string, IniProfile>): Map<string, number> | undefined => {
      const secret = Object.values(profiles).some((p) => Object.keys(p).some((k) => SECRET_KEY.test(k)));
      if (secret || !jsonSafe(profiles)) return undefined;
      const lines = profileLines(text, true);
      // Only the lines anything asks for: of role profiles (their messages) and of sections the loader dropped.
      const asked = [...lines].filter(([name]) => !Object.hasOwn(profiles, name) || profiles[name]!.role_arn !== undefined);
      const json = JSON.stringify(profiles);
      const parse: ConfigParse = { lines: Object.fromEntries(asked), summary: summaryOf(profiles), profilesSha256: sha256(json) };
      keepParse(folder, cacheFile, file, digest, parse, json);
      return lines;
    },
  };
}

async function parse(
  configFile: string,
  configText: string | undefined,
  credentialsFile: string,
  credentialsText: string | undefined,
  cacheFolder: string | undefined,
): Promise<AwsSharedConfig> {
  if (configText === undefined && credentialsText === undefined) return {};
  const kept = cacheFolder && configText !== undefined && configText.length >= CACHED_FROM_BYTES ? keptConfig(cacheFolder, configFile, configText) : undefined;
  // The SDK's loader skips a line it cannot read; the AWS CLI refuses the whole file, and so does
  // `aws-config --write`. Every command says the same: the file and line, exit 2.
  const hint = 'fix the file: the AWS CLI and xacct aws-config --write cannot read it either';
  if (configText !== undefined && !kept?.parse) scanIniSections(splitLines(configText), { file: configFile, what: 'the AWS config', hint });
  if (credentialsText !== undefined) scanIniSections(splitLines(credentialsText), { file: credentialsFile, what: 'the AWS credentials file', hint });
  keepForSdk(configFile, configText);
  keepForSdk(credentialsFile, credentialsText);
  // A kept parse of the config file: the credentials file is parsed alone.
  const parsed = parseSharedConfigFiles(kept?.parse ? undefined : configText, credentialsText);
  const profiles = (data: Record<string, Record<string, string | undefined>>, isConfig: boolean) =>
    Object.fromEntries(Object.entries(data).filter(([name]) => !(isConfig && OTHER_SECTIONS.test(name)))) as Record<string, IniProfile>;
  const fromCache = kept?.parse;
  const configProfiles = fromCache ? undefined : profiles(parsed.configFile, true);
  const lines = fromCache ? fromCache.lines : kept?.keep(configProfiles!);

  return {
    awsConfig:
      configText === undefined
        ? undefined
        : fromCache
          ? {
              file: configFile,
              text: configText,
              get profiles() {
                return fromCache.profiles();
              },
              lines: fromCache.lines,
              summary: fromCache.summary,
            }
          : { file: configFile, text: configText, profiles: configProfiles!, ...(lines ? { lines } : {}) },
    awsCredentials:
      credentialsText === undefined ? undefined : { file: credentialsFile, text: credentialsText, profiles: profiles(parsed.credentialsFile, false) },
  };
}
