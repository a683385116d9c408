/** The secret store in force: which backend and why, whether it answers, how many entries of xacct it holds. */
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import { XacctError } from '../../../core/errors.js';
import { filePassphrase } from '../../../core/session-env.js';
import type { SecretStore } from '../../../core/ports.js';
import type { DoctorCheck, DoctorContext } from '../context.js';
import { profileMapOf } from './profile-map.js';

/** The open store, for checks that look into it. */
export interface StoreView {
  readonly store: SecretStore;
  readonly keys: ReadonlySet<string>;
  /** "the OS keychain", "the encrypted file" */
  readonly where: string;
}

export interface StoreFact {
  /** Absent when the store could not be opened and listed without asking. */
  readonly view?: StoreView;
  readonly findings: readonly Finding[];
}

const FILE_HINT = 'set XACCT_BACKEND=file to keep secrets in an encrypted file instead';

export async function storeFact(ctx: DoctorContext): Promise<StoreFact> {
  const { env, deps: d } = ctx;
  const map = await profileMapOf(ctx);
  let backend: 'os' | 'file';
  try {
    backend = d.chooseBackend(env, map?.backend);
  } catch (err) {
    if (!(err instanceof XacctError)) throw err;
    return { findings: [error('keychain', err.message, err.hint)] };
  }
  const why = env.XACCT_BACKEND ? ' (XACCT_BACKEND)' : map?.backend ? ` (backend in ${map.profileMapFile})` : '';

  if (backend === 'os') {
    const service = d.platform === 'linux' ? 'Secret Service over D-Bus' : d.platform === 'darwin' ? 'macOS Keychain' : 'Windows Credential Manager';
    if (d.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
      const message = `backend os${why}: no OS keychain reachable (${service}): DBUS_SESSION_BUS_ADDRESS is not set`;
      return { findings: [error('keychain', message, `run xacct in a desktop session, or ${FILE_HINT}`)] };
    }
    const view = await listStore(ctx, 'os', 'the OS keychain');
    if ('failure' in view) return { findings: [error('keychain', `backend os${why}: ${view.failure.message}`, view.failure.hint ?? FILE_HINT)] };
    return { view, findings: [ok('keychain', `backend os${why}: ${service} answers, unlocked; ${entries(view.keys.size)} of xacct`)] };
  }

  const file = ctx.paths.secretsFile;
  const info = await d.statFile(file);
  if (!info) {
    const view = { store: await d.openStore(env, 'file'), keys: new Set<string>(), where: 'the encrypted file' };
    return { view, findings: [ok('keychain', `backend file${why}: ${file} does not exist yet (xacct add or the first session creates it)`)] };
  }
  const findings: Finding[] = [];
  const mode = info.mode & 0o777;
  if (mode & 0o077) {
    findings.push(warning('keychain', `backend file${why}: ${file} has mode ${mode.toString(8).padStart(4, '0')}: other users may read it`, `chmod 600 ${file}`));
  }
  if (!filePassphrase(env)) {
    findings.push(
      warning(
        'keychain',
        `backend file${why}: ${file} exists; XACCT_FILE_PASSPHRASE is not set, so whether the passphrase opens it is not checked (commands ask for it on the terminal)`,
        'set XACCT_FILE_PASSPHRASE where xacct runs without a terminal',
      ),
    );
    return { findings };
  }
  const view = await listStore(ctx, 'file', 'the encrypted file');
  if ('failure' in view) {
    findings.push(error('keychain', `backend file${why}: ${view.failure.message}`, view.failure.hint ?? 'check XACCT_FILE_PASSPHRASE'));
    return { findings };
  }
  if (!(mode & 0o077)) findings.push(ok('keychain', `backend file${why}: ${file}, mode 0600, opened with XACCT_FILE_PASSPHRASE; ${entries(view.keys.size)}`));
  return { view, findings };
}

async function listStore(ctx: DoctorContext, backend: 'os' | 'file', where: string): Promise<StoreView | { failure: XacctError }> {
  try {
    const store = await ctx.deps.openStore(ctx.env, backend);
    return { store, keys: new Set(await store.list()), where };
  } catch (err) {
    if (err instanceof XacctError) return { failure: err };
    return { failure: new XacctError(err instanceof Error ? err.message : String(err)) };
  }
}

function entries(n: number): string {
  return `${n} entr${n === 1 ? 'y' : 'ies'}`;
}

/** The open store, or undefined when the keychain check found it unusable. */
export async function storeViewOf(ctx: DoctorContext): Promise<StoreView | undefined> {
  return (await ctx.fact(storeFact)).view;
}

export const keychainCheck: DoctorCheck = {
  name: 'keychain',
  run: async (ctx) => (await ctx.fact(storeFact)).findings,
};
