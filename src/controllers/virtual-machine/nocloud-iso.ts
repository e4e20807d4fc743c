/**
 * [REQ-01] The cloud-init NoCloud seed as an ISO 9660 image (volume label `cidata`; files `meta-data`,
 * `user-data` and, when given, `network-config`), built in memory by a pure function. The image is deterministic
 * (fixed dates), so the same data always gives the same bytes and the same content hash.
 *
 * Level 1 layout without Rock Ridge or Joliet: 16 empty system sectors, the primary volume descriptor, the
 * terminator, the little- and big-endian path tables, the root directory, then the files. Names are recorded as
 * `USER-DATA;1`; Linux's isofs (and so cloud-init) lists them lower-cased without the version: `user-data`.
 */
const SECTOR = 2048;
const PVD_SECTOR = 16;
const L_PATH_TABLE_SECTOR = 18;
const M_PATH_TABLE_SECTOR = 19;
const ROOT_SECTOR = 20;
const FIRST_FILE_SECTOR = 21;
const PATH_TABLE_BYTES = 10;

export interface SeedFile {
  /** As cloud-init reads it, e.g. `user-data`. */
  name: string;
  content: Buffer;
}

export interface NoCloudData {
  metaData: string;
  userData: string;
  networkConfig?: string;
}

function both32(buffer: Buffer, offset: number, value: number): void {
  buffer.writeUInt32LE(value, offset);
  buffer.writeUInt32BE(value, offset + 4);
}

function both16(buffer: Buffer, offset: number, value: number): void {
  buffer.writeUInt16LE(value, offset);
  buffer.writeUInt16BE(value, offset + 2);
}

function padded(text: string, length: number): string {
  return text.padEnd(length, ' ').slice(0, length);
}

function sectorsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SECTOR));
}

/** A directory record; `identifier` is the raw file identifier (0x00 = `.`, 0x01 = `..`). */
function directoryRecord(identifier: Buffer, sector: number, size: number, isDirectory: boolean): Buffer {
  const length = 33 + identifier.length + (identifier.length % 2 === 0 ? 1 : 0);
  const record = Buffer.alloc(length);
  record.writeUInt8(length, 0);
  both32(record, 2, sector);
  both32(record, 10, size);
  record.set([70, 1, 1, 0, 0, 0, 0], 18); // 1970-01-01 00:00:00 UTC
  record.writeUInt8(isDirectory ? 2 : 0, 25);
  both16(record, 28, 1);
  record.writeUInt8(identifier.length, 32);
  identifier.copy(record, 33);
  return record;
}

function primaryVolumeDescriptor(totalSectors: number, rootRecord: Buffer): Buffer {
  const pvd = Buffer.alloc(SECTOR);
  pvd.writeUInt8(1, 0);
  pvd.write('CD001', 1, 'ascii');
  pvd.writeUInt8(1, 6);
  pvd.write(padded('', 32), 8, 'ascii');
  pvd.write(padded('CIDATA', 32), 40, 'ascii');
  both32(pvd, 80, totalSectors);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, SECTOR);
  both32(pvd, 132, PATH_TABLE_BYTES);
  pvd.writeUInt32LE(L_PATH_TABLE_SECTOR, 140);
  pvd.writeUInt32BE(M_PATH_TABLE_SECTOR, 148);
  rootRecord.copy(pvd, 156);
  pvd.write(padded('', 128 * 4 + 37 * 3), 190, 'ascii');
  for (const offset of [813, 830, 847, 864]) pvd.write('0'.repeat(16), offset, 'ascii'); // dates not specified
  pvd.writeUInt8(1, 881);
  return pvd;
}

function pathTable(littleEndian: boolean): Buffer {
  const table = Buffer.alloc(SECTOR);
  table.writeUInt8(1, 0);
  if (littleEndian) {
    table.writeUInt32LE(ROOT_SECTOR, 2);
    table.writeUInt16LE(1, 6);
  } else {
    table.writeUInt32BE(ROOT_SECTOR, 2);
    table.writeUInt16BE(1, 6);
  }
  return table;
}

/** An ISO 9660 image holding `files` in its root directory, under the volume label CIDATA. */
export function buildIso9660(files: readonly SeedFile[]): Buffer {
  const sorted = [...files].sort((a, b) => a.name.toUpperCase().localeCompare(b.name.toUpperCase()));
  let nextSector = FIRST_FILE_SECTOR;
  const placed = sorted.map((file) => {
    const sector = nextSector;
    nextSector += sectorsFor(file.content.length);
    return { ...file, sector };
  });
  const root = Buffer.alloc(SECTOR);
  const records = [
    directoryRecord(Buffer.from([0]), ROOT_SECTOR, SECTOR, true),
    directoryRecord(Buffer.from([1]), ROOT_SECTOR, SECTOR, true),
    ...placed.map((file) => directoryRecord(Buffer.from(`${file.name.toUpperCase()};1`, 'ascii'), file.sector, file.content.length, false)),
  ];
  if (records.reduce((sum, record) => sum + record.length, 0) > SECTOR) throw new RangeError('too many seed files for one directory sector');
  Buffer.concat(records).copy(root);
  const image = Buffer.alloc(nextSector * SECTOR);
  primaryVolumeDescriptor(nextSector, records[0] ?? Buffer.alloc(34)).copy(image, PVD_SECTOR * SECTOR);
  const terminator = image.subarray((PVD_SECTOR + 1) * SECTOR);
  terminator.writeUInt8(255, 0);
  terminator.write('CD001', 1, 'ascii');
  terminator.writeUInt8(1, 6);
  pathTable(true).copy(image, L_PATH_TABLE_SECTOR * SECTOR);
  pathTable(false).copy(image, M_PATH_TABLE_SECTOR * SECTOR);
  root.copy(image, ROOT_SECTOR * SECTOR);
  for (const file of placed) file.content.copy(image, file.sector * SECTOR);
  return image;
}

export function buildNoCloudSeed(data: NoCloudData): Buffer {
  const files: SeedFile[] = [
    { name: 'meta-data', content: Buffer.from(data.metaData, 'utf8') },
    { name: 'user-data', content: Buffer.from(data.userData, 'utf8') },
  ];
  if (data.networkConfig !== undefined) files.push({ name: 'network-config', content: Buffer.from(data.networkConfig, 'utf8') });
  return buildIso9660(files);
}
