/**
 * The file backend's passphrase agent (README "The passphrase agent"): only with the file backend and without
 * XACCT_FILE_PASSPHRASE, where it decides whether a burst of callers is asked once or each in turn.
 */
import { formatDuration } from '../../../core/duration.js';
import { ok, warning, type Finding } from '../../../core/doctor-report.js';
import { XacctError } from '../../../core/errors.js';
import { filePassphrase } from '../../../core/session-env.js';
import type { DoctorCheck } from '../context.js';
import { profileMapOf } from './profile-map.js';

export const passphraseAgentCheck: DoctorCheck = {
  name: 'passphrase agent',
  run: async (ctx): Promise<Finding[]> => {
    const { env, deps: d } = ctx;
    const map = await profileMapOf(ctx);
    try {
      if (d.chooseBackend(env, map?.backend) !== 'file' || filePassphrase(env)) return [];
    } catch (err) {
      if (err instanceof XacctError) return []; // the keychain line reports it
      throw err;
    }
    if (map?.filePassphraseCache === 0 || env.XACCT_FILE_PASSPHRASE_CACHE === '0') {
      return [ok('passphrase agent', 'off (file_passphrase_cache = 0): every xacct process that needs the file asks for the passphrase, one at a time')];
    }
    const agent = await d.passphraseAgent(env);
    if (agent.problem) {
      return [warning('passphrase agent', `not used: ${agent.problem}; each process asks for the passphrase in turn`, 'remove that folder, or set XDG_RUNTIME_DIR to a folder of your own')];
    }
    if (!agent.running) return [ok('passphrase agent', 'not running: the next passphrase typed starts it')];
    const held = agent.keys.length ? `the file unlocked for ${formatDuration(Math.max(...agent.keys))} more` : 'no unlocked file';
    return [ok('passphrase agent', `running (pid ${agent.pid}, ${agent.socket}): ${held}; xacct agent stop locks it`)];
  },
};
