/** The logger of the core's decisions: with XACCT_DEBUG=1, `xacct: debug: …` on stderr through the one safe output path. */
import { quietLogger, type Logger } from '../core/logger.js';
import type { Env } from '../core/paths.js';
import { debugEnabled, say } from './say.js';

export function debugLogger(env: Env): Logger {
  return debugEnabled(env) ? { debug: (message) => say(`debug: ${message}`) } : quietLogger;
}
