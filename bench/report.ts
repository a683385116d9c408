/** The bench's tables, printed as Markdown (bench/run.ts). */
export const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
export const x = (v: number, base: number) => `${(v / base).toFixed(2)}×`;

export interface Row {
  readonly figure: string;
  readonly value: number;
  readonly ratio?: string;
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
  /** CPU time (user + system) of a run, where hyperfine measured it. */
  readonly cpu?: number;
}

export function printTable(rows: readonly Row[]): void {
  console.log('| figure | median | ratio | target | met | runs |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const met = r.met === undefined ? '' : verdict(r.met);
    console.log(`| ${r.figure} | ${ms(r.value)} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${met} | ${r.note ?? ''} |`);
  }
}

/** CPU time of each figure hyperfine measured, for every checkout, side by side. */
export function printCpu(labels: readonly string[], rows: readonly (readonly Row[])[]): void {
  console.log(`| figure (CPU, user + system) | ${labels.join(' | ')} |`);
  console.log(`| --- | ${labels.map(() => '---').join(' | ')} |`);
  rows[0]!.forEach((r, i) => {
    if (r.cpu === undefined) return;
    console.log(`| ${r.figure} | ${rows.map((tr) => (tr[i]?.cpu === undefined ? '' : ms(tr[i]!.cpu!))).join(' | ')} |`);
  });
}
