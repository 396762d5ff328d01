/**
 * The line-width check CI runs on src/: Biome wraps code at 120 columns but cannot break a long string,
 * template or comment, so a line can still come out wider. A column is a Unicode code point ([...line].length):
 * 'é', '→' and '≤' count one each, as an editor shows them, where UTF-16 length would count an emoji as two.
 */

/** A line wider than the limit: its file, its 1-based number and its width in code points. */
export interface WideLine {
  readonly file: string;
  readonly line: number;
  readonly columns: number;
}

/** Lines wider than `maxColumns`, by file path and then line number. A line's end ('\n' or '\r\n') is not counted. */
export function wideLines(sources: ReadonlyMap<string, string>, maxColumns: number): WideLine[] {
  const wide: WideLine[] = [];
  for (const [file, text] of sources) {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      // The length in UTF-16 units is never less than in code points: most lines skip the spread.
      if (lines[i].length <= maxColumns) continue;
      const columns = [...lines[i]].length;
      if (columns > maxColumns) wide.push({ file, line: i + 1, columns });
    }
  }
  return wide.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}
