/**
 * Where a process's MFA codes come from: the code given with --mfa-token serves the first ask only (AWS accepts a
 * code once), later asks (a renewal under exec --server, a second source) go to mfa_process or the terminal — and
 * without either, fail at once with the reason rather than reuse the code.
 */
import { XacctError } from '../core/errors.js';
import type { MfaCodeSource } from '../core/ports.js';

export interface MfaCodesDeps {
  /** The adapter: with `token`, it answers with that code. */
  readonly open: (token?: string) => Promise<MfaCodeSource>;
  readonly terminalPresent: () => Promise<boolean>;
}

export function mfaCodesOnce(token: string | undefined, deps: MfaCodesDeps): MfaCodeSource {
  let tokenUsed = false;
  let withToken: Promise<MfaCodeSource> | undefined;
  let afterToken: Promise<MfaCodeSource> | undefined;
  let loaded: MfaCodeSource | undefined;
  return {
    getCode: async (req) => {
      const useToken = token !== undefined && !tokenUsed;
      if (token !== undefined && !useToken && !req.mfaProcess && !(await deps.terminalPresent())) {
        throw new XacctError(
          `a new session needs another MFA code for ${req.serial}: the code given with --mfa-token was used already, and there is no terminal to ask for one`,
          { hint: `${req.automateHint ?? `set mfa_process for source '${req.label}'`} so that xacct can get codes itself, or run the command from a terminal` },
        );
      }
      tokenUsed = true;
      const source = useToken ? await (withToken ??= deps.open(token)) : await (afterToken ??= deps.open());
      loaded = source;
      return source.getCode(req);
    },
    // Only asked after a code was refused, so the source is loaded by then.
    canRetry: () => loaded?.canRetry() ?? false,
  };
}
