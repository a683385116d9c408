/**
 * One line, and nothing a terminal would act on: messages quote values from files and from the network (an STS
 * error's text), and an escape sequence in one could rewrite the screen. Control characters are shown as \xNN.
 */
export function oneLine(s: string): string {
  return s
    .replace(/\s*[\r\n]\s*/g, ' ')
    .replace(/\t/g, ' ')
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .trim();
}
