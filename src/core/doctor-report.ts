/** `xacct doctor`'s findings and how they are printed: one line each, marked ok / warning / error, with the fix. */
import { oneLine, terminalSafeJson } from './one-line.js';

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

const COLOURS: Record<FindingStatus, string> = { ok: '\x1b[32m', warning: '\x1b[33m', error: '\x1b[31m' };

/** `error    keychain: the keychain is locked (fix: …)`, the status coloured when asked. */
export function formatFindings(findings: readonly Finding[], options: { colour?: boolean } = {}): string {
  return findings
    .map((f) => {
      const mark = f.status.padEnd(8);
      const status = options.colour ? `${COLOURS[f.status]}${f.status}\x1b[0m${mark.slice(f.status.length)}` : mark;
      return `${status} ${oneLine(f.topic)}: ${oneLine(f.message)}${f.fix ? ` (fix: ${oneLine(f.fix)})` : ''}\n`;
    })
    .join('');
}

/** `xacct doctor --json`. */
export function findingsJson(findings: readonly Finding[]): string {
  const count = (s: FindingStatus) => findings.filter((f) => f.status === s).length;
  return `${terminalSafeJson({ errors: count('error'), warnings: count('warning'), findings }, 2)}\n`;
}
