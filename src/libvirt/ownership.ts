/**
 * [REQ-03] virtfleet's ownership mark in a domain's `<metadata>`:
 * `<virtfleet:owner xmlns:virtfleet="https://virtfleet.io/xmlns/domain/v1alpha1" namespace= name= uid= generation=/>`.
 * The operator acts only on domains that carry it and leaves every other domain on a host alone. The element is
 * recognised by its namespace URI, never by its prefix, so another tool's metadata cannot pass for ours.
 */
import { LibvirtXmlError } from './libvirt-xml-error.js';
import { element, parseXml, type XmlElement, type XmlNode } from './xml-tree.js';

export const VIRTFLEET_XMLNS = 'https://virtfleet.io/xmlns/domain/v1alpha1';
export const VIRTFLEET_XMLNS_PREFIX = 'virtfleet';
const OWNER_ELEMENT = 'owner';

/** The Kubernetes object a domain belongs to. */
export interface VirtfleetOwner {
  namespace: string;
  name: string;
  uid: string;
  /** metadata.generation of the object when the domain was last defined. */
  generation: number;
}

/** The child of `<metadata>` that marks a domain as virtfleet's. */
export function ownerMetadataElement(owner: VirtfleetOwner): XmlNode {
  return element(`${VIRTFLEET_XMLNS_PREFIX}:${OWNER_ELEMENT}`, {
    [`xmlns:${VIRTFLEET_XMLNS_PREFIX}`]: VIRTFLEET_XMLNS,
    namespace: owner.namespace,
    name: owner.name,
    uid: owner.uid,
    generation: owner.generation,
  });
}

function isVirtfleetOwnerElement(candidate: XmlElement): boolean {
  const separator = candidate.name.indexOf(':');
  const prefix = separator < 0 ? '' : candidate.name.slice(0, separator);
  const localName = candidate.name.slice(separator + 1);
  return localName === OWNER_ELEMENT && candidate.namespaceURI(prefix) === VIRTFLEET_XMLNS;
}

function requireOwnerAttr(owner: XmlElement, name: string): string {
  const value = owner.attr(name);
  if (value === undefined || value === '') {
    throw new LibvirtXmlError(owner.path, `virtfleet owner metadata lacks '${name}'`);
  }
  return value;
}

/**
 * Reads the owner mark from a parsed `<domain>`. Undefined when there is none; an element in our namespace that
 * lacks a field is an error rather than "not ours", so a damaged mark is reported instead of silently ignored.
 */
export function ownerFromDomain(domain: XmlElement): VirtfleetOwner | undefined {
  const owner = domain.child('metadata')?.elements().find(isVirtfleetOwnerElement);
  if (owner === undefined) return undefined;
  const generation = requireOwnerAttr(owner, 'generation');
  if (!/^\d+$/.test(generation)) {
    throw new LibvirtXmlError(owner.path, `virtfleet owner generation '${generation}' is not a non-negative integer`);
  }
  return {
    namespace: requireOwnerAttr(owner, 'namespace'),
    name: requireOwnerAttr(owner, 'name'),
    uid: requireOwnerAttr(owner, 'uid'),
    generation: Number(generation),
  };
}

/** The owner recorded in a domain XML document (as `virDomainGetXMLDesc` returns it), if any. */
export function readOwnership(domainXml: string): VirtfleetOwner | undefined {
  return ownerFromDomain(parseXml(domainXml, 'domain'));
}

/** True when the domain carries virtfleet's owner mark; every other domain must be left alone. */
export function isOwnedByVirtfleet(domainXml: string): boolean {
  return readOwnership(domainXml) !== undefined;
}
