/** `exclude` globs of `[organization]`: `*` any run of characters, `?` one character, everything else itself. */
export function globMatcher(globs: readonly string[]): (value: string) => boolean {
  if (globs.length === 0) return () => false;
  const source = globs.map((g) => g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|');
  const re = new RegExp(`^(?:${source})$`, 'i');
  return (value) => re.test(value);
}
