import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { filter, firstValueFrom } from 'rxjs';
import { startTransfer, type TransferJob } from '../../../src/transfer/transfer-job.js';
import type { TransferProgress } from '../../../src/transfer/transfer-progress.js';
import { formatEntry, formatHeader, formatPartial } from '../../../src/transfer/chunk-manifest.js';
import { cachePath, stagingPaths, type TransferDestination, type TransferLimits, type TransferPlan } from '../../../src/transfer/transfer-plan.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { ImageServer } from './image-server.js';
import { hostDigest, listDir, onHost, startTransferFleet, type TransferFleet } from './transfer-fleet.js';

const MIB = 1024 * 1024;
const CHUNK = 2 * MIB;
const limits: TransferLimits = { chunkSizeBytes: CHUNK, bandwidthLimitBytesPerSecond: 0, inactivityTimeoutMs: 20_000, maxAttempts: 8 };

/** The hosts whose staged `.part` was hashed again whole (`openssl dgst` on it) in these audit records. */
function rehashedHosts(records: readonly AuditRecord[], part: string): string[] {
  return records.filter((r) => r.action === 'ssh.exec' && (r.arguments as { argv: string[] }).argv.join(' ') === `openssl dgst -sha256 -r ${part}`).map((r) => r.host ?? '');
}

function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

/** Every snapshot a job published, to check that nothing went backwards. */
function recorded(job: TransferJob): TransferProgress[] {
  const seen: TransferProgress[] = [];
  job.progress$.subscribe((progress) => seen.push(progress));
  return seen;
}

