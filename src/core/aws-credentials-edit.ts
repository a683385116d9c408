/**
 * `xacct add --from-aws-profile … --remove-plaintext`: the AWS credentials file without a profile's long-term keys,
 * every other byte as it was.
 */
import { joinLines, scanIniSections, splitLines } from './ini-lines.js';

/** The two settings that hold an IAM user's access key. */
export const KEY_SETTINGS = ['aws_access_key_id', 'aws_secret_access_key'] as const;

export interface KeysRemoved {
  readonly text: string;
  /** Lines removed (1-based numbers in the old text), for the message. */
  readonly lines: readonly number[];
  /** Whether the section went too, having held nothing else (blank lines aside). */
  readonly sectionRemoved: boolean;
}

/**
 * Removes the lines of `aws_access_key_id` and `aws_secret_access_key` (with any continuation lines) from every
 * `[profile]` section, and a section's header too when nothing but blank lines is left of it (a comment left in it
 * keeps it, so that the comment does not end up under another profile). Undefined when there is nothing to remove.
 * Throws ConfigError (file:line) when the text is not a credentials file.
 */
export function removeProfileKeys(text: string, profile: string, file?: string): KeysRemoved | undefined {
  const lines = splitLines(text);
  const sections = scanIniSections(lines, { ...(file ? { file } : {}), what: 'the AWS credentials file' }).filter((s) => s.header === profile);
  const drop = new Set<number>();
  let sectionRemoved = false;
  for (const section of sections) {
    const keyLines = new Set<number>();
    for (const setting of section.keys) {
      if (!(KEY_SETTINGS as readonly string[]).includes(setting.key)) continue;
      for (let i = setting.line; i <= setting.lastLine; i++) keyLines.add(i);
    }
    if (keyLines.size === 0) continue;
    keyLines.forEach((i) => drop.add(i));
    const rest = [];
    for (let i = section.line + 1; i <= section.lastLine; i++) if (!keyLines.has(i)) rest.push(i);
    if (rest.every((i) => /^\s*$/.test(lines[i]!.content))) {
      sectionRemoved = true;
      drop.add(section.line);
      rest.forEach((i) => drop.add(i));
    }
  }
  if (drop.size === 0) return undefined;
  // Each kept line keeps its own line ending, so no two lines are glued together.
  const kept = lines.filter((_, i) => !drop.has(i));
  return { text: joinLines(kept), lines: [...drop].map((i) => i + 1).sort((a, b) => a - b), sectionRemoved };
}
