/** Plain-text tables for the terminal and Markdown tables for RESULTS.md, from the same rows. */

export type Align = 'left' | 'right';

export interface Column<R> {
  header: string;
  align?: Align;
  value: (row: R) => string;
}

export function formatTable<R>(columns: Column<R>[], rows: R[], style: 'text' | 'markdown' = 'text'): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, i: number) => (columns[i]!.align === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  if (style === 'markdown') {
    const line = (vals: string[]) => `| ${vals.map(pad).join(' | ')} |`;
    const rule = `|${columns.map((c, i) => (c.align === 'right' ? '-'.repeat(widths[i]! + 1) + ':' : '-'.repeat(widths[i]! + 2))).join('|')}|`;
    return [line(columns.map((c) => c.header)), rule, ...cells.map(line)].join('\n');
  }
  const line = (vals: string[]) => vals.map(pad).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Milliseconds with 3 significant digits (0.412, 41.2, 412, 4120). */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** A ratio as "12.3×". */
export function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function fmtSci(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}
