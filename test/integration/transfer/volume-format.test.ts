import { expect } from 'chai';
import { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';
import { sshRpcTransportFactory } from '../../../src/libvirt/ssh-rpc-transport.js';
import { startTransfer } from '../../../src/transfer/transfer-job.js';
import type { TransferLimits, TransferPlan } from '../../../src/transfer/transfer-plan.js';
import { hostDigest, listDir, onHost, shippedConfig, startTransferFleet, type TransferFleet } from './transfer-fleet.js';

const MIB = 1024 * 1024;
const limits: TransferLimits = { chunkSizeBytes: 2 * MIB, bandwidthLimitBytesPerSecond: 0, inactivityTimeoutMs: 20_000, maxAttempts: 2 };
const POOL_DIR = '/var/lib/libvirt/images';

describe('[REQ-04] image transfer from a libvirt volume, and qcow2 converted to raw on the destination', function () {
  this.timeout(180_000);
  let fleet: TransferFleet;
  let libvirt: LibvirtClient;
  const dir = `/var/lib/virtfleet/vf-${Date.now().toString(36)}`;

  before(async function () {
    this.timeout(900_000);
    fleet = await startTransferFleet(2, 'vf-transfer-volume');
    libvirt = LibvirtClient.fromConfig(sshRpcTransportFactory(fleet.sessions[0]!, shippedConfig.libvirt, shippedConfig.libvirt.defaultURI), shippedConfig.libvirt, {
      audit: { sink: fleet.deps.audit, host: fleet.hosts[0]!.name },
    });
    // A 64 MiB raw volume holding 6 MiB of random data in two runs; the rest is holes.
    await onHost(fleet.hosts[0]!, `truncate -s 64M ${POOL_DIR}/vol.raw && dd if=/dev/urandom of=${POOL_DIR}/vol.raw bs=1M count=4 status=none conv=notrunc `
      + `&& dd if=/dev/urandom of=${POOL_DIR}/vol.raw bs=1M count=2 seek=40 status=none conv=notrunc && virsh -c qemu:///system pool-refresh default >/dev/null`);
    await onHost(fleet.hosts[0]!, `mkdir -p ${dir} && qemu-img convert -f raw -O qcow2 ${POOL_DIR}/vol.raw ${dir}/image.qcow2 `
      + `&& qemu-img create -q -f qcow2 -F raw -b ${POOL_DIR}/vol.raw ${dir}/backed.qcow2`);
  });

  after(async () => {
    await libvirt?.close();
    await fleet?.stop();
  });

  const fromHost = (path: string, sha256: string, to: string, format?: 'raw' | 'qcow2'): TransferPlan => ({
    source: { kind: 'host', host: fleet.transferHosts[0]!, path }, destinations: [{ host: fleet.transferHosts[1]!, path: to }], sha256, limits, ...(format ? { format } : {}),
  });

  it('copies a volume found by pool and name through libvirt: same digest, holes neither read nor sent', async () => {
    const digest = await hostDigest(fleet.hosts[0]!, `${POOL_DIR}/vol.raw`);
    const result = await startTransfer({
      source: { kind: 'volume', host: fleet.transferHosts[0]!, storage: libvirt.storage, pool: 'default', name: 'vol.raw' },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/from-volume.raw` }], sha256: digest, limits,
    }, fleet.deps).done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    expect(await hostDigest(fleet.hosts[1]!, `${dir}/from-volume.raw`)).to.equal(digest);
    expect([result.destinations[0]!.bytesSent, result.source.bytesRead]).to.deep.equal([6 * MIB, 6 * MIB]);
  });

  it('fails a volume that does not exist as SourceNotFound, naming the pool and the volume', async () => {
    const result = await startTransfer({
      source: { kind: 'volume', host: fleet.transferHosts[0]!, storage: libvirt.storage, pool: 'default', name: 'missing.raw' },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/missing.raw` }], sha256: 'ab'.repeat(32), limits,
    }, fleet.deps).done;
    expect(result.destinations[0]).to.include({ phase: 'Failed', reason: 'SourceNotFound', attempts: 1 });
    expect(result.destinations[0]!.message).to.include('volume default/missing.raw');
  });

  it('writes into a storage pool and refreshes it, so libvirt lists the new volume at that path', async () => {
    const digest = await hostDigest(fleet.hosts[0]!, `${dir}/image.qcow2`);
    const pool = await libvirt.storage.lookupPoolByName('default');
    const before = (await libvirt.storage.listVolumes(pool)).map((volume) => volume.name);
    const path = `${POOL_DIR}/pooled-${Date.now().toString(36)}`;
    const result = await startTransfer({
      source: { kind: 'host', host: fleet.transferHosts[0]!, path: `${dir}/image.qcow2` },
      destinations: [{ host: fleet.transferHosts[0]!, path, pool: { name: 'default', storage: libvirt.storage } }], sha256: digest, limits,
    }, fleet.deps).done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    const name = path.slice(POOL_DIR.length + 1);
    expect(before).to.not.include(name);
    expect(await libvirt.storage.volumePath(await libvirt.storage.lookupVolumeByName(pool, name))).to.equal(path);
    expect(await hostDigest(fleet.hosts[0]!, path)).to.equal(digest);
  });

  it('converts a qcow2 source to raw with qemu-img on the destination after checking the source digest', async () => {
    const digest = await hostDigest(fleet.hosts[0]!, `${dir}/image.qcow2`);
    const result = await startTransfer(fromHost(`${dir}/image.qcow2`, digest, `${dir}/converted.raw`, 'raw'), fleet.deps).done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    const destination = fleet.hosts[1]!;
    expect(JSON.parse(await onHost(destination, `qemu-img info --output=json ${dir}/converted.raw`)).format).to.equal('raw');
    expect(await hostDigest(destination, `${dir}/converted.raw`)).to.equal(await hostDigest(fleet.hosts[0]!, `${POOL_DIR}/vol.raw`), 'the raw bytes of the volume');
    expect((await listDir(destination, dir)).filter((name) => name.startsWith('converted')), 'no .part, manifest or .convert left').to.deep.equal(['converted.raw']);
  });

  it('fails a conversion whose output would not fit as InsufficientStorage with the sizes, leaving nothing in that directory', async () => {
    // 12 MiB of data (no zeros) in a compressed qcow2 of a few KiB: the staged file fits in 8 MiB, its raw form does not.
    await onHost(fleet.hosts[0]!, `head -c 12582912 /dev/zero | tr '\\0' '\\1' > ${dir}/ones.raw && qemu-img convert -c -f raw -O qcow2 ${dir}/ones.raw ${dir}/ones.qcow2`);
    const digest = await hostDigest(fleet.hosts[0]!, `${dir}/ones.qcow2`);
    const small = `${dir}-small`;
    const destination = fleet.hosts[1]!;
    await onHost(destination, `mkdir -p ${small} && mount -t tmpfs -o size=8m tmpfs ${small}`);
    try {
      const result = await startTransfer(fromHost(`${dir}/ones.qcow2`, digest, `${small}/ones.raw`, 'raw'), fleet.deps).done;
      expect(result.destinations[0]).to.include({ phase: 'Failed', reason: 'InsufficientStorage', attempts: 1 });
      expect(result.destinations[0]!.message).to.match(/has \d+ bytes free, the image needs (\d+)/);
      const needed = Number(/the image needs (\d+)/.exec(result.destinations[0]!.message!)![1]);
      expect(needed, 'the raw data, not the compressed size').to.be.within(12 * MIB, 13 * MIB);
      expect(await listDir(destination, small), 'no .part, manifest or .convert left').to.deep.equal([]);
    } finally {
      await onHost(destination, `umount ${small}`);
    }
  });

  it('leaves a source already in the plan\'s format as it is, and refuses to convert a qcow2 that names a backing file', async () => {
    const digest = await hostDigest(fleet.hosts[0]!, `${dir}/image.qcow2`);
    const same = await startTransfer(fromHost(`${dir}/image.qcow2`, digest, `${dir}/same.qcow2`, 'qcow2'), fleet.deps).done;
    expect(same.phase).to.equal('Succeeded');
    expect(await hostDigest(fleet.hosts[1]!, `${dir}/same.qcow2`)).to.equal(digest);
    const backed = await hostDigest(fleet.hosts[0]!, `${dir}/backed.qcow2`);
    const refused = await startTransfer(fromHost(`${dir}/backed.qcow2`, backed, `${dir}/backed.raw`, 'raw'), fleet.deps).done;
    expect(refused.destinations[0]).to.include({ phase: 'Failed', reason: 'SourceChanged' });
    expect(refused.destinations[0]!.message).to.include('backing');
    expect((await listDir(fleet.hosts[1]!, dir)).filter((name) => name.startsWith('backed'))).to.deep.equal([]);
  });
});
