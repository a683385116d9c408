/** The ESM face of src/core/text.cts: text for people, made safe (see there). */
import text from './text.cjs';

export const { oneLine, visible, terminalSafeJson, debugEnabled } = text;
