// Checks a parsed YAML document against a JSON Schema (2020-12), node by node, so each problem keeps the position of
// what the user wrote. Only the keywords the config schema uses are known; `assertSupported` refuses any other, so a
// keyword added to the schema cannot be ignored here in silence.

import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { closestName, describeValue, nodeValue } from './config-problems.js';

/** The part of JSON Schema this checker knows. */
export interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly propertyNames?: Schema;
  readonly required?: readonly string[];
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly not?: Schema;
  readonly title?: string;
  readonly description?: string;
  readonly examples?: readonly unknown[];
}

/** A problem found: the node it is about, a node to point at when that one has no position, and the message. */
export interface SchemaProblem {
  readonly node: unknown;
  readonly fallback?: unknown;
  readonly text: string;
}

/** Per `$defs` name, what to add to a message about a value of that definition: the fix a pattern cannot word. */
export type SchemaHints = Readonly<Record<string, (value: unknown) => string | undefined>>;

const KNOWN_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', 'type', 'enum', 'pattern', 'minLength', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems',
  'items', 'properties', 'additionalProperties', 'propertyNames', 'required', 'anyOf', 'oneOf', 'not', 'title', 'description', 'examples',
]);
const SCHEMA_LISTS = ['anyOf', 'oneOf'];
const SCHEMA_VALUES = ['items', 'propertyNames', 'not', 'additionalProperties'];

/** Throws when `schema` uses a keyword this checker does not implement, naming where. */
export function assertSupported(schema: unknown, at = '#'): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const [keyword, value] of Object.entries(schema)) {
    if (!KNOWN_KEYWORDS.has(keyword)) throw new Error(`config schema: \`${keyword}\` at ${at} is not a keyword the config checker implements`);
    if (keyword === 'properties' || keyword === '$defs') {
      for (const [name, sub] of Object.entries(value as object)) assertSupported(sub, `${at}/${keyword}/${name}`);
    } else if (SCHEMA_LISTS.includes(keyword)) {
      (value as unknown[]).forEach((sub, index) => assertSupported(sub, `${at}/${keyword}/${index}`));
    } else if (SCHEMA_VALUES.includes(keyword)) {
      assertSupported(value, `${at}/${keyword}`);
    }
  }
}

type Kind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'other';

// What the messages say of a value: the first description and examples met, outermost first, and the definitions passed.
interface Label {
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly defs: readonly string[];
}

interface Place {
  readonly path: string;
  readonly node: unknown;
  readonly fallback?: unknown;
}

/** A schema with its `$ref`s followed: the schemas that apply to one value, outermost first, and the `$defs` passed. */
interface Resolved {
  readonly parts: readonly Schema[];
  readonly defs: readonly string[];
}

const MAX_REF_DEPTH = 32;

/** `` `a`, `b` `` as messages list names. */
export function listNames(names: readonly unknown[]): string {
  return names.map((name) => `\`${String(name)}\``).join(', ');
}

