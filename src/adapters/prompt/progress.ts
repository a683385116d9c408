/**
 * A one-line status ("⠋ Getting an MFA session…") on stderr while something slow runs: only on a terminal,
 * never with NO_COLOR or TERM=dumb, and erased when done so that nothing of it stays on screen.
 */
import type { Env } from '../../core/paths.js';

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Where to draw; stderr by default. */
  readonly stream?: ProgressStream;
  /** For NO_COLOR and TERM. */
  readonly env?: Env;
  /** Nothing is drawn for work that ends sooner than this. */
  readonly delayMs?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;
const CLEAR_LINE = '\r\x1b[2K';

interface Status {
  draw(): void;
  erase(): void;
}
const shown = new Set<Status>();
let suspended = 0;

export async function withProgress<T>(label: string, fn: () => Promise<T>, options: ProgressOptions = {}): Promise<T> {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? {};
  // no-color.org: NO_COLOR counts when set and not empty.
  if (!stream.isTTY || env.NO_COLOR || env.TERM === 'dumb') return fn();

  let frame = 0;
  let visible = false;
  const status: Status = {
    draw() {
      if (suspended > 0) return;
      stream.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${label}`);
      visible = true;
    },
    erase() {
      if (visible) stream.write(CLEAR_LINE);
      visible = false;
    },
  };
  let ticker: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    shown.add(status);
    status.draw();
    ticker = setInterval(() => status.draw(), FRAME_MS);
    ticker.unref();
  }, options.delayMs ?? 150);
  start.unref();

  try {
    return await fn();
  } finally {
    clearTimeout(start);
    if (ticker) clearInterval(ticker);
    shown.delete(status);
    status.erase();
  }
}

/**
 * Erases every status line and draws none until the returned function is called: for a prompt written to the
 * same terminal.
 */
export function suspendProgress(): () => void {
  suspended++;
  for (const s of shown) s.erase();
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    suspended--;
  };
}
