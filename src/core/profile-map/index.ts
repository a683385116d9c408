export type { ProfileMap, ProfilePlan, SourcePlan } from './types.js';
export { buildProfileMap, type ProfileMapSources } from './build.js';
export { resolveProfile, profileNames, profileListHint } from './resolve.js';
export type { AwsIniFile, IniProfile } from './aws-config-profiles.js';