/** `value` as a user would write it in YAML flow style: `[gpu, flux]`, `{ name: unit }`, `"test/**"`. */
export function renderYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderYaml).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${renderYaml(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  if (typeof value !== 'string') return String(value);
  // Plain when YAML reads it back as this same string; quoted otherwise (globs, URLs, `>= 40`, `true`, `12`).
  const plain = /^[\w./][\w./%-]*$/.test(value) && !/^(true|false|null|~|[-+.]?\d[\d._eE+-]*|\.(inf|nan))$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/** What a description says a value must be: its first sentence, as the middle of a sentence. */
function firstSentence(description: string): string {
  const end = description.search(/\.(\s+[A-Z`]|$)/);
  const sentence = end < 0 ? description : description.slice(0, end);
  // `A size` reads `a size` mid-sentence; an acronym such as `HTTP` keeps its case.
  return /^[A-Z](?![A-Z])/.test(sentence) ? `${sentence.slice(0, 1).toLowerCase()}${sentence.slice(1)}` : sentence;
}

/** Checks YAML nodes against one schema, recording every problem. */
export class SchemaChecker {
  private found: SchemaProblem[] = [];

  constructor(
    private readonly root: Schema,
    private readonly document: Document,
    private readonly hints: SchemaHints = {},
  ) {}

  /** The problems of `node` (a document's contents, or any node in it) against the root schema. */
  check(node: unknown): SchemaProblem[] {
    this.found = [];
    this.checkNode({ path: '', node }, this.root, { defs: [] });
    return this.found;
  }

  private resolveNode(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.document) : node;
  }

  private lookup(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`config schema: only local references are supported, got \`${ref}\``);
    let at: unknown = this.root;
    for (const token of ref.slice(2).split('/')) at = (at as Record<string, unknown> | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (typeof at !== 'object' || at === null) throw new Error(`config schema: \`${ref}\` points at nothing`);
    return at as Schema;
  }

  private resolveSchema(schema: Schema): Resolved {
    const parts: Schema[] = [];
    const defs: string[] = [];
    let at: Schema | undefined = schema;
    while (at !== undefined && parts.length < MAX_REF_DEPTH) {
      parts.push(at);
      const ref: string | undefined = at.$ref;
      if (ref === undefined) break;
      const def = /^#\/\$defs\/([^/]+)$/.exec(ref);
      if (def?.[1]) defs.push(def[1]);
      at = this.lookup(ref);
    }
    return { parts, defs };
  }

  private labelOf(resolved: Resolved, inherited: Label): Label {
    const description = inherited.description ?? resolved.parts.find((part) => part.description !== undefined)?.description;
    const examples = inherited.examples ?? resolved.parts.find((part) => part.examples !== undefined)?.examples;
    return { description, examples, defs: [...inherited.defs, ...resolved.defs] };
  }

  private kindOf(node: unknown): { kind: Kind; value: unknown } {
    const target = this.resolveNode(node);
    if (isMap(target)) return { kind: 'object', value: nodeValue(target) };
    if (isSeq(target)) return { kind: 'array', value: nodeValue(target) };
    const value = isScalar(target) ? target.value : null;
    if (value === null || value === undefined) return { kind: 'null', value: null };
    if (typeof value === 'number') return { kind: Number.isFinite(value) ? 'number' : 'other', value };
    if (typeof value === 'string' || typeof value === 'boolean') return { kind: typeof value as Kind, value };
    return { kind: 'other', value };
  }

  private record(place: Place, text: string): void {
    this.found.push({ node: place.node, fallback: place.fallback, text });
  }

  /** Whether `node` fits `schema`, recording nothing. */
  private fits(node: unknown, schema: Schema): boolean {
    const saved = this.found;
    this.found = [];
    this.checkNode({ path: '', node }, schema, { defs: [] });
    const fits = this.found.length === 0;
    this.found = saved;
    return fits;
  }

  /** The kinds of value `schema` can accept, for picking the branch of an `anyOf` a value was meant for. */
  private accepts(schema: Schema, kind: Kind): boolean {
    for (const part of this.resolveSchema(schema).parts) {
      if (part.type !== undefined) return typeMatches(part.type, kind, 1);
      const branches = part.anyOf ?? part.oneOf;
      if (branches) return branches.some((branch) => this.accepts(branch, kind));
      if (part.enum) return part.enum.some((item) => this.kindOfPlain(item) === kind);
    }
    return true;
  }

  private kindOfPlain(value: unknown): Kind {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    return typeof value === 'object' ? 'object' : (typeof value as Kind);
  }

  private expected(label: Label, resolved: Resolved): string {
    const enumPart = resolved.parts.find((part) => part.enum !== undefined);
    let text: string;
    if (label.description !== undefined) text = firstSentence(label.description);
    else if (enumPart?.enum) text = `one of ${listNames(enumPart.enum)}`;
    else text = describeTypes(resolved.parts.find((part) => part.type !== undefined)?.type);
    const example = label.examples?.[0];
    if (example === undefined || text.includes('such as')) return text;
    // The example goes before a closing remark: `>= 0 such as `1000` (0 turns it off)`.
    const remark = /\s\([^()]*\)$/.exec(text)?.[0] ?? '';
    return `${text.slice(0, text.length - remark.length)} such as \`${renderYaml(example)}\`${remark}`;
  }

  private hint(label: Label, resolved: Resolved, value: unknown): string {
    for (const def of label.defs) {
      const hint = this.hints[def]?.(value);
      if (hint !== undefined) return hint;
    }
    const choices = resolved.parts.find((part) => part.enum !== undefined)?.enum?.filter((item): item is string => typeof item === 'string');
    const meant = choices && typeof value === 'string' ? closestName(value, choices) : undefined;
    return meant ? `; did you mean \`${meant}\`?` : '';
  }

  private fail(place: Place, label: Label, resolved: Resolved, value: unknown): void {
    this.record(place, `\`${place.path}\` must be ${this.expected(label, resolved)}, got ${describeValue(value)}${this.hint(label, resolved, value)}`);
  }

  private checkNode(place: Place, schema: Schema, inherited: Label): void {
    const resolved = this.resolveSchema(schema);
    const label = this.labelOf(resolved, inherited);
    const { kind, value } = this.kindOf(place.node);
    if (!resolved.parts.every((part) => valueFits(part, kind, value))) {
      this.fail(place, label, resolved, value);
      return;
    }
    const before = this.found.length;
    const target = this.resolveNode(place.node);
    if (kind === 'object') this.checkProperties(place, resolved, target as Node);
    if (kind === 'array') this.checkItems(place, resolved, target as Node);
    // A mapping whose keys are wrong is reported key by key; "exactly one of" would only repeat it.
    if (this.found.length > before) return;
    for (const part of resolved.parts) {
      if (part.anyOf && !this.checkAlternatives(place, part.anyOf, 'any', label, resolved, kind, value)) return;
      if (part.oneOf && !this.checkAlternatives(place, part.oneOf, 'one', label, resolved, kind, value)) return;
      if (part.not && this.fits(place.node, part.not)) {
        this.fail(place, label, resolved, value);
        return;
      }
    }
  }

  // The one branch a value's kind can match is checked in full, so a mapping meant as one gets key-by-key messages;
  // otherwise the value is held to the alternatives as a whole, under their shared description.
  private checkAlternatives(place: Place, branches: readonly Schema[], mode: 'any' | 'one', label: Label, resolved: Resolved, kind: Kind, value: unknown): boolean {
    const candidates = branches.filter((branch) => this.accepts(branch, kind));
    if (candidates.length === 1 && candidates[0]) {
      const before = this.found.length;
      this.checkNode(place, candidates[0], label);
      return this.found.length === before;
    }
    const fitting = branches.filter((branch) => this.fits(place.node, branch)).length;
    if (mode === 'any' ? fitting >= 1 : fitting === 1) return true;
    this.fail(place, label, resolved, value);
    return false;
  }

  private checkProperties(place: Place, resolved: Resolved, map: Node): void {
    const properties: Record<string, Schema> = Object.assign({}, ...resolved.parts.map((part) => part.properties ?? {}));
    const known = Object.keys(properties);
    const additional = resolved.parts.find((part) => part.additionalProperties !== undefined)?.additionalProperties;
    const names = resolved.parts.find((part) => part.propertyNames !== undefined)?.propertyNames;
    const where = place.path === '' ? 'at the top level' : `of \`${place.path}\``;
    const present = new Set<string>();
    for (const pair of (map as unknown as { items: Pair[] }).items) {
      const keyNode = this.resolveNode(pair.key);
      const key = isScalar(keyNode) ? keyNode.value : nodeValue(keyNode as Node);
      if (typeof key !== 'string') {
        this.record({ path: place.path, node: pair.key, fallback: pair.value }, `keys ${where} must be names such as \`${known[0] ?? 'name'}\`, got ${describeValue(key)}`);
        continue;
      }
      present.add(key);
      const child: Place = { path: place.path === '' ? key : `${place.path}.${key}`, node: pair.value, fallback: pair.key };
      if (names && !this.fits(pair.key, names)) {
        const nameSchema = this.resolveSchema(names);
        const label = this.labelOf(nameSchema, { defs: [] });
        this.record({ path: place.path, node: pair.key, fallback: pair.value }, `keys ${where} must be ${this.expected(label, nameSchema)}, got ${describeValue(key)}${this.hint(label, nameSchema, key)}`);
        continue;
      }
      const property = properties[key];
      if (property) this.checkNode(child, property, { defs: [] });
      else if (additional === false) this.recordUnknownKey(child, key, known, place.path, resolved);
      else if (typeof additional === 'object') this.checkNode(child, additional, { defs: [] });
    }
    for (const key of resolved.parts.flatMap((part) => part.required ?? [])) {
      if (!present.has(key)) this.recordMissing(place, key, properties[key], map);
    }
  }

  private recordUnknownKey(place: Place, key: string, known: readonly string[], parentPath: string, resolved: Resolved): void {
    const suggestion = closestName(key, known);
    const meant = suggestion ? `did you mean \`${suggestion}\`? ` : '';
    const kind = parentPath === ''
      ? 'top-level'
      : resolved.parts.find((part) => part.title !== undefined)?.title ?? resolved.defs[0] ?? /([^.\]]+)(\[\d+\])*$/.exec(parentPath)?.[1] ?? parentPath;
    this.record({ ...place, node: place.fallback }, `\`${place.path}\` is not a known key; ${meant}${kind} keys are ${listNames(known)}`);
  }

  private recordMissing(place: Place, key: string, property: Schema | undefined, map: Node): void {
    const name = (map as unknown as { get(key: string): unknown }).get('name');
    const label = typeof name === 'string' && name.trim() !== '' ? `\`${place.path}\` (${name})` : `\`${place.path}\``;
    const example = property ? this.labelOf(this.resolveSchema(property), { defs: [] }).examples?.[0] : undefined;
    const fix = example === undefined ? `add \`${key}\`` : `give it one such as \`${key}: ${renderYaml(example)}\``;
    this.record(place, `${label} has no \`${key}\`; ${fix}`);
  }

  private checkItems(place: Place, resolved: Resolved, seq: Node): void {
    const items = resolved.parts.find((part) => part.items !== undefined)?.items;
    if (!items) return;
    (seq as unknown as { items: unknown[] }).items.forEach((item, index) => {
      this.checkNode({ path: `${place.path}[${index}]`, node: item }, items, { defs: [] });
    });
  }
}

function typeMatches(type: string | readonly string[], kind: Kind, value: unknown): boolean {
  const types = typeof type === 'string' ? [type] : type;
  return types.some((name) => name === kind || (name === 'integer' && kind === 'number' && Number.isInteger(value)));
}

const patterns = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) patterns.set(pattern, (regex = new RegExp(pattern, 'u')));
  return regex;
}

// The keywords about the value itself, as opposed to its keys, items or alternatives.
function valueFits(schema: Schema, kind: Kind, value: unknown): boolean {
  if (schema.type !== undefined && !typeMatches(schema.type, kind, value)) return false;
  if (schema.enum !== undefined && !schema.enum.some((item) => item === value)) return false;
  if (kind === 'string' && typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) return false;
    if (schema.pattern !== undefined && !compile(schema.pattern).test(value)) return false;
  }
  if (kind === 'number' && typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return false;
    if (schema.maximum !== undefined && value > schema.maximum) return false;
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return false;
  }
  if (kind === 'array' && schema.minItems !== undefined && (value as unknown[]).length < schema.minItems) return false;
  return true;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  boolean: '`true` or `false`', string: 'a string', number: 'a number', integer: 'a whole number', object: 'a mapping', array: 'a list', null: 'empty',
};

function describeTypes(type: string | readonly string[] | undefined): string {
  if (type === undefined) return 'a valid value';
  const types = typeof type === 'string' ? [type] : type;
  return types.map((name) => TYPE_WORDS[name] ?? name).join(' or ');
}
