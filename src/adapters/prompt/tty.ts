/**
 * The controlling terminal, opened as /dev/tty so that it works when stdin, stdout and stderr are all pipes
 * (as when the AWS CLI or an SDK runs `credential_process`).
 */
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReadStream, WriteStream } from 'node:tty';

export interface Terminal {
  write(text: string): void;
  /** One line without its line ending; null at end of input (Ctrl-D). */
  readLine(): Promise<string | null>;
  /** Releases the terminal, so that nothing keeps the process alive. */
  close(): void;
}

// What open("/dev/tty") fails with when the process has no controlling terminal (or the OS has no /dev/tty).
const NO_TERMINAL = new Set(['ENXIO', 'ENOENT', 'ENODEV', 'ENOTTY', 'EIO', 'EACCES', 'EPERM']);

const TTY_PATH = '/dev/tty';

/** A file descriptor on the terminal for reading and writing, or null when there is none. */
export function openTerminalFd(): number | null {
  try {
    return openSync(TTY_PATH, 'r+');
  } catch (err) {
    if (NO_TERMINAL.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

export function openTerminal(): Terminal | null {
  const inFd = openTerminalFd();
  if (inFd === null) return null;
  let outFd: number | null;
  try {
    outFd = openTerminalFd();
  } catch (err) {
    closeSync(inFd);
    throw err;
  }
  if (outFd === null) {
    closeSync(inFd);
    return null;
  }
  // Separate descriptors: each stream closes its own when destroyed.
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  let closed = false;

  return {
    write(text) {
      output.write(text);
    },
    readLine() {
      return new Promise((resolve) => {
        const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
        let answered = false;
        rl.once('line', (line) => {
          answered = true;
          rl.close();
          input.pause();
          resolve(line);
        });
        rl.once('close', () => {
          if (!answered) resolve(null);
        });
      });
    },
    close() {
      if (closed) return;
      closed = true;
      input.destroy();
      output.destroy();
    },
  };
}
