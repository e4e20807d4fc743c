import { expect } from 'chai';
import type { Host } from '../../../src/api/v1alpha1/host.js';
import { HostOperationSlots } from '../../../src/hosts/host-operation-slots.js';
import { limitedLibvirt } from '../../../src/hosts/limited-libvirt.js';
import type { LibvirtClient } from '../../../src/libvirt/libvirt-client.js';

function hostWith(name: string, maxConcurrentOperations: number | undefined): Host {
  return {
    metadata: { name },
    spec: {
      address: '192.0.2.1', user: 'root', credentialsSecretRef: { namespace: 'ns', name: 's' }, hostKeys: ['SHA256:x'],
      ...(maxConcurrentOperations === undefined ? {} : { maxConcurrentOperations }),
    },
  };
}

function cacheOf(hosts: Host[]): { get(namespace: undefined, name: string): Host | undefined } {
  return { get: (_namespace, name) => hosts.find((host) => host.metadata?.name === name) };
}

/** Operations that finish only when told to, recording how many ran at once per host. */
class Gated {
  readonly peak = new Map<string, number>();
  readonly started: string[] = [];
  private readonly running = new Map<string, number>();
  private readonly pending: Array<() => void> = [];

  op(host: string, label: string): () => Promise<string> {
    return () => new Promise<string>((resolve) => {
      this.started.push(label);
      const now = (this.running.get(host) ?? 0) + 1;
      this.running.set(host, now);
      this.peak.set(host, Math.max(this.peak.get(host) ?? 0, now));
      this.pending.push(() => {
        this.running.set(host, (this.running.get(host) ?? 1) - 1);
        resolve(label);
      });
    });
  }

  /** Finishes every running operation, until none is left (each round lets granted waiters start). */
  async drain(): Promise<void> {
    for (let round = 0; round < 100; round += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      const finish = this.pending.splice(0);
      if (finish.length === 0) return;
      for (const done of finish) done();
    }
  }
}

describe('[REQ-01][REQ-06] Host operation slots bound concurrent operations per Host by spec.maxConcurrentOperations', () => {
  const cases: Array<{ name: string; hosts: Host[]; operations: string[]; peak: Record<string, number> }> = [
    { name: 'limit 1 runs operations one at a time', hosts: [hostWith('hv1', 1)], operations: ['hv1', 'hv1', 'hv1'], peak: { hv1: 1 } },
    { name: 'limit 2 of 5 operations: never more than 2', hosts: [hostWith('hv1', 2)], operations: ['hv1', 'hv1', 'hv1', 'hv1', 'hv1'], peak: { hv1: 2 } },
    { name: 'no limit in the spec: the CRD default of 4', hosts: [hostWith('hv1', undefined)], operations: Array(9).fill('hv1') as string[], peak: { hv1: 4 } },
    { name: 'a Host not in the cache gets the default', hosts: [], operations: Array(6).fill('hvx') as string[], peak: { hvx: 4 } },
    {
      name: 'Hosts are bounded separately: one full Host does not hold up another',
      hosts: [hostWith('hv1', 1), hostWith('hv2', 3)], operations: ['hv1', 'hv1', 'hv2', 'hv2', 'hv2', 'hv2'], peak: { hv1: 1, hv2: 3 },
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const slots = new HostOperationSlots(cacheOf(testCase.hosts));
      const gated = new Gated();
      const results = testCase.operations.map((host, index) => slots.run(host, gated.op(host, `${host}#${index}`)));
      await gated.drain();
      expect(await Promise.all(results)).to.deep.equal(testCase.operations.map((host, index) => `${host}#${index}`));
      expect(Object.fromEntries(gated.peak)).to.deep.equal(testCase.peak);
      for (const host of Object.keys(testCase.peak)) expect(slots.inUse(host)).to.equal(0);
    });
  }

  it('grants waiting operations in the order they asked', async () => {
    const slots = new HostOperationSlots(cacheOf([hostWith('hv1', 1)]));
    const gated = new Gated();
    const results = ['a', 'b', 'c', 'd'].map((label) => slots.run('hv1', gated.op('hv1', label)));
    await gated.drain();
    await Promise.all(results);
    expect(gated.started).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('a waiter whose signal aborts leaves the queue with the reason and never runs', async () => {
    const slots = new HostOperationSlots(cacheOf([hostWith('hv1', 1)]));
    const gated = new Gated();
    const first = slots.run('hv1', gated.op('hv1', 'first'));
    const controller = new AbortController();
    const second = slots.run('hv1', gated.op('hv1', 'second'), controller.signal);
    const third = slots.run('hv1', gated.op('hv1', 'third'));
    controller.abort(new Error('reconcile cancelled'));
    let refused: unknown;
    await second.catch((error: unknown) => { refused = error; });
    await gated.drain();
    expect((refused as Error).message).to.equal('reconcile cancelled');
    expect(await Promise.all([first, third])).to.deep.equal(['first', 'third']);
    expect(gated.started).to.deep.equal(['first', 'third']);
  });

  it('a failing operation frees its slot', async () => {
    const slots = new HostOperationSlots(cacheOf([hostWith('hv1', 1)]));
    const failed = await slots.run('hv1', () => Promise.reject(new Error('define failed'))).catch((error: Error) => error.message);
    expect(failed).to.equal('define failed');
    expect(await slots.run('hv1', () => Promise.resolve('next'))).to.equal('next');
  });

  it('a raised limit lets the waiting operations in at the next grant', async () => {
    const host = hostWith('hv1', 1);
    const slots = new HostOperationSlots(cacheOf([host]));
    const gated = new Gated();
    const results = ['a', 'b', 'c', 'd'].map((label) => slots.run('hv1', gated.op('hv1', label)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(gated.started).to.deep.equal(['a']);
    host.spec.maxConcurrentOperations = 3;
    await gated.drain();
    await Promise.all(results);
    expect(gated.peak.get('hv1')).to.equal(3);
  });
});

describe('[REQ-01][REQ-03] limitedLibvirt takes a Host slot for state-changing calls only', () => {
  it('bounds define/create/volume calls, lets reads through while the slots are full', async () => {
    const slots = new HostOperationSlots(cacheOf([hostWith('hv1', 2)]));
    const gated = new Gated();
    const fake = {
      domains: { create: gated.op('hv1', 'create'), defineXml: gated.op('hv1', 'define'), getState: () => Promise.resolve('running') },
      storage: { createVolumeXml: gated.op('hv1', 'volume'), listVolumes: () => Promise.resolve([]) },
      lifecycleEvents: () => 'events',
    } as unknown as LibvirtClient;
    const libvirt = limitedLibvirt(fake, 'hv1', slots);
    const changes = [libvirt.domains.create({} as never), libvirt.domains.defineXml('<domain/>'), libvirt.storage.createVolumeXml({} as never, '<volume/>')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(slots.inUse('hv1')).to.equal(2);
    expect(gated.started).to.deep.equal(['create', 'define']);
    expect(await libvirt.domains.getState({} as never)).to.equal('running');
    expect(await libvirt.storage.listVolumes({} as never)).to.deep.equal([]);
    expect(libvirt.lifecycleEvents()).to.equal('events');
    await gated.drain();
    await Promise.all(changes);
    expect(gated.peak.get('hv1')).to.equal(2);
    expect(gated.started).to.deep.equal(['create', 'define', 'volume']);
  });
});
