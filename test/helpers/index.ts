/** The integration test harness: see README.md ("Development") and the doc comment of each module. */
export { requireEnv, requireTools, onPath, TOOLS } from './tools.js';
export { makeHome, type Env, type TestHome } from './home.js';
export { startKeyring, startSessionBus, KEYRING_PASSWORD, type Keyring, type SessionBus } from './keyring.js';
export { keychainEntry, storeInKeychain, clearInKeychain } from './secret-tool.js';
export { startMoto, createIamUser, motoQuery, xmlValue, MOTO_ACCOUNT, type Moto, type IamUser } from './moto.js';
export { startStsProxy, stsErrorXml, VALID_MFA_CODE, type StsProxy, type StsCall, type Fault, type FaultName } from './sts-proxy.js';
export { run, runCli, ROOT, XACCT_BIN, type RunOptions, type RunResult } from './run-cli.js';
export { spawnPty, runCliPty, stripAnsi, type PtyOptions, type PtySession, type PtyResult } from './pty.js';
export { startEnv, type EnvOptions, type TestEnv } from './env.js';
export { isAlive } from './procs.js';
export { freePort } from './ports.js';
export { countCalls } from './dbus-monitor.js';
export {
  standardMap,
  setupIdentity,
  addUserKeys,
  userKeys,
  writeUserCredentials,
  withXacctOnPath,
  roleSessionKeyIn,
  mfaSessionKeyOf,
  PROD_ACCOUNT,
  STAGING_ACCOUNT,
  type MapOptions,
} from './identity.js';
