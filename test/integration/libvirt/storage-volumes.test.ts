import { expect } from 'chai';
import { createHash, randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import { PoolCreateFlags } from '../../../src/libvirt/operations/storage-operations.js';
import type { StoragePoolRef, StorageVolRef } from '../../../src/libvirt/rpc/remote-types.js';
import { buildDirPoolXml, buildVolumeXml, parsePoolXml } from '../../../src/libvirt/storage-xml.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { startLibvirtHosts, uniqueName, type LibvirtTestFleet, type LibvirtTestHost } from './libvirt-test-target.js';

const IMAGE_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/** The libvirt audit records the host's clients wrote after the first `skip` records of its audit log. */
function libvirtRecordsAfter(target: LibvirtTestHost, skip: number): AuditRecord[] {
  return target.auditRecords.slice(skip).filter((record) => record.action.startsWith('libvirt.'));
}

/** IMAGE_BYTES of random data, hashed as it is produced. */
function randomImage(hash: ReturnType<typeof createHash>): Readable {
  let produced = 0;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (produced >= IMAGE_BYTES) {
        this.push(null);
        return;
      }
      const chunk = randomFillSync(Buffer.allocUnsafe(CHUNK_BYTES));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

describe('[REQ-03] libvirt over ssh: storage pools and volumes on a container host', () => {
  let fleet: LibvirtTestFleet;
  let target: LibvirtTestHost;
  let client: LibvirtClient;
  let pool: StoragePoolRef;
  const poolName = uniqueName('vf-it-pool');
  const poolPath = `/var/lib/libvirt/images/${poolName}`;
  let image: StorageVolRef;
  let imageSha256: string;

  before(async function () {
    this.timeout(900_000);
    fleet = await startLibvirtHosts(1, 'vf-libvirt-storage');
    target = fleet.hosts[0]!;
    client = target.client();
  });

  after(async () => {
    await client?.close();
    await fleet?.stop();
  });

  it('defines, builds and starts a directory pool, then finds it by name and in the list', async () => {
    const auditedBefore = target.auditRecords.length;
    pool = await client.storage.definePoolXml(buildDirPoolXml({ name: poolName, path: poolPath }));
    await client.storage.createPool(pool, PoolCreateFlags.WithBuild);
    expect((await target.virsh(['pool-info', poolName])).stdout).to.match(/State:\s+running/);
    expect(await client.storage.lookupPoolByName(poolName)).to.deep.equal(pool);
    expect((await client.storage.listPools()).map((listed) => listed.name)).to.include(poolName);
    expect(parsePoolXml(await client.storage.poolXml(pool)), 'its description, read back').to.include({ name: poolName, type: 'dir', targetPath: poolPath });
    const audited = libvirtRecordsAfter(target, auditedBefore);
    expect(audited.map((record) => [record.action, record.outcome, record.host])).to.deep.equal([
      ['libvirt.pool.define', 'success', target.host.name],
      ['libvirt.pool.create', 'success', target.host.name],
    ]);
    expect(audited[0]?.arguments).to.include({ pool: poolName, uuid: pool.uuid });
    expect(audited[1]?.arguments).to.include({ pool: poolName, flags: PoolCreateFlags.WithBuild });
  });

  it('uploads 256 MiB into a volume and the host computes the same SHA-256 with openssl', async function () {
    this.timeout(120_000);
    const auditedBefore = target.auditRecords.length;
    image = await client.storage.createVolumeXml(pool, buildVolumeXml({ name: 'base.raw', capacityBytes: IMAGE_BYTES, format: 'raw' }));
    const hash = createHash('sha256');
    await client.storage.uploadVolume(image, randomImage(hash));
    imageSha256 = hash.digest('hex');
    const audited = libvirtRecordsAfter(target, auditedBefore);
    expect(audited.map((record) => [record.action, record.outcome, record.host])).to.deep.equal([
      ['libvirt.volume.create', 'success', target.host.name],
      ['libvirt.volume.upload', 'success', target.host.name],
    ]);
    expect(audited[1]?.arguments).to.deep.equal({ pool: poolName, volume: 'base.raw', volumeKey: image.key, offset: 0, length: 0, bytes: IMAGE_BYTES });
    const path = await client.storage.volumePath(image);
    const onHost = await target.run(['openssl', 'dgst', '-sha256', '-r', path]);
    expect(onHost.stdout.split(' ')[0]).to.equal(imageSha256);
    const info = await client.storage.volumeInfo(image);
    expect(info.type).to.equal('file');
    expect(info.capacityBytes).to.equal(BigInt(IMAGE_BYTES));
    expect(await client.storage.lookupVolumeByPath(path)).to.deep.equal(image);
  });

  it('downloads the volume back byte for byte to a consumer that keeps pausing', async function () {
    this.timeout(120_000);
    const auditedBefore = target.auditRecords.length;
    const download = await client.storage.downloadVolume(image);
    const hash = createHash('sha256');
    let bytes = 0;
    let pauses = 0;
    for await (const chunk of download) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes % (64 * CHUNK_BYTES) < (chunk as Buffer).length) {
        pauses += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(bytes).to.equal(IMAGE_BYTES);
    expect(hash.digest('hex')).to.equal(imageSha256);
    expect(pauses).to.be.greaterThan(0);
    expect(libvirtRecordsAfter(target, auditedBefore)).to.deep.equal([]);
    expect(await client.host.hostname()).to.be.a('string'); // the connection is still usable afterwards
  });

  it('creates a qcow2 overlay whose backing file is the uploaded image', async () => {
    const imagePath = await client.storage.volumePath(image);
    const overlay = await client.storage.createVolumeXml(pool, buildVolumeXml({
      name: 'overlay.qcow2', capacityBytes: IMAGE_BYTES, format: 'qcow2', backingStore: { path: imagePath, format: 'raw' },
    }));
    const overlayPath = await client.storage.volumePath(overlay);
    const info = JSON.parse((await target.run(['qemu-img', 'info', '--output=json', overlayPath])).stdout) as Record<string, unknown>;
    expect(info['format']).to.equal('qcow2');
    expect(info['backing-filename']).to.equal(imagePath);
    expect(info['backing-filename-format']).to.equal('raw');
    expect((await client.storage.lookupVolumeByName(pool, 'overlay.qcow2')).key).to.equal(overlay.key);
    const auditedBefore = target.auditRecords.length;
    await client.storage.deleteVolume(overlay);
    expect(libvirtRecordsAfter(target, auditedBefore).map((record) => [record.action, record.outcome, record.arguments?.['volume']]))
      .to.deep.equal([['libvirt.volume.delete', 'success', 'overlay.qcow2']]);
    const gone = await client.storage.lookupVolumeByName(pool, 'overlay.qcow2').then(() => null, (error: unknown) => error);
    expect(gone).to.be.instanceOf(LibvirtError);
    expect((gone as LibvirtError).isNotFound).to.equal(true);
  });

  it('sees a file written behind libvirt\'s back after a pool refresh', async () => {
    await target.run(['truncate', '-s', '1M', `${poolPath}/side-loaded.raw`]);
    const auditedBefore = target.auditRecords.length;
    await client.storage.refreshPool(pool);
    expect(libvirtRecordsAfter(target, auditedBefore).map((record) => [record.action, record.outcome, record.arguments?.['pool']]))
      .to.deep.equal([['libvirt.pool.refresh', 'success', poolName]]);
    const volume = await client.storage.lookupVolumeByName(pool, 'side-loaded.raw');
    expect((await client.storage.volumeInfo(volume)).capacityBytes).to.equal(1024n * 1024n);
  });

  it('reports a missing pool as not found', async () => {
    const error = await client.storage.lookupPoolByName('virtfleet-no-such-pool').then(() => null, (failure: unknown) => failure);
    expect((error as LibvirtError).isNotFound).to.equal(true);
    expect((error as LibvirtError).code).to.equal(49);
  });
});
