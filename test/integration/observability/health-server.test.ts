import { expect } from 'chai';
import { Registry } from 'prom-client';
import { HealthServer } from '../../../src/observability/health-server.js';
import { createMetricsRegistry, createOperatorMetrics } from '../../../src/observability/metrics.js';

describe('[REQ-06] health server over real HTTP on 127.0.0.1', () => {
  let server: HealthServer;
  let baseUrl: string;
  let registry: Registry;

  beforeEach(async () => {
    registry = createMetricsRegistry();
    createOperatorMetrics(registry).workqueueDepth.set({ controller: 'host' }, 3);
    server = new HealthServer({ address: '127.0.0.1:0', registry });
    const { host, port } = await server.start();
    baseUrl = `http://${host}:${port}`;
  });
  afterEach(() => server.stop());

  it('binds the loopback address and a real port when asked for port 0', () => {
    expect(baseUrl).to.match(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('serves /metrics in the Prometheus text format with its content type', async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal(registry.contentType);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body).to.contain('# TYPE virtfleet_workqueue_depth gauge');
    expect(body).to.contain('virtfleet_workqueue_depth{controller="host"} 3');
    expect(body).to.contain('process_resident_memory_bytes');
  });

  it('answers /healthz with 200 while the process is alive', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).to.equal(200);
    expect(await response.text()).to.equal('ok\n');
  });

  it('answers /readyz with 200 when there are no checks or all pass', async () => {
    expect((await fetch(`${baseUrl}/readyz`)).status).to.equal(200);
    server.addReadinessCheck('informers-synced', () => true);
    server.addReadinessCheck('leader-election', async () => true);
    expect((await fetch(`${baseUrl}/readyz`)).status).to.equal(200);
  });

  it('answers /readyz with 503 naming each failing or throwing check, and 200 once they pass', async () => {
    let synced = false;
    server.addReadinessCheck('informers-synced', () => synced);
    server.addReadinessCheck('audit-log', () => { throw new Error('closed'); });
    server.addReadinessCheck('leader-election', () => true);
    const notReady = await fetch(`${baseUrl}/readyz`);
    expect(notReady.status).to.equal(503);
    expect(await notReady.text()).to.equal('not ready: informers-synced, audit-log\n');
    synced = true;
    server.addReadinessCheck('audit-log', () => true);
    expect((await fetch(`${baseUrl}/readyz`)).status).to.equal(200);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(`${baseUrl}/`)).status).to.equal(404);
    expect((await fetch(`${baseUrl}/metricsx`)).status).to.equal(404);
    const post = await fetch(`${baseUrl}/metrics`, { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('GET, HEAD');
  });

  it('stops listening after stop(), even with a kept-alive connection open', async () => {
    await fetch(`${baseUrl}/healthz`, { keepalive: true }).then((response) => response.text());
    await server.stop();
    const refused = await fetch(`${baseUrl}/healthz`).then(() => false, () => true);
    expect(refused).to.equal(true);
  });

  it('reports a port already in use when started twice on the same address', async () => {
    const port = Number(new URL(baseUrl).port);
    const second = new HealthServer({ address: `127.0.0.1:${port}`, registry });
    const error = await second.start().then(() => undefined, (thrown: unknown) => thrown as NodeJS.ErrnoException);
    expect(error?.code).to.equal('EADDRINUSE');
    await second.stop();
  });
});
