import { expect } from 'chai';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { Informer, type InformerEvent, type InformerOptions } from '../../../src/controller/informer.js';
import type { ListScope } from '../../../src/controller/list-watch-loop.js';
import { noopMetrics } from '../../../src/controller/metrics-sink.js';
import type { ResourceKind } from '../../../src/controller/resource-kind.js';
import { silentLogger } from '../../../src/controller/runtime-logger.js';
import { FakeClock, flushMicrotasks } from '../../support/fake-clock.js';

interface OpenWatch {
  path: string;
  resourceVersion: unknown;
  fieldSelector: unknown;
  send(phase: string, object: object): void;
  close(error?: unknown): void;
}

const VMS: ResourceKind = { group: 'virtfleet.io', version: 'v1alpha1', plural: 'virtualmachines', kind: 'VirtualMachine', namespaced: true };

const obj = (name: string, resourceVersion: string, namespace = 'ns'): KubernetesObject => ({ metadata: { namespace, name, resourceVersion } });

/**
 * A scripted list + watch: the test decides what the server holds (a list answers with the objects of the
 * requested namespace) and when a watch delivers, fails or closes.
 */
function scriptedServer() {
  const watches: OpenWatch[] = [];
  const scopes: ListScope[] = [];
  let items: KubernetesObject[] = [];
  let resourceVersion = '1';
  let listFailures = 0;
  return {
    watches,
    scopes,
    get lists() { return scopes.length; },
    setList(listed: KubernetesObject[], version: string) { items = listed; resourceVersion = version; },
    failNextLists(n: number) { listFailures = n; },
    list: async (scope: ListScope): Promise<KubernetesListObject<KubernetesObject>> => {
      scopes.push(scope);
      if (listFailures > 0) {
        listFailures -= 1;
        throw new Error('connect ECONNREFUSED');
      }
      const inScope = items.filter((item) => scope.namespace === undefined || item.metadata?.namespace === scope.namespace);
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion }, items: inScope };
    },
    watch: {
      watch: async (path: string, params: Record<string, unknown>, onEvent: (phase: string, o: KubernetesObject) => void, onDone: (e: unknown) => void) => {
        watches.push({
          path,
          resourceVersion: params.resourceVersion,
          fieldSelector: params.fieldSelector,
          send: (phase, o) => onEvent(phase, o as KubernetesObject),
          close: (e) => onDone(e ?? null),
        });
        return new AbortController();
      },
    },
  };
}

function newInformer(server: ReturnType<typeof scriptedServer>, clock: FakeClock, resyncPeriodMs = 0, selection: Pick<InformerOptions<KubernetesObject>, 'namespaces' | 'fieldSelector'> & { resource?: ResourceKind } = {}) {
  let restarts = 0;
  const events: Array<[InformerEvent<KubernetesObject>['type'], string]> = [];
  const informer = new Informer<KubernetesObject>({
    resource: VMS,
    ...selection,
    list: server.list,
    watch: server.watch,
    resyncPeriodMs,
    restartBackoff: { baseDelayMs: 100, maxDelayMs: 400 },
    clock,
    logger: silentLogger,
    metrics: { ...noopMetrics, incInformerRestarts: () => { restarts += 1; } },
  });
  informer.events().subscribe((e) => events.push([e.type, e.object.metadata?.name ?? '']));
  return { informer, events, restarts: () => restarts };
}

describe('[REQ-01] Informer restart and relist logic (scripted list/watch, fake clock)', () => {
  it('lists, then watches from the list resourceVersion and applies watch events to the cache', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('a', '5')], '7');
    const { informer, events } = newInformer(server, clock);
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    expect(server.watches[0]?.resourceVersion).to.equal('7');
    server.watches[0]?.send('MODIFIED', obj('a', '8'));
    server.watches[0]?.send('ADDED', obj('b', '9'));
    server.watches[0]?.send('DELETED', obj('a', '10'));
    expect(events).to.deep.equal([['added', 'a'], ['updated', 'a'], ['added', 'b'], ['deleted', 'a']]);
    expect(informer.store.list().map((o) => o.metadata?.name)).to.deep.equal(['b']);
    await informer.stop();
  });

  it('delivers an update with the version it replaced, from a watch event and from a relist', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('a', '1')], '1');
    const { informer } = newInformer(server, clock);
    const replaced: string[] = [];
    informer.events().subscribe((e) => {
      if (e.type === 'updated') replaced.push(`${e.oldObject.metadata?.resourceVersion}->${e.object.metadata?.resourceVersion}`);
    });
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    server.watches[0]?.send('MODIFIED', obj('a', '2'));
    server.setList([obj('a', '3')], '3');
    server.watches[0]?.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await flushMicrotasks();
    expect(replaced).to.deep.equal(['1->2', '2->3']);
    await informer.stop();
  });

  it('restarts a closed watch from the last resourceVersion after backoff, without relisting', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    const { informer, restarts } = newInformer(server, clock);
    informer.start();
    await flushMicrotasks();
    server.watches[0]?.send('ADDED', obj('a', '12'));
    server.watches[0]?.close();
    await clock.advance(99);
    expect(server.watches).to.have.length(1);
    await clock.advance(1);
    expect(server.watches[1]?.resourceVersion).to.equal('12');
    expect(server.lists).to.equal(1);
    expect(restarts()).to.equal(1);
    await informer.stop();
  });

  it('backs off exponentially while the server is down, up to the cap', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    const { informer, restarts } = newInformer(server, clock);
    server.failNextLists(4);
    informer.start();
    const listTimes: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 2000 && server.lists < 5; i++) {
      const before = server.lists;
      await clock.advance(1);
      if (server.lists > before) listTimes.push(clock.now() - start);
    }
    expect(listTimes).to.deep.equal([100, 300, 700, 1100]);
    expect(restarts()).to.equal(4);
    await informer.synced;
    await informer.stop();
  });

  it('relists at once on a 410 ERROR event and delivers what changed meanwhile, deletions included', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('a', '1'), obj('b', '1')], '2');
    const { informer, events } = newInformer(server, clock);
    informer.start();
    await flushMicrotasks();
    server.setList([obj('b', '6'), obj('c', '5')], '9');
    server.watches[0]?.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await flushMicrotasks();
    expect(server.lists).to.equal(2);
    expect(events.slice(2)).to.deep.equal([['deleted', 'a'], ['updated', 'b'], ['added', 'c']]);
    expect(server.watches[1]?.resourceVersion).to.equal('9');
    await informer.stop();
  });

  it('relists when the watch request itself is answered 410', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    const { informer } = newInformer(server, clock);
    informer.start();
    await flushMicrotasks();
    server.watches[0]?.close(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await flushMicrotasks();
    expect(server.lists).to.equal(2);
    await informer.stop();
  });

  it('re-delivers every cached object each resync period', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('a', '1')], '1');
    const { informer, events } = newInformer(server, clock, 60_000);
    informer.start();
    await clock.advance(120_000);
    expect(events).to.deep.equal([['added', 'a'], ['resync', 'a'], ['resync', 'a']]);
    await informer.stop();
  });

  it('replays the cache to a late subscriber', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('a', '1'), obj('b', '1')], '1');
    const { informer } = newInformer(server, clock);
    informer.start();
    await informer.synced;
    const late: string[] = [];
    informer.events().subscribe((e) => late.push(`${e.type} ${e.object.metadata?.name}`));
    expect(late).to.deep.equal(['added a', 'added b']);
    await informer.stop();
  });
});

