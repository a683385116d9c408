/**
 * The `otpauth://` URI an authenticator app reads from a QR code (the Key Uri Format of Google Authenticator,
 * which every TOTP app follows), for a virtual MFA device of AWS.
 */

/** AWS's own QR codes name this issuer, so the new entry looks like one made in the AWS console. */
export const AWS_ISSUER = 'Amazon Web Services';

/** `otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=…&issuer=Amazon%20Web%20Services` */
export function otpauthUri(base32Secret: string, account: string, issuer: string = AWS_ISSUER): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${base32Secret.replace(/=+$/, '')}&issuer=${encodeURIComponent(issuer)}`;
}

/** The secret in groups of four, as a person types it: `ABCD EFGH …`. */
export function groupedSecret(base32Secret: string): string {
  return base32Secret.replace(/=+$/, '').replace(/(.{4})(?=.)/g, '$1 ');
}
