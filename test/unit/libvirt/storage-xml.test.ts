import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { InvalidSpecError } from '../../../src/errors/invalid-spec-error.js';
import { LibvirtXmlError } from '../../../src/libvirt/libvirt-xml-error.js';
import { buildDirPoolXml, buildVolumeXml, parsePoolXml, parseVolumeXml, type VolumeSpec } from '../../../src/libvirt/storage-xml.js';
import { HOSTILE, readBack, type LooseXml } from './domain-spec-fixtures.js';

/** `virsh pool-dumpxml` of an active dir pool on libvirt 9. */
const LIVE_POOL = `<pool type='dir'>
  <name>virtfleet</name>
  <uuid>bbcfecb4-9f90-4149-82bb-68e70cf7f63c</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>21474836480</allocation>
  <available unit='bytes'>85899345920</available>
  <source>
  </source>
  <target>
    <path>/var/lib/virtfleet/images</path>
    <permissions>
      <mode>0711</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
`;

/** `virsh vol-dumpxml` of a qcow2 overlay in that pool, with the fields the qemu storage backend adds. */
const LIVE_OVERLAY_VOLUME = `<volume type='file'>
  <name>prod-web-0-root.qcow2</name>
  <key>/var/lib/virtfleet/images/prod-web-0-root.qcow2</key>
  <capacity unit='bytes'>21474836480</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196616</physical>
  <target>
    <path>/var/lib/virtfleet/images/prod-web-0-root.qcow2</path>
    <format type='qcow2'/>
    <permissions>
      <mode>0600</mode>
      <owner>64055</owner>
      <group>64055</group>
    </permissions>
    <timestamps>
      <atime>1717171717.123456789</atime>
      <mtime>1717171717.123456789</mtime>
      <ctime>1717171717.123456789</ctime>
    </timestamps>
    <compat>1.1</compat>
    <clusterSize unit='B'>65536</clusterSize>
    <features/>
  </target>
  <backingStore>
    <path>/var/lib/virtfleet/images/sha256-2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae</path>
    <format type='raw'/>
    <permissions>
      <mode>0644</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </backingStore>
</volume>
`;

describe('[REQ-03] storage xml builders', () => {
  it('writes a dir pool with its name and target path', () => {
    const xml = buildDirPoolXml({ name: 'virtfleet', path: '/var/lib/virtfleet/images' });
    const pool = readBack(xml).pool as LooseXml;
    expect(pool['@_type']).to.equal('dir');
    expect(pool.name).to.equal('virtfleet');
    expect(pool.target.path).to.equal('/var/lib/virtfleet/images');
  });

  const volumeCases: Array<{ name: string; spec: VolumeSpec; check: (volume: LooseXml) => void }> = [
    {
      name: 'a sparse raw volume with capacity in bytes and no backing store',
      spec: { name: 'data.raw', capacityBytes: 5 * 1024 ** 3, format: 'raw' },
      check: (volume) => {
        expect(volume.capacity).to.deep.equal({ '#text': String(5 * 1024 ** 3), '@_unit': 'bytes' });
        expect(volume.allocation).to.deep.equal({ '#text': '0', '@_unit': 'bytes' });
        expect(volume.target.format['@_type']).to.equal('raw');
        expect(volume).not.to.have.property('backingStore');
      },
    },
    {
      name: 'a qcow2 overlay naming its backing image and format',
      spec: { name: 'root.qcow2', capacityBytes: 10 * 1024 ** 3, format: 'qcow2', backingStore: { path: '/img/sha256-abc', format: 'raw' } },
      check: (volume) => {
        expect(volume.target.format['@_type']).to.equal('qcow2');
        expect(volume.backingStore).to.deep.equal([{ path: '/img/sha256-abc', format: { '@_type': 'raw' } }]);
      },
    },
  ];
  for (const { name, spec, check } of volumeCases) {
    it(`writes ${name}`, () => {
      const xml = buildVolumeXml(spec);
      expect(XMLValidator.validate(xml)).to.equal(true);
      const volume = readBack(xml).volume as LooseXml;
      expect(volume['@_type']).to.equal('file');
      expect(volume.name).to.equal(spec.name);
      check(volume);
    });
  }

  it('round-trips hostile names and paths exactly', () => {
    expect(parsePoolXml(buildDirPoolXml({ name: HOSTILE, path: `/srv/${HOSTILE}` }))).to.deep.equal({
      name: HOSTILE,
      type: 'dir',
      targetPath: `/srv/${HOSTILE}`,
    });
    const spec: VolumeSpec = { name: HOSTILE, capacityBytes: 1024, format: 'qcow2', backingStore: { path: `/b/${HOSTILE}`, format: 'qcow2' } };
    expect(parseVolumeXml(buildVolumeXml(spec))).to.deep.equal({
      name: HOSTILE,
      type: 'file',
      capacityBytes: 1024,
      allocationBytes: 0,
      format: 'qcow2',
      backingStore: spec.backingStore,
    });
  });

  const invalid: Array<{ name: string; build: () => string; field: string }> = [
    { name: 'a pool without a name', build: () => buildDirPoolXml({ name: '', path: '/p' }), field: 'pool.name' },
    { name: 'a pool with a relative path', build: () => buildDirPoolXml({ name: 'p', path: 'images' }), field: 'pool.path' },
    { name: "a volume name with '/'", build: () => buildVolumeXml({ name: 'a/b', capacityBytes: 1, format: 'raw' }), field: 'volume.name' },
    { name: 'a zero capacity', build: () => buildVolumeXml({ name: 'v', capacityBytes: 0, format: 'raw' }), field: 'volume.capacityBytes' },
    {
      name: 'a raw volume with a backing store',
      build: () => buildVolumeXml({ name: 'v', capacityBytes: 1, format: 'raw', backingStore: { path: '/b', format: 'raw' } }),
      field: 'volume.backingStore',
    },
    {
      name: 'a relative backing path',
      build: () => buildVolumeXml({ name: 'v', capacityBytes: 1, format: 'qcow2', backingStore: { path: 'b', format: 'raw' } }),
      field: 'volume.backingStore.path',
    },
  ];
  for (const { name, build, field } of invalid) {
    it(`refuses ${name} with an InvalidSpecError naming ${field}`, () => {
      expect(build).to.throw(InvalidSpecError).with.property('field', field);
    });
  }
});

