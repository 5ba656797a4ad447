// Reads back text cut by src/cap-text.ts: what was kept before and after the marker, and the figure the marker gives.

import assert from 'node:assert/strict';

/** The kept head, the bytes the marker says were dropped, and the kept tail; fails when there is no marker. */
export function splitAtMarker(text: string): { head: string; dropped: number; tail: string } {
  const match = /\n\[… ([\d,]+) bytes? dropped …\]\n/.exec(text) ?? assert.fail(`no marker in ${JSON.stringify(text.slice(0, 80))}`);
  return { head: text.slice(0, match.index), dropped: Number(match[1]?.replace(/,/g, '')), tail: text.slice(match.index + match[0].length) };
}
