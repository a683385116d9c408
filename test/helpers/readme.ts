/**
 * A section of README.md as its tests run it: its code blocks by language, and its console blocks as commands
 * with the lines shown after each; and README lines as patterns where what differs on this machine is a hole.
 */
export interface ReadmeStep {
  readonly command: string;
  /** The lines the README shows after the command, up to the next command. */
  readonly output: string[];
}

export interface ReadmeSection {
  readonly text: string;
  /** The bodies of its code blocks of that language, in order. */
  blocks(lang: string): string[];
  readonly steps: ReadmeStep[];
}

export function readmeSection(readme: string, heading: string): ReadmeSection {
  const text = new RegExp(`\\n## ${heading}\\n([\\s\\S]*?)\\n## `).exec(readme)?.[1];
  if (!text) throw new Error(`README.md has no "## ${heading}" section`);
  const all = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang: lang!, body: body! }));
  const steps: ReadmeStep[] = [];
  for (const block of all.filter((b) => b.lang === 'console')) {
    for (const line of block.body.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
      else steps.at(-1)?.output.push(line);
    }
  }
  return { text, steps, blocks: (lang) => all.filter((b) => b.lang === lang).map((b) => b.body) };
}

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `line` as a pattern (a whole line unless `wholeLine` is false), each match of a `holes` pattern replaced by its source. */
export function readmeLinePattern(line: string, holes: readonly (readonly [RegExp, string])[], wholeLine = true): RegExp {
  const sources: string[] = [];
  let marked = line;
  for (const [pattern, source] of holes) marked = marked.replace(pattern, () => `\uE000${sources.push(source) - 1}\uE000`);
  const source = escapeRegExp(marked).replace(/\uE000(\d+)\uE000/g, (_, i: string) => sources[Number(i)]!);
  return new RegExp(`${wholeLine ? '^' : ''}${source}$`, 'm');
}
