/** The real deps of `xacct doctor`: adapters loaded on first use, STS with doctor's short time limits. */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chooseBackend } from '../../adapters/keychain/index.js';
import { createIam } from '../../adapters/iam.js';
import { createSts } from '../../adapters/sts.js';
import { trustInspector } from '../../adapters/trust.js';
import type { DoctorDeps } from './context.js';

/** GetCallerIdentity's time limit: doctor reports an unreachable STS, it does not wait for it. */
export const STS_CHECK_TIMEOUT_MS = 5_000;

export const defaultDoctorDeps: DoctorDeps = {
  loadProfileMap: async (env) => (await import('../load-profile-map.js')).loadProfileMap(env),
  readAwsFiles: async (paths) => (await import('../../adapters/config-files/aws-shared-config.js')).readAwsSharedConfig(paths.awsConfig, paths.awsCredentials, paths.parsedMaps),
  openStore: async (env, backend) => (await import('../open-store.js')).openStoreWithoutAsking(env, backend),
  chooseBackend,
  passphraseAgent: async (env) => (await import('../passphrase-agent.js')).agentReport(env),
  createSts: (env) =>
    createSts(env, { maxAttempts: 1, connectionTimeoutMs: 3_000, requestTimeoutMs: STS_CHECK_TIMEOUT_MS, totalTimeoutMs: STS_CHECK_TIMEOUT_MS }),
  createIam: (env, region) =>
    createIam(env, { maxAttempts: 1, connectionTimeoutMs: 3_000, requestTimeoutMs: STS_CHECK_TIMEOUT_MS, totalTimeoutMs: STS_CHECK_TIMEOUT_MS, ...(region ? { region } : {}) }),
  loadAwsProfile: async (env, profile) => (await import('../../adapters/aws-profile-credentials.js')).createAwsProfileLoader(env).load(profile),
  statFile: async (file) => {
    const info = await stat(file).catch(() => undefined);
    return info && { mode: info.mode & 0o7777, isFile: info.isFile() };
  },
  isExecutable: async (file) => {
    try {
      await access(file, constants.X_OK);
      return (await stat(file)).isFile();
    } catch {
      return false;
    }
  },
  realpath: (file) => realpath(file).catch(() => file),
  trust: trustInspector(),
  now: () => new Date(),
  thisInstallation: fileURLToPath(new URL('../../../bin/xacct.js', import.meta.url)),
  platform: process.platform,
};
