// Keeps a test's stdout or stderr for the reports without letting a chatty test fill the harness's memory:
// the first and the last half of the limit are kept, the middle is counted. It is cut as it streams in, so it cannot
// use cutText (src/cap-text.ts), but it marks the cut the same way.

import { droppedNote, wholeCharsEnd, wholeCharsStart } from '../../units/cap-text.js';

/** A capped text buffer fed chunk by chunk. */
export interface OutputCapture {
  push(chunk: Buffer | string): void;
  text(): string;
}

/** A capture keeping at most `limitBytes` (head and tail halves) of what is pushed. */
export function createOutputCapture(limitBytes = 1024 * 1024): OutputCapture {
  const half = Math.floor(limitBytes / 2);
  let head = Buffer.alloc(0);
  let tail: Buffer[] = [];
  let tailBytes = 0;
  let omitted = 0;
  return {
    push(chunk) {
      let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (head.length < half) {
        const take = Math.min(half - head.length, data.length);
        head = Buffer.concat([head, data.subarray(0, take)]);
        data = data.subarray(take);
      }
      if (data.length === 0) return;
      tail.push(data);
      tailBytes += data.length;
      if (tailBytes > half) {
        const joined = Buffer.concat(tail);
        omitted += joined.length - half;
        tail = [joined.subarray(joined.length - half)];
        tailBytes = half;
      }
    },
    text() {
      const rest = Buffer.concat(tail);
      if (omitted === 0) return Buffer.concat([head, rest]).toString('utf8');
      // The cuts fell wherever the chunks did: a character split by one is dropped whole and counted with the middle.
      const headEnd = wholeCharsEnd(head);
      const tailStart = wholeCharsStart(rest);
      const dropped = omitted + (head.length - headEnd) + tailStart;
      return `${head.subarray(0, headEnd).toString('utf8')}\n${droppedNote(dropped)}\n${rest.subarray(tailStart).toString('utf8')}`;
    },
  };
}
