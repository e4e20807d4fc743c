import { expect } from 'chai';
import { ChunkMemory } from '../../../src/transfer/chunk-memory.js';
import { openHostSource } from '../../../src/transfer/host-source.js';
import { startTransfer } from '../../../src/transfer/transfer-job.js';
import type { TransferLimits } from '../../../src/transfer/transfer-plan.js';
import { hostDigest, listDir, onHost, startTransferFleet, type TransferFleet } from './transfer-fleet.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const limits: TransferLimits = { chunkSizeBytes: 4 * MIB, bandwidthLimitBytesPerSecond: 0, inactivityTimeoutMs: 10_000, maxAttempts: 3 };

describe('[REQ-04] image transfer from a file on one container host to another', function () {
  this.timeout(300_000);
  let fleet: TransferFleet;
  const dir = `/var/lib/virtfleet/it-host-${Date.now().toString(36)}`;

  before(async function () {
    this.timeout(900_000);
    fleet = await startTransferFleet(2, 'vf-transfer-host');
    // A 4 GiB raw image holding 64 MiB of random data in four 16 MiB runs; the rest is holes.
    await onHost(fleet.hosts[0]!, `mkdir -p ${dir} && truncate -s 4G ${dir}/sparse.raw && for at in 0 1000 2500 4000; do `
      + `dd if=/dev/urandom of=${dir}/sparse.raw bs=1M count=16 seek=$at conv=notrunc status=none; done`);
  });

  after(() => fleet?.stop());

  it('copies a sparse 4 GiB image with 64 MiB of data: holes not read, not sent, holes on the destination, same digest', async () => {
    const source = fleet.hosts[0]!;
    const digest = await hostDigest(source, `${dir}/sparse.raw`);
    const auditedBefore = fleet.auditRecords.length;
    const result = await startTransfer({
      source: { kind: 'host', host: fleet.transferHosts[0]!, path: `${dir}/sparse.raw` },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/copy.raw` }],
      sha256: digest,
      limits,
    }, fleet.deps).done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    const sent = result.destinations[0]!.bytesSent;
    expect(sent).to.equal(64 * MIB, 'only the data chunks went over the wire');
    expect(result.source.bytesRead).to.equal(64 * MIB, 'holes were not even read');
    const destination = fleet.hosts[1]!;
    expect(await hostDigest(destination, `${dir}/copy.raw`)).to.equal(digest);
    const [apparent, allocated] = (await onHost(destination, `stat -c '%s %b %B' ${dir}/copy.raw`)).split(' ').map(Number);
    expect(apparent).to.equal(4 * GIB);
    const allocatedBytes = allocated! * Number((await onHost(destination, `stat -c '%B' ${dir}/copy.raw`)));
    expect(allocatedBytes).to.be.within(64 * MIB, 64 * MIB * 1.05, 'du: holes on the destination');
    expect(await listDir(destination, dir)).to.deep.equal(['copy.raw']);
    const onDestination = fleet.auditRecords.slice(auditedBefore).filter((r) => r.host === destination.name && r.action === 'ssh.exec')
      .map((r) => (r.arguments?.['argv'] as string[] | undefined)?.[0]);
    expect(onDestination, 'verified by its chunks and its map, without hashing 4 GiB of holes').to.include('qemu-img').and.not.include('openssl');
  });

  it('reads every data run over one channel, and closes it once read, or when the reader stops mid-way', async () => {
    const session = fleet.sessions[0]!;
    const controller = new AbortController();
    const source = await openHostSource(fleet.transferHosts[0]!, `${dir}/sparse.raw`, {}, controller.signal);
    const idle = async (): Promise<number> => {
      for (let waited = 0; session.channels.active > 0 && waited < 3000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      return session.channels.active;
    };
    // Read three times: whether a channel's end was still unread when its runs were done is a matter of timing.
    for (let round = 0; round < 3; round++) {
      let data = 0;
      let peak = 0;
      for await (const chunk of source.chunks(0, 8 * MIB, new ChunkMemory(), controller.signal)) {
        data += chunk.data?.length ?? 0;
        peak = Math.max(peak, session.channels.active);
      }
      expect(data, 'the chunks touching the four runs (the one at 2500 MiB spans three)').to.equal(72 * MIB);
      expect(peak, 'channels open at once while reading four runs').to.equal(1);
    }
    expect(await idle(), 'reader channels left open').to.equal(0);
    for await (const chunk of source.chunks(0, 8 * MIB, new ChunkMemory(), controller.signal)) if (chunk.data) break;
    expect(await idle(), 'the channel of a reader stopped mid-way').to.equal(0);
  });

  it('computes the digest on the source host when the plan names none, and verifies the copy against it', async () => {
    await onHost(fleet.hosts[0]!, `truncate -s 24M ${dir}/undigested.raw && dd if=/dev/urandom of=${dir}/undigested.raw bs=1M count=5 seek=3 conv=notrunc status=none`);
    const digest = await hostDigest(fleet.hosts[0]!, `${dir}/undigested.raw`);
    const result = await startTransfer({
      source: { kind: 'host', host: fleet.transferHosts[0]!, path: `${dir}/undigested.raw` },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/undigested-copy.raw` }],
      limits,
    }, fleet.deps).done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    expect(result.sha256).to.equal(digest);
    expect(await hostDigest(fleet.hosts[1]!, `${dir}/undigested-copy.raw`)).to.equal(digest);
    const missing = await startTransfer({
      source: { kind: 'host', host: fleet.transferHosts[0]!, path: `${dir}/no-such.raw` },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/no-such-copy.raw` }],
      limits,
    }, fleet.deps).done;
    expect(missing.destinations[0]).to.include({ phase: 'Failed', reason: 'SourceNotFound', attempts: 1 });
    expect(missing).to.not.have.property('sha256');
  });

  it('fails a sparse copy whose digest is wrong as DigestMismatch from the engine\'s whole-image hash, leaving no file', async () => {
    const wrong = 'cd'.repeat(32);
    const result = await startTransfer({
      source: { kind: 'host', host: fleet.transferHosts[0]!, path: `${dir}/sparse.raw` },
      destinations: [{ host: fleet.transferHosts[1]!, path: `${dir}/wrong.raw` }],
      sha256: wrong,
      limits,
    }, fleet.deps).done;
    expect(result.destinations[0]).to.include({ phase: 'Failed', reason: 'DigestMismatch', verified: false });
    expect(result.destinations[0]!.message).to.include(`expected sha256:${wrong}`).and.include(`got sha256:${await hostDigest(fleet.hosts[0]!, `${dir}/sparse.raw`)}`);
    expect((await listDir(fleet.hosts[1]!, dir)).filter((name) => name.startsWith('wrong'))).to.deep.equal([]);
  });
});
