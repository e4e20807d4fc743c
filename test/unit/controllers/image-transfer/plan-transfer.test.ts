import { expect } from 'chai';
import type { ImageTransfer } from '../../../../src/api/v1alpha1/image-transfer.js';
import { planTransfer, RETRY_ATTEMPTS, type PlanInputs } from '../../../../src/controllers/image-transfer/plan-transfer.js';
import { DIGEST_HEX, FakeTransferHosts, hostObject, transferConfig, transferObject } from './transfer-test-doubles.js';

const hosts = [hostObject('hv1', { zone: 'a' }), hostObject('hv2', { zone: 'b' }, '/srv/images'), hostObject('hv3', { zone: 'a' })];
const inputs = (secrets: Record<string, Record<string, string>> = {}): PlanInputs => ({
  hosts: { get: (_ns, name) => hosts.find((h) => h.metadata?.name === name), list: () => hosts },
  access: new FakeTransferHosts(), config: transferConfig, readSecret: async (_ns, name) => secrets[name],
});

describe('[REQ-01][REQ-04] ImageTransfer plan: destinations, cache paths, limits, headers', () => {
  it('a hostSelector picks the matching Hosts, each into its own image cache', async () => {
    const outcome = await planTransfer(transferObject('img', { destinations: undefined, hostSelector: { matchLabels: { zone: 'a' } } }), inputs());
    expect(outcome.kind === 'plan' && outcome.plan.destinations.map((d) => [d.host.name, d.path])).to.deep.equal([['hv1', `/cache/sha256-${DIGEST_HEX}`], ['hv3', `/cache/sha256-${DIGEST_HEX}`]]);
  });

  it('a Host\'s spec.imageCacheDir wins over transfer_config cacheDir; a path is taken as it is', async () => {
    const outcome = await planTransfer(transferObject('img', { destinations: [{ host: 'hv2' }, { host: 'hv1', path: '/images/x.raw' }] }), inputs());
    expect(outcome.kind === 'plan' && outcome.plan.destinations.map((d) => [d.host.name, d.path, d.cache])).to.deep.equal([
      ['hv2', `/srv/images/sha256-${DIGEST_HEX}`, true], ['hv1', '/images/x.raw', false],
    ]);
  });

  it('limits: bandwidthLimit as a quantity, inactivityTimeoutSeconds in ms, retryable failures retried until deleted', async () => {
    const outcome = await planTransfer(transferObject('img', { bandwidthLimit: '10Mi', inactivityTimeoutSeconds: 7 }), inputs());
    expect(outcome.kind === 'plan' && outcome.plan.limits).to.deep.equal({ chunkSizeBytes: 8 * 2 ** 20, bandwidthLimitBytesPerSecond: 10 * 2 ** 20, inactivityTimeoutMs: 7000, maxAttempts: RETRY_ATTEMPTS });
  });

  it('headers come from headersSecretRef; a missing Secret waits, named', async () => {
    const spec: Partial<ImageTransfer['spec']> = { source: { url: { url: 'https://example.test/i', headersSecretRef: { name: 'token' } } } };
    const found = await planTransfer(transferObject('img', spec), inputs({ token: { authorization: 'Bearer s3cret' } }));
    expect(found.kind === 'plan' && found.plan.source).to.deep.equal({ kind: 'url', url: 'https://example.test/i', headers: { authorization: 'Bearer s3cret' } });
    const missing = await planTransfer(transferObject('img', spec), inputs());
    expect(missing).to.deep.equal({ kind: 'waiting', reason: 'SecretNotFound', message: 'headers Secret apps/token (spec.source.url.headersSecretRef) does not exist' });
  });

  it('a host source names its Host; a missing source Host waits', async () => {
    const found = await planTransfer(transferObject('img', { source: { host: { name: 'hv1', path: '/src.img' } }, destinations: [{ host: 'hv2' }] }), inputs());
    expect(found.kind === 'plan' && found.plan.source.kind === 'host' && [found.plan.source.host.name, found.plan.source.path]).to.deep.equal(['hv1', '/src.img']);
    const missing = await planTransfer(transferObject('img', { source: { host: { name: 'nope', path: '/src.img' } } }), inputs());
    expect(missing).to.include({ kind: 'waiting', reason: 'HostNotFound' });
  });

  it('a volume source names its Host, pool and volume; a missing source Host waits', async () => {
    const found = await planTransfer(transferObject('img', { source: { volume: { host: 'hv1', pool: 'images', name: 'base.qcow2' } }, destinations: [{ host: 'hv2' }] }), inputs());
    expect(found.kind === 'plan' && found.plan.source.kind === 'volume' && [found.plan.source.host.name, found.plan.source.pool, found.plan.source.name]).to.deep.equal(['hv1', 'images', 'base.qcow2']);
    const missing = await planTransfer(transferObject('img', { source: { volume: { host: 'nope', pool: 'images', name: 'base.qcow2' } } }), inputs());
    expect(missing).to.include({ kind: 'waiting', reason: 'HostNotFound' });
  });

  it('format is handed to the engine for destinations with a path, refused (naming spec.format) into the image cache', async () => {
    const converted = await planTransfer(transferObject('img', { format: 'raw', destinations: [{ host: 'hv1', path: '/images/x.raw' }] }), inputs());
    expect(converted.kind === 'plan' && converted.plan.format).to.equal('raw');
    const unset = await planTransfer(transferObject('img', { destinations: [{ host: 'hv1', path: '/images/x.raw' }] }), inputs());
    expect(unset.kind === 'plan' && 'format' in unset.plan).to.equal(false);
    let refused: unknown;
    await planTransfer(transferObject('img', { format: 'raw', destinations: [{ host: 'hv1', path: '/images/x.raw' }, { host: 'hv2' }] }), inputs()).catch((error: unknown) => { refused = error; });
    expect(String(refused)).to.contain('spec.format');
  });

  it('a host or volume source without a digest goes to the engine without one (computed on the source host), into paths only', async () => {
    const source = { host: { name: 'hv1', path: '/src.img' } };
    const planned = await planTransfer(transferObject('img', { source, digest: undefined, destinations: [{ host: 'hv2', path: '/images/x.raw' }] }), inputs());
    expect(planned.kind === 'plan' && ['sha256' in planned.plan, planned.plan.destinations.map((d) => d.path)]).to.deep.equal([false, ['/images/x.raw']]);
    const refusals: string[] = [];
    const refuse = async (spec: Partial<ImageTransfer['spec']>): Promise<void> => {
      await planTransfer(transferObject('img', { digest: undefined, ...spec }), inputs()).then(() => refusals.push('planned'), (error: unknown) => refusals.push(String(error)));
    };
    await refuse({ source, destinations: [{ host: 'hv2', path: '/images/x.raw' }, { host: 'hv3' }] });
    await refuse({ source: { volume: { host: 'hv1', pool: 'images', name: 'base.qcow2' } }, destinations: undefined, hostSelector: { matchLabels: { zone: 'b' } } });
    await refuse({});
    expect(refusals[0]).to.contain('spec.destinations[1]').and.contain('needs a path');
    expect(refusals[1]).to.contain('spec.hostSelector').and.contain('needs a path');
    expect(refusals[2]).to.contain('spec.digest').and.contain('URL source');
  });

  it('a pool destination is a volume named after the transfer in the pool\'s directory; a missing pool waits, named; a pool not of files is refused', async () => {
    const planInputs = inputs();
    const access = planInputs.access as FakeTransferHosts;
    access.pools.set('hv1/images', "<pool type='dir'><name>images</name><target><path>/srv/pool/</path></target></pool>");
    access.pools.set('hv1/lvm', "<pool type='logical'><name>lvm</name><target><path>/dev/vg0</path></target></pool>");
    const planned = await planTransfer(transferObject('debian', { destinations: [{ host: 'hv1', pool: 'images' }, { host: 'hv2', path: '/x.raw' }] }), planInputs);
    expect(planned.kind === 'plan' && planned.plan.destinations.map((d) => [d.path, d.cache, d.pool?.name])).to.deep.equal([['/srv/pool/debian', false, 'images'], ['/x.raw', false, undefined]]);
    const missing = await planTransfer(transferObject('debian', { destinations: [{ host: 'hv1', pool: 'nope' }] }), planInputs);
    expect(missing).to.deep.equal({ kind: 'waiting', reason: 'PoolNotFound', message: 'storage pool nope (spec.destinations[0].pool) does not exist on Host hv1' });
    const refused = await planTransfer(transferObject('debian', { destinations: [{ host: 'hv1', pool: 'lvm' }] }), planInputs).catch((error: unknown) => String(error));
    expect(refused).to.contain('spec.destinations[0].pool').and.contain('type logical');
  });
});