describe('[REQ-03] storage xml parsers read what libvirt returns', () => {
  it('reads a live dir pool: name, uuid, type, target path and sizes', () => {
    expect(parsePoolXml(LIVE_POOL)).to.deep.equal({
      name: 'virtfleet',
      uuid: 'bbcfecb4-9f90-4149-82bb-68e70cf7f63c',
      type: 'dir',
      targetPath: '/var/lib/virtfleet/images',
      capacityBytes: 100 * 1024 ** 3,
      allocationBytes: 20 * 1024 ** 3,
      availableBytes: 80 * 1024 ** 3,
    });
  });

  it('reads a live overlay volume: key, path, capacity, allocation, physical, format and backing store', () => {
    expect(parseVolumeXml(LIVE_OVERLAY_VOLUME)).to.deep.equal({
      name: 'prod-web-0-root.qcow2',
      key: '/var/lib/virtfleet/images/prod-web-0-root.qcow2',
      type: 'file',
      path: '/var/lib/virtfleet/images/prod-web-0-root.qcow2',
      capacityBytes: 20 * 1024 ** 3,
      allocationBytes: 200704,
      physicalBytes: 196616,
      format: 'qcow2',
      backingStore: {
        path: '/var/lib/virtfleet/images/sha256-2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
        format: 'raw',
      },
    });
  });

  const sizeCases: Array<{ name: string; capacity: string; bytes: number }> = [
    { name: 'bytes', capacity: "<capacity unit='bytes'>4096</capacity>", bytes: 4096 },
    { name: 'no unit, which libvirt reads as bytes for storage', capacity: '<capacity>4096</capacity>', bytes: 4096 },
    { name: 'G', capacity: "<capacity unit='G'>10</capacity>", bytes: 10 * 1024 ** 3 },
    { name: 'GB', capacity: "<capacity unit='GB'>10</capacity>", bytes: 10_000_000_000 },
    { name: 'MiB', capacity: "<capacity unit='MiB'>64</capacity>", bytes: 64 * 1024 ** 2 },
  ];
  for (const { name, capacity, bytes } of sizeCases) {
    it(`reads a volume capacity in ${name}`, () => {
      expect(parseVolumeXml(`<volume><name>v</name>${capacity}</volume>`).capacityBytes).to.equal(bytes);
    });
  }

  const broken: Array<{ name: string; read: () => unknown; message: RegExp }> = [
    { name: 'a pool document that is a volume', read: () => parsePoolXml(LIVE_OVERLAY_VOLUME), message: /root element is not <pool>/ },
    { name: 'a volume without capacity', read: () => parseVolumeXml('<volume><name>v</name></volume>'), message: /<capacity> is missing/ },
    { name: 'a volume without name', read: () => parseVolumeXml("<volume><capacity unit='bytes'>1</capacity></volume>"), message: /<name> is missing/ },
    { name: 'truncated XML', read: () => parseVolumeXml(LIVE_OVERLAY_VOLUME.slice(0, 200)), message: /not well-formed/ },
  ];
  for (const { name, read, message } of broken) {
    it(`raises a terminal LibvirtXmlError for ${name}`, () => {
      expect(read).to.throw(LibvirtXmlError, message).with.property('retryable', false);
    });
  }
});
