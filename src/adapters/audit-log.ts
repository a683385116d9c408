import { closeSync, fchmodSync, fstatSync, lstatSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import trust from './file-trust.cjs';
import type { AuditEntry, AuditLog } from '../core/ports.js';
import { ensurePrivateDir } from './atomic-file.js';
import { fsFailure, whoAmI } from './trust.js';

/**
 * Appends one JSON line per new role session. Only the fields of AuditEntry are written, whatever else the
 * object carries, so a caller cannot leak a secret into the log by passing a richer object.
 * One write() per line on an O_APPEND descriptor: lines of concurrent processes never interleave.
 * The log is opened without following a link and without blocking, and written only when it is a regular file of
 * the user with no other name: a link planted to ~/.bashrc, a hard link, or a FIFO is refused, left as it is.
 */
export function createAuditLog(path: string): AuditLog {
  let dirReady: Promise<void> | undefined;
  return {
    async record(entry: AuditEntry): Promise<void> {
      if (!dirReady) {
        dirReady = ensurePrivateDir(dirname(path), 'the state folder');
        dirReady.catch(() => (dirReady = undefined));
      }
      await dirReady;
      const line = Buffer.from(`${JSON.stringify(auditLine(entry))}\n`);
      let opened: { fd: number; stat: { mode: number; size: number } };
      try {
        opened = trust.openForAppend(path, { who: whoAmI(), what: 'the audit log' });
      } catch (err) {
        throw fsFailure(err, 'append to the audit log', path);
      }
      try {
        if (process.platform !== 'win32' && (opened.stat.mode & 0o077) !== 0) fchmodSync(opened.fd, 0o600);
        if (writeSync(opened.fd, line) !== line.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      } catch (err) {
        // A log this call created and could not write a byte to (a full disk) is not left behind empty.
        if (opened.stat.size === 0 && fstatSync(opened.fd).size === 0) rmEmpty(path);
        throw fsFailure(err, 'append to the audit log', path);
      } finally {
        closeSync(opened.fd);
      }
    },
  };
}

function rmEmpty(path: string): void {
  try {
    if (lstatSync(path).size === 0) unlinkSync(path);
  } catch {
    /* best effort */
  }
}

function auditLine(e: AuditEntry): AuditEntry {
  return {
    time: e.time,
    profile: e.profile,
    roleArn: e.roleArn,
    sessionName: e.sessionName,
    ...(e.sourceIdentity ? { sourceIdentity: e.sourceIdentity } : {}),
    expiration: e.expiration,
  };
}
