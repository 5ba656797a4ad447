// Caps text that came from a test (failure messages, stacks, skip reasons, names, captured output) so a hostile or
// chatty test cannot make a report unusable: a 50 MB assertion message would otherwise become a 100 MB junit.xml
// that libxml2 refuses (text over 10,000,000 bytes) and 50 MB on the console. Used by the child's reporter, by the
// harness where it reads what a child wrote, and by every report writer, so each cut says the same thing.

/** The most of a failure message (or skip reason) a file report keeps, in UTF-8 bytes, marker included. */
export const MESSAGE_LIMIT_BYTES = 64 * 1024;

/** The most of a failure's stack a file report keeps, in UTF-8 bytes, marker included. */
export const STACK_LIMIT_BYTES = 64 * 1024;

/** The most characters (UTF-16 code units) kept of a metric name or unit, a failure type, or a name on the console. */
export const NAME_LIMIT_CHARS = 200;

/** Text after a cut: what was kept, and how much was left out. */
export interface CutText {
  readonly text: string;
  /** UTF-8 length of the text before this cut. */
  readonly bytes: number;
  /** UTF-8 bytes of the text this cut left out (an earlier cut's marker among them); 0 when nothing was cut. */
  readonly cutBytes: number;
  /** Bytes of the original text not shown, as the marker says: this cut's, plus those of earlier cuts it took out. */
  readonly droppedBytes: number;
}

/** `52428712` -> `52,428,712`. */
function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The marker put where bytes were dropped: `[… 52,428,712 bytes dropped …]`. */
export function droppedNote(bytes: number): string {
  return `[… ${groupDigits(bytes)} ${bytes === 1 ? 'byte' : 'bytes'} dropped …]`;
}

/** The most a marker takes with its line breaks, in UTF-8 bytes: cutText keeps this much room for it. */
export const DROPPED_NOTE_MAX_BYTES = Buffer.byteLength(`\n${droppedNote(Number.MAX_SAFE_INTEGER)}\n`);

// A marker with its line breaks, as cutText writes it: found again when already cut text is cut shorter.
const DROPPED_MARKER = /\n\[… ([\d,]+) bytes? dropped …\]\n/g;

// Bytes that earlier cuts dropped, said by markers lying wholly in text[from, to), and the bytes the markers take.
function earlierCuts(text: string, from: number, to: number): { dropped: number; markerBytes: number } {
  let dropped = 0;
  let markerBytes = 0;
  const marker = new RegExp(DROPPED_MARKER.source, 'g');
  marker.lastIndex = from;
  for (let match = marker.exec(text); match !== null && match.index + match[0].length <= to; match = marker.exec(text)) {
    dropped += Number((match[1] ?? '0').replace(/,/g, ''));
    markerBytes += Buffer.byteLength(match[0]);
  }
  return { dropped, markerBytes };
}

// Continuation bytes look like 10xxxxxx: moving a cut off them keeps every character whole.
function charBoundary(buffer: Buffer, at: number, step: 1 | -1): number {
  let index = at;
  while (index > 0 && index < buffer.length && ((buffer[index] ?? 0) & 0xc0) === 0x80) index += step;
  return index;
}

// A UTF-8 character has at most three continuation bytes; more in a row is not text, and nothing is cut for it.
const MAX_CONTINUATION = 3;

/** Where the whole characters at the start of a UTF-8 `buffer` end: a character cut off at its end is left out. */
export function wholeCharsEnd(buffer: Buffer): number {
  let lead = buffer.length - 1;
  while (lead >= 0 && buffer.length - lead <= MAX_CONTINUATION && ((buffer[lead] ?? 0) & 0xc0) === 0x80) lead -= 1;
  const byte = buffer[lead] ?? 0;
  if (lead < 0 || (byte & 0xc0) === 0x80) return buffer.length;
  const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
  return lead + length <= buffer.length ? buffer.length : lead;
}

/** Where the first whole character of a UTF-8 `buffer` starts: the end of a character cut off at its start is skipped. */
export function wholeCharsStart(buffer: Buffer): number {
  let start = 0;
  while (start < Math.min(MAX_CONTINUATION, buffer.length) && ((buffer[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return start;
}

/**
 * `text` whole when its UTF-8 form is at most `limitBytes`; else its first and last bytes (moved inward to character
 * boundaries) around a line that says how many bytes were dropped, all of it within `limitBytes`, so that cutting
 * it again to the same limit changes nothing. The end is kept because the end of a stack or of a long message is
 * often where the reason is. Cut to a smaller limit, already cut text says what the original lost: the earlier
 * marker's count is added to this cut's. A limit under DROPPED_NOTE_MAX_BYTES leaves the marker alone.
 */
export function cutText(text: string, limitBytes: number): CutText {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limitBytes) return { text, bytes, cutBytes: 0, droppedBytes: 0 };
  const half = Math.floor(Math.max(0, limitBytes - DROPPED_NOTE_MAX_BYTES) / 2);
  // Each UTF-16 unit is at least one byte, so `half` units hold at least `half` bytes: the whole text is never copied.
  const headBuffer = Buffer.from(text.slice(0, half), 'utf8');
  const tailBuffer = half === 0 ? Buffer.alloc(0) : Buffer.from(text.slice(-half), 'utf8');
  const head = headBuffer.subarray(0, charBoundary(headBuffer, half, -1)).toString('utf8');
  const tail = tailBuffer.subarray(charBoundary(tailBuffer, tailBuffer.length - half, 1)).toString('utf8');
  const cutBytes = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail);
  const earlier = earlierCuts(text, head.length, text.length - tail.length);
  const droppedBytes = cutBytes - earlier.markerBytes + earlier.dropped;
  return { text: `${head}\n${droppedNote(droppedBytes)}\n${tail}`, bytes, cutBytes, droppedBytes };
}

/** cutText's text alone: `text` whole, or its head and tail around `[… N bytes dropped …]`. */
export function capText(text: string, limitBytes: number): string {
  return cutText(text, limitBytes).text;
}

/**
 * A name cut to at most `maxChars` UTF-16 code units, its start and its end joined by `…` (the end of a test name
 * often says which iteration or budget it is); a surrogate pair is never split.
 */
export function capName(name: string, maxChars = NAME_LIMIT_CHARS): string {
  if (name.length <= maxChars) return name;
  let tailChars = Math.floor(maxChars / 4);
  let headChars = Math.max(0, maxChars - tailChars - 1);
  if (/[\uD800-\uDBFF]/.test(name.charAt(headChars - 1))) headChars -= 1;
  if (/[\uDC00-\uDFFF]/.test(name.charAt(name.length - tailChars))) tailChars -= 1;
  return `${name.slice(0, headChars)}…${tailChars > 0 ? name.slice(-tailChars) : ''}`;
}

/** What a test failure carries, wherever it is held (a child's record, a TestResult). */
export interface FailureText {
  readonly type: string;
  readonly message: string;
  readonly stack: string | null;
}

/** A failure with its message and stack capped (MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES) and its type cut as a name. */
export function capFailure<T extends FailureText>(failure: T): T {
  const type = capName(failure.type);
  const message = capText(failure.message, MESSAGE_LIMIT_BYTES);
  const stack = failure.stack === null ? null : capText(failure.stack, STACK_LIMIT_BYTES);
  if (type === failure.type && message === failure.message && stack === failure.stack) return failure;
  return { ...failure, type, message, stack };
}
