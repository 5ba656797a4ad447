// XML 1.0 escaping for the JUnit report. Test names, messages and captured output are arbitrary strings; one
// character XML forbids makes the whole file unreadable to every CI parser, so each value goes through here.

// Characters XML 1.0 forbids even as `&#n;` references (C0 controls but tab, LF and CR; lone surrogates;
// U+FFFE/U+FFFF), plus DEL and the C1 controls, which XML allows but discourages and which print as nothing.
const UNREPRESENTABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visibleEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Replaces each character XML cannot carry with a visible `\u0007`-style escape, so the reader still sees it was there. */
export function replaceUnrepresentable(value: string): string {
  return value.replace(UNREPRESENTABLE, visibleEscape);
}

const TEXT_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Escapes element text; `>` is always escaped, so `]]>` cannot appear, and CR survives a parser's line-end normalisation. */
export function escapeXmlText(value: string): string {
  return replaceUnrepresentable(value).replace(/[&<>\r]/g, (char) => TEXT_ENTITIES[char] ?? char);
}

const ATTRIBUTE_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/** Escapes a double-quoted attribute value; tab, LF and CR become references because parsers turn raw ones into spaces. */
export function escapeXmlAttribute(value: string): string {
  return replaceUnrepresentable(value).replace(/[&<>"\t\n\r]/g, (char) => ATTRIBUTE_ENTITIES[char] ?? char);
}

/** `<name a="1" b="2"` with escaped values; attributes whose value is null or undefined are left out. */
export function openTag(name: string, attributes: Readonly<Record<string, string | number | null | undefined>>): string {
  let tag = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    tag += ` ${key}="${escapeXmlAttribute(String(value))}"`;
  }
  return tag;
}
