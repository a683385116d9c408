import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry, AuditLog } from '../core/ports.js';
import { ensurePrivateDir } from './atomic-file.js';

/**
 * Appends one JSON line per new role session. Only the fields of AuditEntry are written, whatever else the
 * object carries, so a caller cannot leak a secret into the log by passing a richer object.
 * One write() per line on an O_APPEND descriptor: lines of concurrent processes never interleave.
 */
export function createAuditLog(path: string): AuditLog {
  let dirReady: Promise<void> | undefined;
  return {
    async record(entry: AuditEntry): Promise<void> {
      dirReady ??= ensurePrivateDir(dirname(path));
      await dirReady;
      const line = `${JSON.stringify(auditLine(entry))}\n`;
      const handle = await open(path, 'a', 0o600);
      try {
        if (process.platform !== 'win32') {
          const st = await handle.stat();
          if ((st.mode & 0o077) !== 0) await handle.chmod(0o600);
        }
        await handle.write(line);
      } finally {
        await handle.close();
      }
    },
  };
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
