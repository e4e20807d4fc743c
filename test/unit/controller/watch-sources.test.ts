import { expect } from 'chai';
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { Subject, type Observable } from 'rxjs';
import type { InformerEvent } from '../../../src/controller/informer.js';
import type { ReconcileRequest } from '../../../src/controller/reconciler.js';
import { SourceFailure, watchMapped, watchOwnKind, type OwnKindWatchOptions } from '../../../src/controller/watch-sources.js';

type Watched = KubernetesObject & { spec?: { memory: string }; status?: { phase: string }; data?: Record<string, string> };

/** A Host-like object as the API server stores it: generation, labels, annotations, finalizers, an owner. */
const stored: Watched = {
  metadata: {
    name: 'h1',
    resourceVersion: '10',
    generation: 3,
    labels: { zone: 'a', rack: '1' },
    annotations: { note: 'x' },
    finalizers: ['virtfleet.io/host-cleanup'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u1' }],
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  },
  spec: { memory: '1Gi' },
  status: { phase: 'Ready' },
};

/** `stored` as written again: a new resourceVersion plus the given metadata and body changes. */
function rewritten(metadata: Partial<V1ObjectMeta>, body: Partial<Watched> = {}, base: Watched = stored): Watched {
  return { ...base, ...body, metadata: { ...base.metadata, resourceVersion: '11', ...metadata } };
}

/** The requests a source emits for the given informer events. */
function requestsFor(events: Array<InformerEvent<Watched>>, watch: (source: { events: () => Subject<InformerEvent<Watched>> }) => Observable<ReconcileRequest | SourceFailure>): Array<ReconcileRequest | SourceFailure> {
  const subject = new Subject<InformerEvent<Watched>>();
  const requests: Array<ReconcileRequest | SourceFailure> = [];
  watch({ events: () => subject }).subscribe((request) => requests.push(request));
  for (const event of events) subject.next(event);
  return requests;
}

const ownKindRequests = (events: Array<InformerEvent<Watched>>, options?: OwnKindWatchOptions): Array<ReconcileRequest | SourceFailure> =>
  requestsFor(events, (source) => watchOwnKind(source, options));

const updated = (object: Watched, oldObject: Watched = stored): InformerEvent<Watched> => ({ type: 'updated', object, oldObject });

const statusOnly = rewritten({ managedFields: [{ manager: 'virtfleet', operation: 'Update', subresource: 'status' }] }, { status: { phase: 'NotReady' } });
const withoutGeneration: Watched = { metadata: { name: 'h1', resourceVersion: '10' }, data: { key: 'old' } };

describe('[REQ-01][REQ-06] watchOwnKind skips status-only updates of the own kind', () => {
  const cases: Array<{ name: string; event: InformerEvent<Watched>; reconciles: boolean }> = [
    { name: 'a status-only update (status, resourceVersion and managedFields moved)', event: updated(statusOnly), reconciles: false },
    { name: 'an update that changed nothing but the order of label keys', event: updated(rewritten({ labels: { rack: '1', zone: 'a' } })), reconciles: false },
    { name: 'a spec change, which bumps the generation', event: updated(rewritten({ generation: 4 }, { spec: { memory: '2Gi' } })), reconciles: true },
    { name: 'a label change', event: updated(rewritten({ labels: { zone: 'b', rack: '1' } })), reconciles: true },
    { name: 'a removed label', event: updated(rewritten({ labels: { zone: 'a' } })), reconciles: true },
    { name: 'an annotation change', event: updated(rewritten({ annotations: { note: 'y' } })), reconciles: true },
    { name: 'a finalizer change', event: updated(rewritten({ finalizers: [] })), reconciles: true },
    { name: 'a deletionTimestamp being set', event: updated(rewritten({ deletionTimestamp: new Date('2025-01-01T00:00:00Z') })), reconciles: true },
    { name: 'an ownerReferences change', event: updated(rewritten({ ownerReferences: [] })), reconciles: true },
    { name: 'an update of an object without generation', event: updated({ ...withoutGeneration, metadata: { ...withoutGeneration.metadata, resourceVersion: '11' }, data: { key: 'new' } }, withoutGeneration), reconciles: true },
    { name: 'an update whose new version lacks a generation', event: updated(rewritten({ generation: undefined })), reconciles: true },
    { name: 'an add', event: { type: 'added', object: stored }, reconciles: true },
    { name: 'a delete', event: { type: 'deleted', object: stored }, reconciles: true },
    { name: 'a resync of an unchanged object', event: { type: 'resync', object: stored }, reconciles: true },
  ];
  for (const { name, event, reconciles } of cases) {
    it(`${reconciles ? 'requests' : 'skips'} a reconcile for ${name}`, () => {
      expect(ownKindRequests([event])).to.deep.equal(reconciles ? [{ name: 'h1' }] : []);
    });
  }

  it('requests a reconcile for every event, status-only updates included, when the controller opts out', () => {
    const events = cases.map((c) => c.event);
    expect(ownKindRequests(events, { includeStatusOnlyUpdates: true })).to.have.length(events.length);
  });

  it('names the namespace of a namespaced object in the request', () => {
    const vm = rewritten({ namespace: 'vms', generation: 4 });
    expect(ownKindRequests([updated(vm, { ...stored, metadata: { ...stored.metadata, namespace: 'vms' } })])).to.deep.equal([{ namespace: 'vms', name: 'h1' }]);
  });
});

describe('[REQ-01] watchMapped maps every event of another kind, unfiltered', () => {
  const secret: Watched = { metadata: { namespace: 'creds', name: 'h1-ssh', resourceVersion: '5' }, data: { 'ssh-privatekey': 'a2V5LTE=' } };
  const toHosts = (object: Watched): ReconcileRequest[] => (object.metadata?.name === 'h1-ssh' ? [{ name: 'h1' }, { name: 'h2' }] : []);

  it('requests the mapped reconciles when a Secret (no generation) changes its data', () => {
    const changed: Watched = { ...secret, metadata: { ...secret.metadata, resourceVersion: '6' }, data: { 'ssh-privatekey': 'a2V5LTI=' } };
    expect(requestsFor([updated(changed, secret)], (source) => watchMapped(source, toHosts))).to.deep.equal([{ name: 'h1' }, { name: 'h2' }]);
  });

  it('requests the mapped reconciles even for an update that only moved status of an object with a generation', () => {
    expect(requestsFor([updated(statusOnly)], (source) => watchMapped(source, () => [{ name: 'vm-on-h1', namespace: 'vms' }]))).to.deep.equal([{ name: 'vm-on-h1', namespace: 'vms' }]);
  });

  it('turns a mapper that throws into a SourceFailure for that event and maps the next event as usual', () => {
    const broken: Watched = { ...secret, metadata: { ...secret.metadata, name: 'broken', resourceVersion: '7' } };
    const mapper = (object: Watched): ReconcileRequest[] => {
      if (object.metadata?.name === 'broken') throw new Error('mapper bug');
      return toHosts(object);
    };
    const items = requestsFor([updated(broken, secret), updated(secret, broken)], (source) => watchMapped({ ...source, name: 'secrets' }, mapper));
    expect(items).to.have.length(3);
    const [failure, ...requests] = items;
    expect(failure).to.be.instanceOf(SourceFailure);
    expect(failure).to.deep.include({ source: 'mapped:secrets', objectKey: 'creds/broken' });
    expect(requests).to.deep.equal([{ name: 'h1' }, { name: 'h2' }]);
  });
});
