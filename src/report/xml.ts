// XML 1.0 escaping for the JUnit report. Test names, messages and captured output are arbitrary strings; one
// character XML forbids makes the whole file unreadable to every CI parser, so each value goes through here.

// Characters XML 1.0 forbids even as `&#n;` references (C0 controls but tab, LF and CR; lone surrogates;
// U+FFFE/U+FFFF), plus DEL and the C1 controls, which XML allows but discourages and which print as nothing.
const UNREPRESENTABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Each character XML cannot carry becomes a visible `\u0007`-style escape, so the reader still sees it was there.
function visibleEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

// One pass per value, and none for a value with nothing to escape (most test names, every number): a run of 20,000
// tests writes a quarter of a million attributes. NEEDS_* finds any character a pass would touch (every surrogate, for
// the lone-surrogate check); *_PASS escapes entities and unrepresentable characters together.
const NEEDS_TEXT = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
const NEEDS_ATTRIBUTE = /[&<>"\t\n\r\u0000-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_PASS = new RegExp(`[&<>\\r]|${UNREPRESENTABLE.source}`, 'g');
const ATTRIBUTE_PASS = new RegExp(`[&<>"\\t\\n\\r]|${UNREPRESENTABLE.source}`, 'g');

const TEXT_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Escapes element text; `>` is always escaped, so `]]>` cannot appear, and CR survives a parser's line-end normalisation. */
export function escapeXmlText(value: string): string {
  if (!NEEDS_TEXT.test(value)) return value;
  return value.replace(TEXT_PASS, (char) => TEXT_ENTITIES[char] ?? visibleEscape(char));
}

const ATTRIBUTE_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/** Escapes a double-quoted attribute value; tab, LF and CR become references because parsers turn raw ones into spaces. */
export function escapeXmlAttribute(value: string): string {
  if (!NEEDS_ATTRIBUTE.test(value)) return value;
  return value.replace(ATTRIBUTE_PASS, (char) => ATTRIBUTE_ENTITIES[char] ?? visibleEscape(char));
}

/** `<name a="1" b="2"` with escaped values; attributes whose value is null or undefined are left out. */
export function openTag(name: string, attributes: Readonly<Record<string, string | number | null | undefined>>): string {
  let tag = `<${name}`;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === null || value === undefined) continue;
    tag += ` ${key}="${typeof value === 'number' ? value : escapeXmlAttribute(value)}"`;
  }
  return tag;
}
