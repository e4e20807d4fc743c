/**
 * [REQ-03] The one place where libvirt XML meets fast-xml-parser: `buildXml` serialises a small element tree
 * (every attribute and text escaped by the library), `parseXml` reads a document into `XmlElement`s with
 * path-aware accessors. Domain and storage XML modules use only these two functions.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { InvalidSpecError } from '../errors/invalid-spec-error.js';
import { LibvirtXmlError } from './libvirt-xml-error.js';

export type XmlAttributeValue = string | number | undefined;

/** An element to serialise. Attributes whose value is undefined are left out. */
export interface XmlNode {
  name: string;
  attributes: Record<string, XmlAttributeValue>;
  children: XmlNode[];
  text?: string | number;
}

/** Children given as undefined or false are dropped, so optional parts read as conditional expressions. */
export function element(
  name: string,
  attributes: Record<string, XmlAttributeValue> = {},
  children: Array<XmlNode | undefined | false> = [],
): XmlNode {
  return { name, attributes, children: children.filter((child): child is XmlNode => Boolean(child)) };
}

export function textElement(name: string, text: string | number, attributes: Record<string, XmlAttributeValue> = {}): XmlNode {
  return { name, attributes, children: [], text };
}

const ATTRIBUTES_KEY = ':@';
const TEXT_KEY = '#text';
const XML_WHITESPACE_CONTROLS = new Set(['\t', '\n', '\r']);

/**
 * XML 1.0 cannot carry C0 controls other than tab and newlines, nor U+FFFE/U+FFFF; in an attribute even tab and
 * newlines would be normalised to spaces by every reader, so there they are refused too.
 */
function hasUncarriableCharacter(text: string, inAttribute: boolean): boolean {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code === 0xfffe || code === 0xffff) return true;
    if (code < 0x20 && (inAttribute || !XML_WHITESPACE_CONTROLS.has(character))) return true;
  }
  return false;
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: TEXT_KEY,
  processEntities: true,
  suppressEmptyNode: true,
  format: true,
  indentBy: '  ',
});

type OrderedNode = Record<string, unknown>;

function toOrdered(node: XmlNode, path: string): OrderedNode {
  const here = `${path}/${node.name}`;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(node.attributes)) {
    if (value === undefined) continue;
    const text = String(value);
    if (hasUncarriableCharacter(text, true)) {
      throw new InvalidSpecError(`${here}@${key}`, 'contains a control character that XML attributes cannot carry');
    }
    attributes[key] = text;
  }
  const content: OrderedNode[] = node.children.map((child) => toOrdered(child, here));
  if (node.text !== undefined) {
    const text = String(node.text);
    if (hasUncarriableCharacter(text, false)) throw new InvalidSpecError(here, 'contains a character that XML cannot carry');
    content.unshift({ [TEXT_KEY]: text });
  }
  const ordered: OrderedNode = { [node.name]: content };
  if (Object.keys(attributes).length > 0) ordered[ATTRIBUTES_KEY] = attributes;
  return ordered;
}

/** Serialises one root element, indented, without an XML declaration (libvirt does not need one). */
export function buildXml(root: XmlNode): string {
  return `${(builder.build([toOrdered(root, '')]) as string).trim()}\n`;
}

const ATTRIBUTE_GROUP = '@';
/** Deepest element nesting accepted in XML from libvirt: bounds the parser's work without refusing real documents. */
const LIBVIRT_XML_MAX_DEPTH = 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRIBUTE_GROUP,
  textNodeName: TEXT_KEY,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  alwaysCreateTextNode: true,
  // Numeric character references (&#39;) are legal XML; fast-xml-parser decodes them only in this mode.
  htmlEntities: true,
  isArray: (_name, _jpath, _isLeaf, isAttribute) => !isAttribute,
  // The library's default of 100 nested elements rejects backing chains deeper than about 95 (each <backingStore>
  // nests one level); the XML comes from the host, so only a far larger bound is needed against absurd nesting.
  maxNestedTags: LIBVIRT_XML_MAX_DEPTH,
});

type RawElement = Record<string, unknown>;

/** A read-only view of one parsed element; `path` (e.g. `/domain/devices/disk[1]`) names it in errors. */
export class XmlElement {
  constructor(
    readonly name: string,
    readonly path: string,
    private readonly raw: RawElement,
    readonly parent?: XmlElement,
  ) {}

  attr(name: string): string | undefined {
    const attributes = this.raw[ATTRIBUTE_GROUP] as Record<string, string> | undefined;
    return attributes?.[name];
  }

  requireAttr(name: string): string {
    const value = this.attr(name);
    if (value === undefined || value === '') throw new LibvirtXmlError(this.path, `attribute '${name}' is missing`);
    return value;
  }

  attributeNames(): string[] {
    return Object.keys((this.raw[ATTRIBUTE_GROUP] as Record<string, string> | undefined) ?? {});
  }

  /** The element's own text, trimmed; '' when it has none. */
  text(): string {
    const text = this.raw[TEXT_KEY];
    return typeof text === 'string' ? text : '';
  }

  children(name: string): XmlElement[] {
    const raw = this.raw[name];
    if (!Array.isArray(raw)) return [];
    return raw.map((child: RawElement, index) => new XmlElement(name, `${this.path}/${name}[${index}]`, child, this));
  }

  child(name: string): XmlElement | undefined {
    return this.children(name)[0];
  }

  requireChild(name: string): XmlElement {
    const found = this.child(name);
    if (found === undefined) throw new LibvirtXmlError(this.path, `element <${name}> is missing`);
    return found;
  }

  /** Text of the first child of that name, or undefined when there is no such child. */
  childText(name: string): string | undefined {
    return this.child(name)?.text();
  }

  /** Text of the first child of that name; a LibvirtXmlError when the child is missing or empty. */
  requireChildText(name: string): string {
    const text = this.requireChild(name).text();
    if (text === '') throw new LibvirtXmlError(`${this.path}/${name}`, 'the element is empty');
    return text;
  }

  /** An attribute holding a non-negative integer, or undefined when absent. */
  integerAttr(name: string): number | undefined {
    const value = this.attr(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new LibvirtXmlError(this.path, `attribute '${name}' = '${value}' is not a non-negative integer`);
    return Number(value);
  }

  /** All child elements, grouped by name (document order is kept among siblings of the same name). */
  elements(): XmlElement[] {
    return Object.keys(this.raw)
      .filter((key) => key !== ATTRIBUTE_GROUP && key !== TEXT_KEY)
      .flatMap((key) => this.children(key));
  }

  /** Resolves a namespace prefix ('' for the default namespace) through this element and its ancestors. */
  namespaceURI(prefix: string): string | undefined {
    const declaration = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    return this.attr(declaration) ?? this.parent?.namespaceURI(prefix);
  }
}

/** Parses a document whose root must be `rootName`; malformed XML or another root is a LibvirtXmlError. */
export function parseXml(xml: string, rootName: string): XmlElement {
  let document: RawElement;
  try {
    document = parser.parse(xml, true) as RawElement;
  } catch (error) {
    throw new LibvirtXmlError(`<${rootName}>`, `not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
  const roots = document[rootName];
  if (!Array.isArray(roots) || roots.length !== 1) {
    throw new LibvirtXmlError(`<${rootName}>`, `the document's root element is not <${rootName}>`);
  }
  return new XmlElement(rootName, `/${rootName}`, roots[0] as RawElement);
}

/** Drops fields whose value is undefined, so parsed records compare equal to records written without them. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