describe('[REQ-01] Informer limited to namespaces and a field selector (scripted list/watch, fake clock)', () => {
  const names = (informer: Informer<KubernetesObject>): string[] => informer.store.list().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();

  it('lists and watches each namespace on its own, with the field selector, into one cache', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('x', '1', 'team-a'), obj('y', '1', 'team-b'), obj('z', '1', 'elsewhere')], '3');
    const { informer } = newInformer(server, clock, 0, { namespaces: ['team-a', 'team-b'], fieldSelector: 'type=kubernetes.io/ssh-auth' });
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    expect(server.scopes).to.deep.equal([
      { namespace: 'team-a', fieldSelector: 'type=kubernetes.io/ssh-auth' },
      { namespace: 'team-b', fieldSelector: 'type=kubernetes.io/ssh-auth' },
    ]);
    expect(server.watches.map((w) => [w.path, w.fieldSelector, w.resourceVersion])).to.deep.equal([
      ['/apis/virtfleet.io/v1alpha1/namespaces/team-a/virtualmachines', 'type=kubernetes.io/ssh-auth', '3'],
      ['/apis/virtfleet.io/v1alpha1/namespaces/team-b/virtualmachines', 'type=kubernetes.io/ssh-auth', '3'],
    ]);
    expect(names(informer)).to.deep.equal(['team-a/x', 'team-b/y']);
    server.watches[1]?.send('ADDED', obj('w', '4', 'team-b'));
    expect(names(informer)).to.deep.equal(['team-a/x', 'team-b/w', 'team-b/y']);
    await informer.stop();
  });

  it('relists only the namespace whose watch expired, leaving the cached objects of the others alone', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.setList([obj('x', '1', 'team-a'), obj('y', '1', 'team-b')], '2');
    const { informer, events } = newInformer(server, clock, 0, { namespaces: ['team-a', 'team-b'] });
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    server.setList([obj('x2', '5', 'team-a')], '6');
    server.watches[0]?.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await flushMicrotasks();
    expect(server.scopes.slice(2)).to.deep.equal([{ namespace: 'team-a' }]);
    expect(events.slice(2)).to.deep.equal([['deleted', 'x'], ['added', 'x2']]);
    expect(names(informer)).to.deep.equal(['team-a/x2', 'team-b/y']);
    expect(server.watches[2]?.path).to.equal('/apis/virtfleet.io/v1alpha1/namespaces/team-a/virtualmachines');
    await informer.stop();
  });

  it('is synced only once every namespace has been listed', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    server.failNextLists(1);
    const { informer, restarts } = newInformer(server, clock, 0, { namespaces: ['team-a', 'team-b'] });
    let synced = false;
    void informer.synced.then(() => { synced = true; });
    informer.start();
    await flushMicrotasks();
    expect(server.lists).to.equal(2);
    expect(synced).to.equal(false);
    await clock.advance(100);
    await flushMicrotasks();
    expect(server.scopes.map((scope) => scope.namespace)).to.deep.equal(['team-a', 'team-b', 'team-a']);
    expect(synced).to.equal(true);
    expect(restarts()).to.equal(1);
    await informer.stop();
  });

  it('watches a cluster-scoped kind whole, whatever namespaces it is given', async () => {
    const clock = new FakeClock();
    const server = scriptedServer();
    const hosts: ResourceKind = { group: 'virtfleet.io', version: 'v1alpha1', plural: 'hosts', kind: 'Host', namespaced: false };
    const { informer } = newInformer(server, clock, 0, { resource: hosts, namespaces: ['team-a', 'team-b'] });
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    expect(server.scopes).to.deep.equal([{}]);
    expect(server.watches.map((w) => w.path)).to.deep.equal(['/apis/virtfleet.io/v1alpha1/hosts']);
    await informer.stop();
  });
});
