/**
 * [REQ-06] The operator's one HTTP endpoint (node:http) on ControllerConfig.metricsAddress:
 * - `/metrics`: the Registry in Prometheus text format, with the registry's content type;
 * - `/healthz`: 200 while the process is alive and serving;
 * - `/readyz`: 200 when every registered readiness check passes, else 503 naming the failing checks (a check
 *   that throws or rejects fails). Checks run on every probe, so they must be cheap (read a flag, not dial out);
 * - anything else 404; GET and HEAD only (405 otherwise).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HealthServerOptions {
  /** host:port; port 0 picks a free port. */
  address: string;
  registry: Registry;
}

const TEXT = 'text/plain; charset=utf-8';

export class HealthServer {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly listenAddress: ListenAddress;
  private server: Server | undefined;

  constructor(private readonly options: HealthServerOptions) {
    this.listenAddress = parseListenAddress(options.address);
  }

  /** Adds (or replaces) a named check that /readyz requires to pass, e.g. "leader-election", "informers-synced". */
  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Starts listening; resolves with the address actually bound (the real port when 0 was asked). */
  async start(): Promise<ListenAddress> {
    if (this.server !== undefined) return this.boundAddress(this.server);
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => respond(response, 500, TEXT, 'internal error\n'));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenAddress.port, this.listenAddress.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.server = undefined;
      throw error;
    });
    return this.boundAddress(server);
  }

  private boundAddress(server: Server): ListenAddress {
    const bound = server.address() as AddressInfo;
    return { host: bound.address, port: bound.port };
  }

  /** Stops listening and closes open connections; resolves when the server is closed. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!ROUTES.has(path)) return respond(response, 404, TEXT, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return respond(response, 405, TEXT, 'method not allowed\n');
    }
    if (path === '/metrics') {
      return respond(response, 200, this.options.registry.contentType, await this.options.registry.metrics());
    }
    if (path === '/healthz') return respond(response, 200, TEXT, 'ok\n');
    const failing = await this.failingChecks();
    if (failing.length === 0) return respond(response, 200, TEXT, 'ok\n');
    return respond(response, 503, TEXT, `not ready: ${failing.join(', ')}\n`);
  }

  /** Names of the checks that do not pass right now. */
  private async failingChecks(): Promise<string[]> {
    const results = await Promise.all(
      [...this.checks].map(async ([name, check]) => ((await passes(check)) ? undefined : name)),
    );
    return results.filter((name): name is string => name !== undefined);
  }
}

const ROUTES = new Set(['/metrics', '/healthz', '/readyz']);

async function passes(check: ReadinessCheck): Promise<boolean> {
  try {
    return (await check()) === true;
  } catch {
    return false;
  }
}

function respond(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(body);
}
