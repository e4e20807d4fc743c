import { expect } from 'chai';
import type { ImageTransfer } from '../../../../src/api/v1alpha1/image-transfer.js';
import { FINALIZERS } from '../../../../src/api/v1alpha1/finalizers.js';
import type { TransferConfig } from '../../../../src/config/types.js';
import { findCondition } from '../../../../src/controller/conditions.js';
import { silentLogger } from '../../../../src/controller/runtime-logger.js';
import { ImageTransferReconciler } from '../../../../src/controllers/image-transfer/image-transfer-reconciler.js';
import { TransferJobs } from '../../../../src/controllers/image-transfer/transfer-jobs.js';
import { HostTransferSlots } from '../../../../src/hosts/host-transfer-slots.js';
import type { AuditSink } from '../../../../src/security/audit-log.js';
import type { AuditEntryInput } from '../../../../src/security/audit-record.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { DIGEST_HEX, FakeJob, transferConfig, FakeTransferHosts, hostObject, InMemoryTransfers, RecordingEvents, transferObject } from './transfer-test-doubles.js';

const MIB = 2 ** 20;

function harness(objects: ImageTransfer[], options: { hosts?: string[]; concurrency?: TransferConfig['concurrency'] } = {}) {
  const transfers = new InMemoryTransfers();
  for (const object of objects) transfers.put(object);
  const hosts = (options.hosts ?? ['hv1', 'hv2']).map((name) => hostObject(name));
  const clock = new FakeClock();
  const jobs = new TransferJobs(clock);
  const slots = new HostTransferSlots(options.concurrency ?? transferConfig.concurrency);
  const started: FakeJob[] = [];
  const access = new FakeTransferHosts();
  const events = new RecordingEvents();
  const audits: AuditEntryInput[] = [];
  const audit = { record: (entry: AuditEntryInput) => { audits.push(entry); return entry; } } as unknown as AuditSink;
  const reconciler = new ImageTransferReconciler({
    transfers, hosts: { get: (_ns, name) => hosts.find((h) => h.metadata?.name === name), list: () => hosts }, access,
    readSecret: async () => undefined, jobs, slots, events, audit, clock, commandTimeoutMs: 1000,
    config: { ...transferConfig, ...(options.concurrency ? { concurrency: options.concurrency } : {}) },
    startTransfer: (plan) => {
      const job = new FakeJob(plan);
      started.push(job);
      return job;
    },
  });
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const reconcile = async (name = objects[0]?.metadata?.name ?? ''): Promise<unknown> => reconciler.reconcile({ namespace: 'apps', name }, ctx).catch((error: unknown) => error);
  const status = (name = objects[0]?.metadata?.name ?? '') => transfers.stored(name)?.status;
  /** Reconciles and returns the API writes it made. */
  const pass = async (name?: string): Promise<string[]> => {
    const before = transfers.mutations.length;
    await reconcile(name);
    return transfers.mutations.slice(before);
  };
  return { transfers, clock, jobs, slots, started, access, events, audits, reconcile, status, pass };
}

const condition = (status: ImageTransfer['status'], type: string) => findCondition(status?.conditions, type);

