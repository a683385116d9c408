/**
 * The controlling terminal, opened as /dev/tty so that it works when stdin, stdout and stderr are all pipes
 * (as when the AWS CLI or an SDK runs `credential_process`). Every prompt of xacct opens it here.
 */
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReadStream, WriteStream } from 'node:tty';

/** The terminal as a pair of streams, for a prompt library. */
export interface TerminalStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** Releases the terminal, so that nothing keeps the process alive. */
  close(): void;
}

/** The terminal as lines, for the MFA code prompt. */
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

/** Whether there is a terminal to ask on. */
export function terminalPresent(): boolean {
  if (process.platform === 'win32') return Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const fd = openTerminalFd();
  if (fd === null) return false;
  closeSync(fd);
  return true;
}

/** The terminal's streams, or undefined when there is none. */
export function openTerminalStreams(): TerminalStreams | undefined {
  if (process.platform === 'win32') {
    // No /dev/tty: the console, when stdin and stderr are on it.
    return process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr, close() {} } : undefined;
  }
  const inFd = openTerminalFd();
  if (inFd === null) return undefined;
  let outFd: number | null;
  try {
    outFd = openTerminalFd();
  } catch (err) {
    closeSync(inFd);
    throw err;
  }
  if (outFd === null) {
    closeSync(inFd);
    return undefined;
  }
  // Separate descriptors: each stream closes its own when destroyed.
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  let closed = false;
  return {
    input,
    output,
    close() {
      if (closed) return;
      closed = true;
      input.destroy();
      output.destroy();
    },
  };
}

export function openTerminal(): Terminal | null {
  const streams = openTerminalStreams();
  if (!streams) return null;
  const { input, output } = streams;
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
    close: () => streams.close(),
  };
}
