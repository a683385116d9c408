export { cached, type CacheOptions } from './cached.js';
export {
  createCredentialEngine,
  MAX_CHAINED_ROLE_SECONDS,
  REUSE_MARGIN_SECONDS,
  roleSessionShape,
  type CredentialEngine,
  type EngineDeps,
  type RoleSessionShape,
} from './engine.js';
export { memoize, type MemoizeOptions } from './memoize.js';
export { MFA_ATTEMPTS, withMfaCode, type MfaCodeDeps, type MfaTarget } from './mfa-code.js';
export { mfaSession, type MfaSessionDeps } from './mfa-session.js';
export { assumeRoleInput, roleSession, roleSessionWithMfa, type RoleSessionDeps } from './role-session.js';
export { sourceCredentials, type SourceDeps } from './source.js';
