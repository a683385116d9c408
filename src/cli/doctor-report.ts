/** How `xacct doctor` prints its findings: one safe line each, marked ok / warning / error, with the fix; or JSON. */
import type { Finding, FindingStatus } from '../core/doctor-report.js';
import { oneLine, terminalSafeJson } from '../core/one-line.js';

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
