/**
 * The logger port: every decision of the credential path explained under XACCT_DEBUG=1 (aws-vault's debug log).
 * Messages name profiles, sources, key ids and why; never a secret.
 */
export interface Logger {
  debug(message: string): void;
}

/** The logger when XACCT_DEBUG is off. */
export const quietLogger: Logger = { debug: () => {} };

/** An access key id as debug lines show it, like aws-vault: its kind and last four characters (`ASIA…WXYZ`). */
export function keyIdForLog(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}
