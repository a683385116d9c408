/**
 * A source's long-term credentials from an AWS profile, of any kind the SDK resolves (static keys, SSO,
 * credential_process, source_profile chains). Static keys are taken from the files as this process already read
 * them (the profile map read them too); every other kind goes through the SDK's `fromIni`, with the config files
 * named by `env`, loaded only then.
 */
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import { awsProfileKind } from '../core/aws-profile-kind.js';
import { checkKeyShape, type AwsCredentials } from '../core/credentials.js';
import { XacctError } from '../core/errors.js';
import { xacctPaths, type Env } from '../core/paths.js';
import type { AwsProfileCredentialLoader } from '../core/ports.js';
import { xacctInvocation } from '../core/xacct-command.js';
import { sdkLoader } from './aws-client-config.js';
import { shareAwsFilesWithSdk } from './config-files/aws-files-for-sdk.js';
import { readAwsSharedConfig } from './config-files/aws-shared-config.js';
import { runCredentialProcess, withSdkProcessLimit } from './credential-process.js';

type Section = Record<string, string | undefined>;
interface SharedFiles {
  readonly configFile: Record<string, Section>;
  readonly credentialsFile: Record<string, Section>;
}

export interface AwsProfileLoader extends AwsProfileCredentialLoader {
  /** `source`: the xacct source the profile serves, named in messages (defaults to the profile's name). */
  load(profile: string, source?: string): Promise<AwsCredentials>;
}

export function createAwsProfileLoader(env: Env): AwsProfileLoader {
  const paths = xacctPaths(env);
  const files = { filepath: paths.awsCredentials, configFilepath: paths.awsConfig };

  return {
    async load(profile, source = profile) {
      const aws = await readAwsSharedConfig(paths.awsConfig, paths.awsCredentials, paths.parsedMaps);
      const shared: SharedFiles = { configFile: aws.awsConfig?.profiles ?? {}, credentialsFile: aws.awsCredentials?.profiles ?? {} };
      if (!shared.credentialsFile[profile] && !shared.configFile[profile]) {
        throw new XacctError(
          `no long-term credentials for source '${source}': store them with \`xacct add ${source}\` ` +
            `or define AWS profile '${profile}' in ${shortPath(paths.awsCredentials, env)}`,
        );
      }
      const commands = refuseRecursion(profile, shared);
      const failed = (err: XacctError) =>
        new XacctError(`cannot load credentials for source '${source}' from AWS profile '${profile}': ${err.message}`, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
      // A profile of the credential_process kind is run by xacct itself: bounded, without xacct's secrets.
      if (awsProfileKind(shared.credentialsFile[profile], shared.configFile[profile]) === 'credential_process') {
        const section: Section = { ...shared.configFile[profile], ...shared.credentialsFile[profile] };
        return runCredentialProcess(section.credential_process!, env).catch((err: unknown) => {
          throw err instanceof XacctError ? failed(err) : err;
        });
      }
      const keys = staticKeys(shared.credentialsFile[profile], shared.configFile[profile]);
      if (keys) {
        try {
          return checkKeyShape(keys, 'its keys');
        } catch (err) {
          throw err instanceof XacctError ? failed(err) : err;
        }
      }

      const { fromIni } = credentialProviders();
      shareAwsFilesWithSdk(); // fromIni parses the text read above, not the files again
      try {
        const c = await withSdkProcessLimit(fromIni({ profile, ...files })(), commands);
        return checkKeyShape(
          {
            accessKeyId: c.accessKeyId,
            secretAccessKey: c.secretAccessKey,
            ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
            ...(c.expiration ? { expiration: c.expiration } : {}),
          },
          'its keys',
        );
      } catch (err) {
        if (err instanceof XacctError) throw failed(err);
        throw explain(err, profile, source);
      }
    },
  };
}

const credentialProviders = sdkLoader<typeof CredentialProviders>('@aws-sdk/credential-providers');

/** The keys of a profile the SDK would serve as static keys (its `resolveStaticCredentials`); else undefined. */
function staticKeys(inCredentials: Section | undefined, inConfig: Section | undefined): AwsCredentials | undefined {
  if (awsProfileKind(inCredentials, inConfig) !== 'static keys') return undefined;
  const s = { ...inConfig, ...inCredentials };
  return {
    accessKeyId: s.aws_access_key_id!,
    secretAccessKey: s.aws_secret_access_key!,
    ...(s.aws_session_token ? { sessionToken: s.aws_session_token } : {}),
  };
}

/**
 * A profile (or a profile it takes its credentials from) whose credential_process runs xacct would start xacct
 * again, which would load the same profile again, without end. Returns the credential_process commands of the chain.
 */
function refuseRecursion(profile: string, shared: SharedFiles): string[] {
  const seen = new Set<string>();
  const commands: string[] = [];
  for (let name: string | undefined = profile; name && !seen.has(name); ) {
    seen.add(name);
    const section: Section = { ...shared.configFile[name], ...shared.credentialsFile[name] };
    const command = section.credential_process;
    if (command && xacctInvocation(command)) {
      throw new XacctError(
        `AWS profile '${name}' gets its credentials from xacct itself (credential_process = ${command}), ` +
          `so it cannot supply a source's long-term credentials`,
        {
          exitCode: 2,
          hint: "store the source's keys with `xacct add <source>`, or set aws_profile to a profile with real keys",
        },
      );
    }
    if (command) commands.push(command);
    name = section.source_profile;
  }
  return commands;
}

function explain(err: unknown, profile: string, source: string): XacctError {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.trim();
  if (/SSO session|sso.*(expired|invalid|refresh)|token.*expired/i.test(message)) {
    return new XacctError(`the SSO session of AWS profile '${profile}' has expired or is not signed in`, {
      hint: `run \`aws sso login --profile ${profile}\``,
      cause: err,
    });
  }
  if (/Could not resolve credentials using profile/i.test(message)) {
    return new XacctError(
      `AWS profile '${profile}' holds no credentials (no aws_access_key_id, SSO settings or credential_process)`,
      { hint: `store keys for source '${source}' with \`xacct add ${source}\``, cause: err },
    );
  }
  // Node's exec() error quotes the whole credential_process command line, which may hold a secret.
  const why = /^Command failed:/.test(first) ? 'its credential_process failed' : first;
  return new XacctError(`cannot load credentials for source '${source}' from AWS profile '${profile}': ${why}`, {
    cause: err,
  });
}

function shortPath(path: string, env: Env): string {
  const home = env.HOME;
  return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
