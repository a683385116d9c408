/**
 * Every failure a user can see is an XacctError: one line, an exit code of SPEC, and an optional hint.
 * exit 1: the work failed (AWS refused, keychain locked, no terminal); exit 2: usage or configuration error.
 */
export class XacctError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'XacctError';
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/** Bad command line: exit 2. */
export class UsageError extends XacctError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
    this.name = 'UsageError';
  }
}

/** Bad profile map or AWS config: exit 2, naming the file and, when known, the line. */
export class ConfigError extends XacctError {
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; line?: number; hint?: string } = {}) {
    const place = where.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : '';
    super(`${place}${message}`, { exitCode: 2, hint: where.hint });
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
  }
}

/**
 * A file or folder xacct will not use because someone else could control it (another user's folder, a planted
 * link or FIFO): exit 1. Unlike a full disk, never just a warning.
 */
export class RefusedPathError extends XacctError {
  constructor(message: string, hint: string) {
    super(message, { exitCode: 1, hint });
    this.name = 'RefusedPathError';
  }
}

/** AWS (STS) refused or failed: exit 1. `code` is the AWS error name (AccessDenied, ExpiredToken…). */
export class AwsError extends XacctError {
  readonly code: string;

  constructor(code: string, message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: 1, hint, cause });
    this.name = 'AwsError';
    this.code = code;
  }
}

/** AWS refused the MFA code itself (not the device, not the keys): asking for another code makes sense. */
export class MfaCodeRefused extends AwsError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('InvalidMfaCode', message, hint, cause);
    this.name = 'MfaCodeRefused';
  }
}

/**
 * STS refused the temporary credentials that signed a request (revoked, or expired before their time): a session
 * cached from them is stale, and one taken afresh may work (smithy's memoize `forceRefresh`).
 */
export class StaleSession extends AwsError {
  constructor(code: string, message: string, hint?: string, cause?: unknown) {
    super(code, message, hint, cause);
    this.name = 'StaleSession';
  }
}
