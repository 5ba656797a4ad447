// Makes untrusted text (test names, messages, stderr) safe to put into GitHub-flavoured Markdown: it renders as the
// same characters it was, and cannot open emphasis, links, HTML, code, table cells or new blocks.

// C0 and C1 controls, DEL, and the bidirectional overrides that can make a line read differently than it is.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\r': '\\r', '\n': '\\n' };
const ENTITY: Readonly<Record<string, string>> = { '<': '&lt;', '&': '&amp;' };
const WORD = /[\p{L}\p{N}]/u;

/** Shows control characters as escapes (`\x07`, `\u202e`); `keep` lists those left as they are (newline, tab). */
export function showControls(text: string, keep = ''): string {
  const pattern = keep.includes('\t') ? CONTROL : new RegExp(`${CONTROL.source}|\\t`, 'g');
  return text.replace(pattern, (char) => {
    if (keep.includes(char)) return char;
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`);
  });
}

// GFM autolinks `http://…`, `www.…` and `a@b.c` from raw text, and then keeps any backslash inside the link as a
// character: breaking the trigger keeps the text as it was instead of showing stray backslashes.
function startsAutolink(char: string, before: string, after: string): boolean {
  if (char === '@') return /[\w.+-]$/.test(before) && /^[\w-]/.test(after);
  if (char === ':') return after.startsWith('//') || /(?:mailto|xmpp)$/i.test(before);
  return char === '.' && /(?:^|[^\p{L}\p{N}])www$/iu.test(before);
}

function escapeChar(char: string, before: string, after: string): string {
  const entity = ENTITY[char];
  if (entity) return entity;
  // `snake_case_names` cannot open emphasis, so they stay readable in the raw file too.
  if (char === '_' && WORD.test(before.slice(-1)) && WORD.test(after.charAt(0))) return char;
  if ((char === ':' || char === '.' || char === '@') && !startsAutolink(char, before, after)) return char;
  return `\\${char}`;
}

/** Escapes one line of inline text: newlines become spaces, Markdown and HTML syntax is neutralised. */
export function escapeInline(text: string): string {
  const flat = showControls(text.replace(/\r\n|\r|\n/g, ' '));
  const escaped = flat.replace(/[\\`*_[\]<&|~#:.@]/g, (char, offset: number) => escapeChar(char, flat.slice(Math.max(0, offset - 8), offset), flat.slice(offset + 1, offset + 3)));
  // At the start of a line these open a quote, a list or a rule; elsewhere (`a > b`, `1.5`, `--flag`) they are text.
  return escaped.replace(/^(\s*)(>|[-+](?=\s|$|-)|\d{1,9}(?=[.)](?:\s|$)))/, (_, space: string, marker: string) =>
    `${space}${marker === '>' ? '&gt;' : /\d/.test(marker) ? `${marker}\\` : `\\${marker}`}`);
}

/** Escapes text for a table cell: as escapeInline, but line breaks become `<br>` so a message keeps its shape. */
export function escapeCell(text: string): string {
  return text.split(/\r\n|\r|\n/).map(escapeInline).join('<br>');
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** Inline code that survives backticks (longer delimiters) and pipes inside a table cell (`\|`, which GFM unescapes). */
export function codeSpan(text: string, inTable = false): string {
  const flat = showControls(text.replace(/\r\n|\r|\n/g, ' '));
  const ticks = '`'.repeat(longestRun(flat, '`') + 1);
  // CommonMark strips one space from each end of `  x  `-like spans, and a backtick at an end would join the fence.
  const padded = /^`|`$/.test(flat) || /^ [^]*[^ ][^]* $/.test(flat) ? ` ${flat} ` : flat;
  return `${ticks}${inTable ? padded.replace(/\|/g, '\\|') : padded}${ticks}`;
}

/** A fenced code block whose fence is longer than any backtick run in `text`, so nothing inside can close it. */
export function fencedBlock(text: string, info = 'text'): string {
  const body = showControls(text.replace(/\r\n?/g, '\n'), '\n\t').replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** A GFM table; cells must already be escaped (escapeCell or codeSpan with inTable). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const rule = header.map((_, index) => (align?.[index] === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell) => (cell === '' ? ' ' : cell)).join(' | ')} |`;
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

/** Text for an HTML element such as `<summary>`, where GFM renders no Markdown: entities only, controls shown. */
export function htmlText(text: string): string {
  return showControls(text.replace(/\r\n|\r|\n/g, ' ')).replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char);
}

/**
 * A folded block: `summary` (already htmlText) shows, `body` (Markdown) opens on a click. The blank lines around the
 * body are what make GitHub render it as Markdown rather than as part of the HTML block.
 */
export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** A `## Title` section whose body is folded under `summary`: the heading stays, so links to it still land. */
export function foldedSection(section: string | null, summary: string): string | null {
  if (section === null) return null;
  const [heading = '', ...rest] = section.split('\n');
  const body = rest.join('\n').replace(/^\n+/, '');
  return `${heading}\n\n${details(summary, body)}`;
}