describe('[REQ-04] image transfer from an HTTP URL to container hosts', function () {
  this.timeout(180_000);
  let fleet: TransferFleet;
  const server = new ImageServer({ ranges: true });
  const image = randomBytes(24 * MIB + 12345);
  const digest = sha256(image);
  let url: string;
  let dir: string;

  const plan = (destinations: TransferDestination[], overrides: Partial<TransferPlan> = {}): TransferPlan => ({
    source: { kind: 'url', url }, destinations, sha256: digest, limits, resource: { kind: 'ImageTransfer', namespace: 'default', name: 'it' }, ...overrides,
  });
  const to = (index: number, path: string, cache = false): TransferDestination => ({ host: fleet.transferHosts[index]!, path, cache });
  /** Runs the plan with `images` breaking off its next GET at half the image, started again once the destination retries. */
  const acrossServerRestart = async (images: ImageServer, transfer: TransferPlan): Promise<TransferProgress> => {
    images.breakNextGetAfter(image.length / 2);
    const job = startTransfer(transfer, fleet.deps);
    await firstValueFrom(job.progress$.pipe(filter((p) => p.destinations[0]?.phase === 'Retrying')));
    await images.start();
    return job.done;
  };

  before(async function () {
    this.timeout(900_000);
    fleet = await startTransferFleet(2, 'vf-transfer-url');
    await server.start();
    url = server.add('/image.raw', image);
    dir = `/var/lib/virtfleet/it-${Date.now().toString(36)}`;
  });

  after(async () => {
    await server.stop();
    await fleet?.stop();
  });

  it('writes a URL to two hosts, byte-identical by openssl on each host, with progress that never goes backwards', async () => {
    const auditedBefore = fleet.auditRecords.length;
    const job = startTransfer(plan([to(0, `${dir}/a.raw`), to(1, `${dir}/b.raw`)]), fleet.deps);
    const seen = recorded(job);
    const result = await job.done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    expect(await hostDigest(fleet.hosts[0]!, `${dir}/a.raw`)).to.equal(digest);
    expect(await hostDigest(fleet.hosts[1]!, `${dir}/b.raw`)).to.equal(digest);
    expect(result.destinations.map((d) => [d.verified, d.bytesSent, d.resumedFromBytes]), JSON.stringify(seen.flatMap((p) => p.destinations.map((d) => d.message)).filter(Boolean))).to.deep.equal([[true, image.length, 0], [true, image.length, 0]]);
    expect(result.source.bytesRead).to.equal(image.length, 'the source is read once for both hosts');
    for (let at = 1; at < seen.length; at++) expect(seen[at]!.bytesTransferred).to.be.at.least(seen[at - 1]!.bytesTransferred);
    expect(await listDir(fleet.hosts[0]!, dir)).to.deep.equal(['a.raw']);
    const fileRecords = fleet.auditRecords.slice(auditedBefore).filter((r) => r.action.startsWith('file.')).map((r) => [r.host, r.action, r.outcome, r.resource?.name]);
    for (const host of fleet.hosts.map((h) => h.name)) {
      expect(fileRecords.filter((r) => r[0] === host)).to.deep.equal([
        [host, 'file.write', 'success', 'it'], [host, 'file.write', 'success', 'it'], [host, 'file.rename', 'success', 'it'],
      ]);
    }    const records = fleet.auditRecords.slice(auditedBefore);
    expect([...rehashedHosts(records, `${dir}/a.raw.part`), ...rehashedHosts(records, `${dir}/b.raw.part`)], 'verified as written: no second read').to.deep.equal([]);
  });

  it('resumes inside a chunk from its progress line, sending only the rest; a kept part unlike the source is sent again whole', async () => {
    const keptEnd = CHUNK + MIB + 4096;
    const header = { sizeBytes: image.length, chunkSizeBytes: CHUNK, sha256: digest };
    for (const corrupt of [false, true]) {
      const final = `${dir}/inside-${corrupt}.raw`;
      const { part, manifest } = stagingPaths(final);
      const kept = Buffer.from(image.subarray(0, keptEnd));
      if (corrupt) kept[CHUNK + 100] = kept[CHUNK + 100]! ^ 0xff;
      const text = formatHeader(header) + formatEntry({ index: 0, digest: sha256(image.subarray(0, CHUNK)) }) + formatPartial(1, keptEnd);
      await fleet.sessions[0]!.exec(['sh', '-c', 'mkdir -p "$2" && cat > "$1"', 'sh', part, dir], { stdin: kept, check: true });
      await fleet.sessions[0]!.exec(['sh', '-c', 'cat > "$1"', 'sh', manifest], { stdin: text, check: true });
      const result = await startTransfer(plan([to(0, final)]), fleet.deps).done;
      expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
      expect(await hostDigest(fleet.hosts[0]!, final)).to.equal(digest);
      const resumed = result.destinations[0]!;
      expect(server.gets.at(-1), 'the source is read from the chunk start: its digest covers the whole chunk').to.equal(`bytes=${CHUNK}-`);
      // A kept part unlike the source: the attempt resumed from that chunk's start after all.
      expect([resumed.resumedFromBytes, resumed.bytesSent], `corrupt=${corrupt}`).to.deep.equal(corrupt ? [CHUNK, image.length - CHUNK] : [keptEnd, image.length - keptEnd]);
    }
  });

  it('sends nothing when the same digest is already in a host cache', async () => {
    const cached = cachePath(`${dir}/cache`, digest);
    const first = await startTransfer(plan([to(0, cached, true)]), fleet.deps).done;
    expect(first.destinations[0]?.bytesSent).to.equal(image.length);
    const again = await startTransfer(plan([to(0, cached, true)]), fleet.deps).done;
    expect(again.phase).to.equal('Succeeded');
    expect(again.destinations[0]).to.include({ alreadyPresent: true, bytesSent: 0 });
    expect(again.source.bytesRead).to.equal(0);
  });

  it('fails a wrong digest as DigestMismatch with both digests, leaving nothing under the final name and no .part', async () => {
    const wrong = 'ab'.repeat(32);
    const result = await startTransfer(plan([to(1, `${dir}/wrong.raw`)], { sha256: wrong }), fleet.deps).done;
    expect(result.phase).to.equal('Failed');
    expect(result.destinations[0]).to.include({ reason: 'DigestMismatch', verified: false, attempts: 1 });
    expect(result.destinations[0]?.message).to.include(`expected sha256:${wrong}`).and.include(`got sha256:${digest}`);
    expect((await listDir(fleet.hosts[1]!, dir)).filter((name) => name.startsWith('wrong'))).to.deep.equal([]);
  });

  it('fails 404 as SourceNotFound, 403 as SourceForbidden and a scheme outside the allowlist, each at once', async () => {
    const outcomes = await Promise.all(['/missing', '/forbidden'].map((path) => startTransfer(plan([to(0, `${dir}/x.raw`)], { source: { kind: 'url', url: server.url(path) } }), fleet.deps).done));
    expect(outcomes.map((o) => [o.phase, o.destinations[0]?.reason, o.destinations[0]?.attempts])).to.deep.equal([['Failed', 'SourceNotFound', 1], ['Failed', 'SourceForbidden', 1]]);
    const ftp = await startTransfer(plan([to(0, `${dir}/x.raw`)], { source: { kind: 'url', url: 'ftp://127.0.0.1/x' } }), fleet.deps).done;
    expect(ftp.destinations[0]?.reason).to.equal('SchemeNotAllowed');
    expect(ftp.destinations[0]?.message).to.include('[https, http]');
  });

  it('resumes with a Range request after the HTTP server stopped at about half and came back', async () => {
    const result = await acrossServerRestart(server, plan([to(0, `${dir}/range.raw`)]));
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    expect(await hostDigest(fleet.hosts[0]!, `${dir}/range.raw`)).to.equal(digest);
    const resumed = result.destinations[0]!;
    expect(resumed.resumedFromBytes).to.be.greaterThan(0);
    expect(server.gets.at(-1)).to.equal(`bytes=${resumed.resumedFromBytes}-`);
    expect(result.source.rangedReads).to.equal(1);
    expect(resumed.bytesSent - image.length).to.be.at.most(CHUNK, 'at most one chunk is sent twice');
  });

  it('resumes from a server without Range support by reading from byte 0 and dropping the bytes it already has, none sent twice past one chunk', async () => {
    const plain = new ImageServer({ ranges: false });
    await plain.start();
    try {
      const plainUrl = plain.add('/image.raw', image);
      const result = await acrossServerRestart(plain, plan([to(1, `${dir}/no-range.raw`)], { source: { kind: 'url', url: plainUrl } }));
      expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
      expect(await hostDigest(fleet.hosts[1]!, `${dir}/no-range.raw`)).to.equal(digest);
      const resumed = result.destinations[0]!;
      expect(resumed.resumedFromBytes).to.be.greaterThan(0);
      expect(plain.gets.at(-1), 'the resume asked for a Range').to.equal(`bytes=${resumed.resumedFromBytes}-`);
      expect(result.source.rangedReads, 'the server answered 200 with the whole image').to.equal(0);
      expect(result.source.bytesRead, 'the last attempt read the whole image, from byte 0').to.equal(image.length);
      expect(resumed.bytesSent - image.length).to.be.at.most(CHUNK, 'the bytes before the resume offset were read and dropped, not sent');
    } finally {
      await plain.stop();
    }
  });

  it('resumes a destination whose network was cut at about half, re-sending at most one chunk (bytes counted), while the other finishes', async () => {
    const slow = { ...limits, bandwidthLimitBytesPerSecond: 6 * MIB, inactivityTimeoutMs: 8000 };
    const auditedBefore = fleet.auditRecords.length;
    const job = startTransfer(plan([to(0, `${dir}/cut0.raw`), to(1, `${dir}/cut1.raw`)], { limits: slow }), fleet.deps);
    await firstValueFrom(job.progress$.pipe(filter((p) => (p.destinations[1]?.bytesTransferred ?? 0) >= image.length / 2)));
    await fleet.hosts[1]!.cutNetwork();
    await firstValueFrom(job.progress$.pipe(filter((p) => p.destinations[1]?.phase === 'Retrying')));
    await fleet.hosts[1]!.restoreNetwork();
    const result = await job.done;
    expect(result.phase, JSON.stringify(result)).to.equal('Succeeded');
    const [healthy, cut] = result.destinations;
    expect(healthy).to.include({ attempts: 1, resumedFromBytes: 0, bytesSent: image.length });
    expect(cut!.attempts).to.be.at.least(2);
    expect(cut!.resumedFromBytes).to.be.greaterThan(0);
    // Re-sent: at most the one unacknowledged chunk (the writer never has more than a chunk of data in flight).
    expect(cut!.bytesSent - image.length).to.be.at.most(CHUNK);
    expect(await hostDigest(fleet.hosts[1]!, `${dir}/cut1.raw`)).to.equal(digest);
    const records = fleet.auditRecords.slice(auditedBefore);
    expect([rehashedHosts(records, `${dir}/cut0.raw.part`), rehashedHosts(records, `${dir}/cut1.raw.part`)], 'only the resumed file is hashed again whole').to.deep.equal([[], [fleet.hosts[1]!.name]]);
  });

  it('fails only the destination whose disk is too small, with InsufficientStorage and the sizes', async () => {
    const small = `${dir}-small`;
    await onHost(fleet.hosts[1]!, `mkdir -p ${small} && mount -t tmpfs -o size=8m tmpfs ${small}`);
    try {
      const result = await startTransfer(plan([to(0, `${dir}/full0.raw`), to(1, `${small}/full1.raw`)]), fleet.deps).done;
      expect(result.destinations.map((d) => [d.phase, d.reason])).to.deep.equal([['Succeeded', undefined], ['Failed', 'InsufficientStorage']]);
      expect(result.destinations[1]?.message).to.match(new RegExp(`has \\d+ bytes free, the image needs ${image.length}`));
      expect(await hostDigest(fleet.hosts[0]!, `${dir}/full0.raw`)).to.equal(digest);
      expect(await listDir(fleet.hosts[1]!, small)).to.deep.equal([]);
    } finally {
      await onHost(fleet.hosts[1]!, `umount ${small}`);
    }
  });

  it('keeps to a bandwidth limit (never more than 10% over it)', async () => {
    const limit = 8 * MIB;
    const job = startTransfer(plan([to(0, `${dir}/limited.raw`)], { limits: { ...limits, chunkSizeBytes: MIB, bandwidthLimitBytesPerSecond: limit } }), fleet.deps);
    let started: number | undefined;
    let lastChunkAt = 0;
    job.progress$.subscribe((p) => {
      const d = p.destinations[0]!;
      if (d.phase === 'Transferring' && started === undefined) started = performance.now();
      if (d.phase === 'Transferring' && d.bytesTransferred === image.length) lastChunkAt = performance.now();
    });
    const result = await job.done;
    expect(result.phase).to.equal('Succeeded');
    const rate = image.length / ((lastChunkAt - started!) / 1000);
    expect(rate).to.be.at.most(limit * 1.1);
  });

  it('removes the .part file and its manifest when a transfer is cancelled mid-way', async () => {
    const job = startTransfer(plan([to(0, `${dir}/cancel/a.raw`), to(1, `${dir}/cancel/b.raw`)], { limits: { ...limits, bandwidthLimitBytesPerSecond: 4 * MIB } }), fleet.deps);
    await firstValueFrom(job.progress$.pipe(filter((p) => p.bytesTransferred >= image.length / 4)));
    expect(await listDir(fleet.hosts[0]!, `${dir}/cancel`)).to.deep.equal(['a.raw.part', 'a.raw.part.manifest']);
    await job.cancel();
    expect(job.progress.destinations.map((d) => [d.phase, d.reason])).to.deep.equal([['Failed', 'Cancelled'], ['Failed', 'Cancelled']]);
    expect(await listDir(fleet.hosts[0]!, `${dir}/cancel`)).to.deep.equal([]);
    expect(await listDir(fleet.hosts[1]!, `${dir}/cancel`)).to.deep.equal([]);
    const removals = fleet.auditRecords.filter((r) => r.action === 'file.remove' && JSON.stringify(r.arguments).includes('/cancel/'));
    expect(removals.map((r) => [r.host, r.outcome])).to.have.deep.members(fleet.hosts.map((h) => [h.name, 'success']));
  });
});
