/** `xacct doctor`'s findings: what each check reports (printed by src/cli/doctor-report.ts), and the exit code. */

export type FindingStatus = 'ok' | 'warning' | 'error';

export interface Finding {
  readonly status: FindingStatus;
  /** What was looked at: "profile map", "keychain", "source identity", "clock"… */
  readonly topic: string;
  readonly message: string;
  /** What to do, for warnings and errors. */
  readonly fix?: string;
}

export const ok = (topic: string, message: string): Finding => ({ status: 'ok', topic, message });
export const warning = (topic: string, message: string, fix?: string): Finding => ({ status: 'warning', topic, message, ...(fix ? { fix } : {}) });
export const error = (topic: string, message: string, fix?: string): Finding => ({ status: 'error', topic, message, ...(fix ? { fix } : {}) });

/** 1 when any finding is an error (the setup does not work), else 0. */
export function doctorExitCode(findings: readonly Finding[]): number {
  return findings.some((f) => f.status === 'error') ? 1 : 0;
}
