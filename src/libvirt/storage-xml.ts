/**
 * [REQ-03] Pure builders and readers of libvirt storage XML: the directory pool that holds a host's images
 * (`virStoragePoolDefineXML`) and its volumes (`virStorageVolCreateXML`), including qcow2 overlays on a backing
 * image, and the pool/volume descriptions libvirt returns (`virStoragePoolGetXMLDesc`, `virStorageVolGetXMLDesc`).
 */
import { InvalidSpecError } from '../errors/invalid-spec-error.js';
import type { ImageFormat, ImageRef } from './domain-spec.js';
import { LibvirtXmlError } from './libvirt-xml-error.js';
import { requireAbsolutePath, requireObjectName, requirePositiveInteger, requireText } from './spec-checks.js';
import { scaledToBytes } from './units.js';
import { buildXml, element, parseXml, textElement, withoutUndefined, type XmlElement } from './xml-tree.js';

export interface DirPoolSpec {
  name: string;
  /** Directory on the host that holds the pool's files. */
  path: string;
}

export interface VolumeSpec {
  name: string;
  capacityBytes: number;
  format: ImageFormat;
  /** For a qcow2 overlay: the image its reads fall through to. */
  backingStore?: ImageRef;
}

export interface ParsedPool {
  name: string;
  uuid?: string;
  type: string;
  targetPath?: string;
  capacityBytes?: number;
  allocationBytes?: number;
  availableBytes?: number;
}

export interface ParsedVolume {
  name: string;
  /** libvirt's unique key of the volume (the path, for a dir pool). */
  key?: string;
  type?: string;
  path?: string;
  capacityBytes: number;
  allocationBytes?: number;
  physicalBytes?: number;
  format?: string;
  backingStore?: { path: string; format?: string };
}

const STORAGE_DEFAULT_UNIT = 'bytes';

/** `<pool type='dir'>` for a directory of image files. */
export function buildDirPoolXml(spec: DirPoolSpec): string {
  requireText('pool.name', spec.name);
  requireAbsolutePath('pool.path', spec.path);
  return buildXml(
    element('pool', { type: 'dir' }, [textElement('name', spec.name), element('target', {}, [textElement('path', spec.path)])]),
  );
}

/**
 * `<volume>` of the given format, sparse (allocation 0: libvirt would otherwise preallocate a raw volume in full),
 * optionally a qcow2 overlay on `backingStore`.
 */
export function buildVolumeXml(spec: VolumeSpec): string {
  requireObjectName('volume.name', spec.name);
  requirePositiveInteger('volume.capacityBytes', spec.capacityBytes);
  const backing = spec.backingStore;
  if (backing !== undefined) {
    if (spec.format !== 'qcow2') throw new InvalidSpecError('volume.backingStore', 'only a qcow2 volume can have a backing store');
    requireAbsolutePath('volume.backingStore.path', backing.path);
  }
  return buildXml(
    element('volume', { type: 'file' }, [
      textElement('name', spec.name),
      textElement('capacity', spec.capacityBytes, { unit: 'bytes' }),
      textElement('allocation', 0, { unit: 'bytes' }),
      element('target', {}, [element('format', { type: spec.format })]),
      backing !== undefined &&
        element('backingStore', {}, [textElement('path', backing.path), element('format', { type: backing.format })]),
    ]),
  );
}

function optionalSize(element: XmlElement | undefined): number | undefined {
  if (element === undefined) return undefined;
  return scaledToBytes(element.text(), element.attr('unit'), STORAGE_DEFAULT_UNIT, element.path);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function parsePoolXml(xml: string): ParsedPool {
  const pool = parseXml(xml, 'pool');
  return withoutUndefined({
    name: pool.requireChildText('name'),
    uuid: nonEmpty(pool.childText('uuid')),
    type: pool.requireAttr('type'),
    targetPath: nonEmpty(pool.child('target')?.childText('path')),
    capacityBytes: optionalSize(pool.child('capacity')),
    allocationBytes: optionalSize(pool.child('allocation')),
    availableBytes: optionalSize(pool.child('available')),
  });
}

export function parseVolumeXml(xml: string): ParsedVolume {
  const volume = parseXml(xml, 'volume');
  const target = volume.child('target');
  const backing = volume.child('backingStore');
  const backingPath = nonEmpty(backing?.childText('path'));
  const backingFormat = backing?.child('format')?.attr('type');
  const capacity = optionalSize(volume.requireChild('capacity'));
  if (capacity === undefined) throw new LibvirtXmlError(`${volume.path}/capacity`, 'the capacity is missing');
  return withoutUndefined({
    name: volume.requireChildText('name'),
    key: nonEmpty(volume.childText('key')),
    type: volume.attr('type'),
    path: nonEmpty(target?.childText('path')),
    capacityBytes: capacity,
    allocationBytes: optionalSize(volume.child('allocation')),
    physicalBytes: optionalSize(volume.child('physical')),
    format: target?.child('format')?.attr('type'),
    backingStore:
      backingPath === undefined ? undefined : { path: backingPath, ...(backingFormat !== undefined && { format: backingFormat }) },
  });
}