describe('[REQ-01][REQ-04] ImageTransfer reconciler: plan, start, report, and a second pass writes nothing', () => {
  it('starts one job to both Hosts\' caches, records the paths, and a second pass starts nothing and writes nothing', async () => {
    const h = harness([transferObject('img')]);
    expect(await h.pass()).to.deep.equal(['patch img', 'status img']);
    expect(h.started).to.have.length(1);
    expect(h.started[0]?.plan.destinations.map((d) => [d.host.name, d.path, d.cache])).to.deep.equal([
      ['hv1', `/cache/sha256-${DIGEST_HEX}`, true], ['hv2', `/cache/sha256-${DIGEST_HEX}`, true],
    ]);
    expect(h.transfers.stored('img')?.metadata?.finalizers).to.deep.equal([FINALIZERS.imageTransferCleanup]);
    expect(h.status()).to.include({ phase: 'Pending', progress: '0%' });
    expect(h.status()?.destinations?.map((d) => d.path)).to.deep.equal([`/cache/sha256-${DIGEST_HEX}`, `/cache/sha256-${DIGEST_HEX}`]);
    await h.clock.advance(5000);
    expect(await h.pass()).to.deep.equal([]);
    expect(h.started).to.have.length(1);
  });

  it('writes progress at most once per second, never backwards, with rate and eta', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    const job = h.started[0]!;
    await h.clock.advance(1000);
    job.update(100 * MIB, () => ({ phase: 'Transferring', bytesTransferred: 10 * MIB, bytesSent: 10 * MIB, attempts: 1 }));
    expect(await h.pass()).to.deep.equal(['status img']);
    await h.clock.advance(500);
    job.update(100 * MIB, () => ({ bytesTransferred: 20 * MIB, bytesSent: 20 * MIB }));
    expect(await h.pass(), 'within a second of the last write').to.deep.equal([]);
    await h.clock.advance(500);
    expect(await h.pass()).to.deep.equal(['status img']);
    expect(h.status()).to.include({ phase: 'Transferring', bytesTotal: 100 * MIB, bytesTransferred: 20 * MIB, progress: '20%' });
    expect(h.status()?.rate).to.match(/^\d+(\.\d)?MiB\/s$/);
    expect(h.status()?.eta).to.match(/^(\d+m)?\d+s$/);
    expect(condition(h.status(), 'Progressing')).to.include({ status: 'True', reason: 'Transferring' });
    await h.clock.advance(1000);
    expect(await h.pass(), 'unchanged progress').to.deep.equal([]);
  });

  it('Succeeded: Complete and Verified True, completion time, the job forgotten, and nothing more is done', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    h.started[0]!.update(MIB, () => ({ phase: 'Succeeded', bytesTransferred: MIB, bytesSent: MIB, attempts: 1, verified: true }));
    await h.reconcile();
    const status = h.status();
    expect(status).to.include({ phase: 'Succeeded', progress: '100%' });
    expect(status?.completionTime).to.be.a('string');
    expect(status?.rate).to.equal(undefined);
    expect(condition(status, 'Complete')).to.include({ status: 'True', reason: 'Succeeded' });
    expect(condition(status, 'Verified')).to.include({ status: 'True', reason: 'DigestVerified' });
    expect(h.jobs.get('apps/img')).to.equal(undefined);
    expect(h.events.events).to.include.members(['Normal Succeeded', 'Normal DigestVerified']);
    expect(await h.pass()).to.deep.equal([]);
    expect(h.started).to.have.length(1);
  });

  it('a digest mismatch is Failed with Verified=False, a Warning, and no new attempt afterwards', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    h.started[0]!.update(MIB, (d) => (d.host === 'hv1'
      ? { phase: 'Failed', attempts: 1, reason: 'DigestMismatch', message: `hv1: digest mismatch: expected sha256:${DIGEST_HEX}, got sha256:00` }
      : { phase: 'Succeeded', attempts: 1, verified: true, bytesTransferred: MIB }));
    await h.reconcile();
    const status = h.status();
    expect(status?.phase).to.equal('Failed');
    expect(condition(status, 'Verified')).to.include({ status: 'False', reason: 'DigestMismatch' });
    expect(condition(status, 'Verified')?.message).to.contain(`expected sha256:${DIGEST_HEX}`);
    expect(condition(status, 'Complete')).to.include({ status: 'False', reason: 'DigestMismatch' });
    expect(status?.destinations?.map((d) => [d.host, d.phase, d.reason])).to.deep.equal([['hv1', 'Failed', 'DigestMismatch'], ['hv2', 'Succeeded', undefined]]);
    expect(h.events.events).to.include('Warning DigestMismatch');
    await h.clock.advance(60_000);
    expect(await h.pass()).to.deep.equal([]);
    expect(h.started).to.have.length(1);
  });

  it('a stalled destination sets Stalled=True (InactivityTimeout); moving again clears it', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    const job = h.started[0]!;
    job.update(MIB, (d) => (d.host === 'hv1' ? { phase: 'Retrying', attempts: 1, reason: 'Stalled', message: 'hv1: no progress for 120000 ms' } : { phase: 'Transferring', attempts: 1 }));
    await h.clock.advance(1000);
    await h.reconcile();
    expect(condition(h.status(), 'Stalled')).to.include({ status: 'True', reason: 'InactivityTimeout' });
    expect(h.status()?.destinations?.[0]).to.include({ phase: 'Transferring', reason: 'Stalled' });
    expect(h.events.events).to.include('Warning InactivityTimeout');
    job.update(MIB, () => ({ phase: 'Transferring', attempts: 2, resumedFromBytes: 4096 }));
    await h.clock.advance(1000);
    await h.reconcile();
    expect(condition(h.status(), 'Stalled')).to.include({ status: 'False' });
    expect(condition(h.status(), 'Progressing')).to.include({ status: 'True', reason: 'Resumed' });
  });

  it('a destination Host that does not exist is named in Progressing, nothing starts, and the second pass writes nothing', async () => {
    const h = harness([transferObject('img', { destinations: [{ host: 'hv1' }, { host: 'ghost' }] })]);
    await h.reconcile();
    expect(h.status()?.phase).to.equal('Pending');
    expect(condition(h.status(), 'Progressing')).to.include({ status: 'False', reason: 'HostNotFound', message: 'destination Host ghost does not exist' });
    expect(h.started).to.have.length(0);
    expect(h.events.events).to.deep.equal(['Warning HostNotFound']);
    expect(await h.pass()).to.deep.equal([]);
  });

  for (const [title, spec, reason, fragment] of [
    ['a URL scheme outside allowedUrlSchemes', { source: { url: { url: 'file:///etc/passwd' } } }, 'SchemeNotAllowed', 'allowedUrlSchemes is [https, http]'],
    ['a host source without a digest into the image cache', { source: { host: { name: 'hv1', path: '/a.raw' } }, digest: undefined }, 'InvalidSpec', 'spec.destinations[0]'],
    ['a format conversion into the image cache', { format: 'qcow2' }, 'InvalidSpec', 'spec.format'],
  ] as const) {
    it(`refuses ${title}: Failed with ${reason}, no job, no retry`, async () => {
      const h = harness([transferObject('img', spec as Partial<ImageTransfer['spec']>)]);
      await h.reconcile();
      expect(h.status()?.phase).to.equal('Failed');
      expect(condition(h.status(), 'Complete')).to.include({ status: 'False', reason });
      expect(condition(h.status(), 'Complete')?.message).to.contain(fragment);
      expect(h.started).to.have.length(0);
      expect(h.events.events).to.include(`Warning ${reason}`);
      expect(await h.pass()).to.deep.equal([]);
    });
  }

  it('after a restart (status Transferring, no job here) starts a job again and keeps counts from before', async () => {
    const previous = transferObject('img');
    previous.metadata!.finalizers = [FINALIZERS.imageTransferCleanup];
    previous.status = {
      phase: 'Transferring', bytesTotal: 100 * MIB, bytesTransferred: 40 * MIB, progress: '40%', startTime: '2025-01-01T00:00:00Z',
      destinations: ['hv1', 'hv2'].map((host) => ({ host, phase: 'Transferring' as const, bytesTransferred: 40 * MIB, bytesSent: 40 * MIB, attempts: 1, resumedFromBytes: 0, verified: false, path: `/cache/sha256-${DIGEST_HEX}` })),
    };
    const h = harness([previous]);
    await h.reconcile();
    expect(h.started).to.have.length(1);
    expect(h.status()).to.include({ bytesTransferred: 40 * MIB, progress: '40%' });
    h.started[0]!.update(100 * MIB, () => ({ phase: 'Transferring', attempts: 1, resumedFromBytes: 40 * MIB, bytesTransferred: 40 * MIB, bytesSent: 8 * MIB }));
    await h.clock.advance(1000);
    await h.reconcile();
    expect(h.status()?.destinations?.map((d) => [d.attempts, d.resumedFromBytes, d.bytesSent])).to.deep.equal([[2, 40 * MIB, 48 * MIB], [2, 40 * MIB, 48 * MIB]]);
    expect(h.status()?.startTime).to.equal('2025-01-01T00:00:00Z');
  });

  it('deleting cancels the job and removes .part and manifest of unverified destinations only, then the finalizer', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    const job = h.started[0]!;
    job.update(MIB, (d) => (d.host === 'hv2' ? { phase: 'Succeeded', verified: true, attempts: 1 } : { phase: 'Transferring', attempts: 1 }));
    await h.clock.advance(1000);
    await h.reconcile();
    h.transfers.markDeleted('img');
    await h.reconcile();
    expect(job.cancelled).to.equal(true);
    const part = `/cache/sha256-${DIGEST_HEX}.part`;
    expect(h.access.commands).to.deep.equal([`hv1: rm -f -- ${part} ${part}.manifest`]);
    expect(h.audits.map((a) => [a.host, a.action, a.outcome])).to.deep.equal([['hv1', 'file.remove', 'success']]);
    expect(h.transfers.stored('img')).to.equal(undefined);
    expect(h.events.events).to.include.members(['Normal FileRemoved', 'Normal Deleted']);
  });

  it('a Host that cannot be reached keeps the finalizer (retried); the force-delete annotation releases it', async () => {
    const h = harness([transferObject('img')]);
    await h.reconcile();
    h.access.unreachable.add('hv1');
    h.transfers.markDeleted('img');
    expect(await h.reconcile()).to.be.instanceOf(Error);
    expect(h.transfers.stored('img')?.metadata?.finalizers).to.deep.equal([FINALIZERS.imageTransferCleanup]);
    expect(h.events.events).to.include('Warning DeleteFailed');
    expect(condition(h.status(), 'Progressing')).to.include({ status: 'False', reason: 'DeleteFailed' });
    const forced = h.transfers.stored('img')!;
    forced.metadata!.annotations = { 'virtfleet.io/force-delete': 'true' };
    h.transfers.put(forced);
    h.transfers.markDeleted('img');
    await h.reconcile();
    expect(h.transfers.stored('img')).to.equal(undefined);
  });

  it('per-host concurrency: a second transfer to a busy Host waits (WaitingForSlot) and starts once the first is done', async () => {
    const first = transferObject('one', { destinations: [{ host: 'hv1', path: '/images/one.raw' }] });
    const second = transferObject('two', { destinations: [{ host: 'hv1', path: '/images/two.raw' }] });
    const h = harness([first, second], { concurrency: { perHost: 1, global: 8 } });
    await h.reconcile('one');
    await h.reconcile('two');
    expect(h.started).to.have.length(1);
    expect(condition(h.status('two'), 'Progressing')).to.include({ status: 'False', reason: 'WaitingForSlot' });
    expect(condition(h.status('two'), 'Progressing')?.message).to.contain('concurrency.perHost is 1');
    const woken: string[] = [];
    h.slots.released().subscribe((key) => woken.push(key));
    h.started[0]!.update(MIB, () => ({ phase: 'Succeeded', verified: true, attempts: 1, bytesTransferred: MIB }));
    await h.reconcile('one');
    expect(woken).to.deep.equal(['apps/two']);
    await h.reconcile('two');
    expect(h.started.map((job) => job.plan.destinations[0]?.path)).to.deep.equal(['/images/one.raw', '/images/two.raw']);
  });
});
