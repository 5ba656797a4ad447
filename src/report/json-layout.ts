// How results.json is laid out: indented like `JSON.stringify(value, null, 2)`, except the values marked OneLine, which
// are written compact on one line. A run of 20,000 tests then reads as 20,000 lines of tests under a readable top level,
// not 800,000 lines of keys, and a diff between two nights still shows which test changed.

/** A value written compact, on the line of its key or array slot. */
export class OneLine {
  constructor(readonly value: unknown) {}
}

function write(value: unknown, indent: string, out: string[]): void {
  if (value instanceof OneLine) {
    out.push(JSON.stringify(value.value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    const inner = `${indent}  `;
    out.push('[');
    value.forEach((item: unknown, index) => {
      out.push(index === 0 ? '\n' : ',\n', inner);
      // As JSON.stringify does: an array slot with no JSON value holds null.
      write(item === undefined || typeof item === 'function' ? null : item, inner, out);
    });
    out.push('\n', indent, ']');
    return;
  }
  if (value !== null && typeof value === 'object') {
    const inner = `${indent}  `;
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      // As JSON.stringify does: a key whose value is undefined is left out.
      if (item === undefined || typeof item === 'function') continue;
      out.push(first ? '{\n' : ',\n', inner, JSON.stringify(key), ': ');
      write(item, inner, out);
      first = false;
    }
    out.push(first ? '{}' : `\n${indent}}`);
    return;
  }
  out.push(JSON.stringify(value) ?? 'null');
}

/** `value` as two-space indented JSON with its OneLine values compact; the same data JSON.stringify writes. */
export function layoutJson(value: unknown): string {
  const out: string[] = [];
  write(value, '', out);
  return out.join('');
}
