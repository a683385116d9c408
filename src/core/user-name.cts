/**
 * The user's name, the default RoleSessionName (so it is part of every role session's fingerprint): the OS user's
 * name, else USER, else USERNAME. CommonJS, so that the credential-process fast path stamps the same name.
 */
import os = require('node:os');
import type { Env } from './paths.js';

/** `osUser` is `os.userInfo().username` when it worked. */
function userNameFrom(env: Env, osUser?: string): string | undefined {
  return osUser || env.USER || env.USERNAME || undefined;
}

/** `os.userInfo()` throws where the user has no passwd entry (some containers): then USER / USERNAME. */
function currentUserName(env: Env): string | undefined {
  let osUser: string | undefined;
  try {
    osUser = os.userInfo().username;
  } catch {
    osUser = undefined;
  }
  return userNameFrom(env, osUser);
}

export = { userNameFrom, currentUserName };
