/** [REQ-01] Test API server: list and watch semantics (resourceVersion, selectors, bookmarks, timeouts, 410 Expired). */
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { api, WatchStream } from './https-client.js';
import { writeWidgetCrdDir } from './widget-crd.js';

const WIDGETS = '/apis/test.virtfleet.io/v1alpha1/namespaces/default/widgets';
const EVENTS = '/api/v1/namespaces/default/events';

function widget(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'test.virtfleet.io/v1alpha1', kind: 'Widget', metadata: { name, labels }, spec: { size: 's' } };
}

describe('[REQ-01] test API server list and watch', () => {
  let server: TestApiServer;
  const streams: WatchStream[] = [];
  const watch = async (path: string): Promise<WatchStream> => {
    const stream = await WatchStream.open(server, path);
    streams.push(stream);
    return stream;
  };
  beforeEach(async () => {
    server = await startTestApiServer({ crdDir: await writeWidgetCrdDir(), watchCloseAfterMs: 1500, bookmarkIntervalMs: 200 });
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await server.stop();
  });

  it('returns the list resourceVersion and streams MODIFIED and DELETED events after it', async () => {
    await api(server, 'POST', WIDGETS, { body: widget('a') });
    const list = await api(server, 'GET', WIDGETS);
    expect((list.body.items as unknown[]).length).to.equal(1);
    const stream = await watch(`${WIDGETS}?watch=true&resourceVersion=${list.body.metadata!.resourceVersion}`);
    await api(server, 'PATCH', `${WIDGETS}/a`, { body: { spec: { port: 99 } }, contentType: 'application/merge-patch+json' });
    await api(server, 'DELETE', `${WIDGETS}/a`);
    expect((await stream.next())?.type).to.equal('MODIFIED');
    const deleted = await stream.next();
    expect(deleted?.type).to.equal('DELETED');
    expect(deleted?.object.metadata?.name).to.equal('a');
  });

  it('replays history from an older resourceVersion and sends synthetic ADDED events for resourceVersion=0', async () => {
    const first = await api(server, 'POST', WIDGETS, { body: widget('h1') });
    await api(server, 'POST', WIDGETS, { body: widget('h2') });
    const replay = await watch(`${WIDGETS}?watch=1&resourceVersion=${first.body.metadata!.resourceVersion}`);
    const replayed = await replay.next();
    expect([replayed?.type, replayed?.object.metadata?.name]).to.deep.equal(['ADDED', 'h2']);
    const fromZero = await watch(`${WIDGETS}?watch=1&resourceVersion=0`);
    const names = [(await fromZero.next())?.object.metadata?.name, (await fromZero.next())?.object.metadata?.name];
    expect(names).to.deep.equal(['h1', 'h2']);
  });

  it('filters by label selector (=, !=, in, notin, exists) and by field selector, turning label changes into ADDED/DELETED', async () => {
    await api(server, 'POST', WIDGETS, { body: widget('l1', { tier: 'web', zone: 'a' }) });
    await api(server, 'POST', WIDGETS, { body: widget('l2', { tier: 'db' }) });
    await api(server, 'POST', WIDGETS, { body: widget('l3', {}) });
    const names = async (query: string): Promise<string[]> =>
      ((await api(server, 'GET', `${WIDGETS}?${query}`)).body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(await names('labelSelector=tier%3Dweb')).to.deep.equal(['l1']);
    expect(await names('labelSelector=tier!%3Dweb')).to.deep.equal(['l2', 'l3']);
    expect(await names('labelSelector=tier%20in%20(web,db)')).to.deep.equal(['l1', 'l2']);
    expect(await names('labelSelector=tier%20notin%20(web)')).to.deep.equal(['l2', 'l3']);
    expect(await names('labelSelector=zone')).to.deep.equal(['l1']);
    expect(await names('labelSelector=!zone,tier')).to.deep.equal(['l2']);
    expect(await names('fieldSelector=metadata.name%3Dl3')).to.deep.equal(['l3']);
    const stream = await watch(`${WIDGETS}?watch=true&labelSelector=tier%3Dweb`);
    expect((await stream.next())?.object.metadata?.name).to.equal('l1');
    await api(server, 'PATCH', `${WIDGETS}/l1`, { body: { metadata: { labels: { tier: 'cache' } } }, contentType: 'application/merge-patch+json' });
    await api(server, 'PATCH', `${WIDGETS}/l2`, { body: { metadata: { labels: { tier: 'web' } } }, contentType: 'application/merge-patch+json' });
    const leaving = await stream.next();
    const joining = await stream.next();
    expect([leaving?.type, leaving?.object.metadata?.name]).to.deep.equal(['DELETED', 'l1']);
    expect([joining?.type, joining?.object.metadata?.name]).to.deep.equal(['ADDED', 'l2']);
  });

  it('filters Secrets by type in lists, across namespaces, and in watches, as the Host controller asks for SSH credentials', async () => {
    await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keys' } } });
    const secret = (namespace: string, name: string, type?: string): Promise<unknown> =>
      api(server, 'POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(type ? { type } : {}), stringData: { k: 'v' } } });
    await secret('default', 'ssh-a', 'kubernetes.io/ssh-auth');
    await secret('keys', 'ssh-b', 'kubernetes.io/ssh-auth');
    await secret('keys', 'plain');
    const sshAuth = `fieldSelector=${encodeURIComponent('type=kubernetes.io/ssh-auth')}`;
    const names = async (path: string): Promise<string[]> => ((await api(server, 'GET', path)).body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name).sort();
    expect(await names(`/api/v1/secrets?${sshAuth}`)).to.deep.equal(['ssh-a', 'ssh-b']);
    expect(await names(`/api/v1/namespaces/keys/secrets?${sshAuth}`)).to.deep.equal(['ssh-b']);
    expect(await names(`/api/v1/namespaces/keys/secrets?fieldSelector=type%3DOpaque`)).to.deep.equal(['plain']);
    expect(await names(`/api/v1/namespaces/keys/secrets?fieldSelector=${encodeURIComponent('type!=kubernetes.io/ssh-auth')}`)).to.deep.equal(['plain']);
    const stream = await watch(`/api/v1/namespaces/keys/secrets?watch=true&${sshAuth}`);
    expect((await stream.next())?.object.metadata?.name).to.equal('ssh-b');
    await secret('keys', 'plain-2', 'Opaque');
    await secret('default', 'ssh-c', 'kubernetes.io/ssh-auth');
    await secret('keys', 'ssh-d', 'kubernetes.io/ssh-auth');
    const next = await stream.next();
    expect([next?.type, next?.object.metadata?.name]).to.deep.equal(['ADDED', 'ssh-d']);
  });

  it('lists Events by involvedObject fields as kubectl describe asks for them', async () => {
    const involved = (name: string, uid: string): Record<string, unknown> => ({ kind: 'Widget', namespace: 'default', name, uid, apiVersion: 'test.virtfleet.io/v1alpha1' });
    for (const [name, uid] of [['x', 'u1'], ['y', 'u2']]) {
      await api(server, 'POST', EVENTS, { body: { apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.1` }, involvedObject: involved(name!, uid!), reason: 'Started', message: 'm', type: 'Normal' } });
    }
    const selector = encodeURIComponent('involvedObject.name=x,involvedObject.namespace=default,involvedObject.kind=Widget,involvedObject.uid=u1');
    const found = await api(server, 'GET', `${EVENTS}?fieldSelector=${selector}`);
    expect((found.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).to.deep.equal(['x.1']);
    const unsupported = await api(server, 'GET', `${WIDGETS}?fieldSelector=spec.size%3Ds`);
    expect(unsupported.body).to.include({ code: 400, message: 'field label not supported: spec.size' });
  });

  it('sends BOOKMARK events when allowed and closes watches after timeoutSeconds', async () => {
    const stream = await watch(`${WIDGETS}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1`);
    const bookmark = await stream.next();
    expect(bookmark?.type).to.equal('BOOKMARK');
    expect(bookmark?.object.metadata?.resourceVersion).to.match(/^\d+$/);
    const opened = Date.now();
    for (let i = 0; i < 50 && !stream.ended && Date.now() - opened < 3000; i += 1) await stream.next(500);
    expect(stream.ended).to.equal(true);
    expect(Date.now() - opened).to.be.lessThan(2000);
    expect(stream.events.every((e) => e.type === 'BOOKMARK')).to.equal(true);
  });

  it('closes watches on its own after watchCloseAfterMs and on dropWatches()', async () => {
    const periodic = await watch(`${WIDGETS}?watch=true`);
    await periodic.next(2500);
    expect(periodic.ended).to.equal(true);
    const dropped = await watch(`${WIDGETS}?watch=true`);
    server.dropWatches();
    await dropped.next(1000);
    expect(dropped.ended).to.equal(true);
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    const created = await api(server, 'POST', WIDGETS, { body: widget('old') });
    await api(server, 'POST', WIDGETS, { body: widget('new') });
    server.compact();
    const stream = await watch(`${WIDGETS}?watch=true&resourceVersion=${created.body.metadata!.resourceVersion}`);
    const error = await stream.next();
    expect(error?.type).to.equal('ERROR');
    expect(error?.object).to.include({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(String(error?.object.message)).to.match(/^too old resource version: \d+ \(\d+\)$/);
    const exact = await api(server, 'GET', `${WIDGETS}?resourceVersion=${created.body.metadata!.resourceVersion}&resourceVersionMatch=Exact`);
    expect(exact.body).to.include({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('pages lists with limit and continue, and expires continue tokens older than a compaction', async () => {
    for (const name of ['p1', 'p2', 'p3']) await api(server, 'POST', WIDGETS, { body: widget(name) });
    const page = await api(server, 'GET', `${WIDGETS}?limit=2`);
    expect((page.body.items as unknown[]).length).to.equal(2);
    const token = String(page.body.metadata!.continue);
    const rest = await api(server, 'GET', `${WIDGETS}?limit=2&continue=${encodeURIComponent(token)}`);
    expect((rest.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).to.deep.equal(['p3']);
    await api(server, 'POST', WIDGETS, { body: widget('p4') });
    server.compact();
    const expiredPage = await api(server, 'GET', `${WIDGETS}?limit=2&continue=${encodeURIComponent(token)}`);
    expect(expiredPage.body).to.include({ reason: 'Expired', code: 410 });
  });

  it('keeps serving after a client disconnects in the middle of a watch', async () => {
    const stream = await watch(`${WIDGETS}?watch=true`);
    stream.close();
    await api(server, 'POST', WIDGETS, { body: widget('after') });
    const again = await watch(`${WIDGETS}?watch=true`);
    expect((await again.next())?.object.metadata?.name).to.equal('after');
  });
});
