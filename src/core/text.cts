/**
 * Text for people, made safe, in one place: messages quote values from files and from the network (an STS error's
 * text, a profile name in ~/.aws/config), and an escape sequence in one could rewrite the screen or the title, or
 * hide what comes after it. Every line xacct writes for people goes through here (src/app/say.ts, doctor's report,
 * debug traces, the fast path's debug lines); data on stdout is checked where it is parsed instead.
 *
 * CommonJS and without imports: the credential-process fast path uses it too.
 */

/** C0 and C1 control characters and DEL; \n and \t are kept by `visible`, turned to spaces by `oneLine`. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function shown(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Every control character but line feed and tab shown as \xNN (a stack trace keeps its lines). */
function visible(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(CONTROL, shown);
}

/** One line, and nothing a terminal would act on: line breaks and tabs become spaces, controls \xNN. */
function oneLine(s: string): string {
  return visible(s)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\t/g, ' ')
    .trim();
}

/** JSON for a terminal: JSON.stringify escapes C0 controls but not DEL and C1 (U+0080..U+009F); this does both. */
function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** XACCT_DEBUG=1 (or true): every decision explained on stderr, and stack traces. */
function debugEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.XACCT_DEBUG === '1' || env.XACCT_DEBUG === 'true';
}

export = { oneLine, visible, terminalSafeJson, debugEnabled };
