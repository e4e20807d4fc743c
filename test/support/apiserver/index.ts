/**
 * [REQ-01] An in-process, Kubernetes-API-compatible HTTPS server for tests: CRDs from a directory plus core
 * Namespaces, Secrets, ConfigMaps, Events and coordination.k8s.io Leases, driven by the operator and by kubectl.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_TYPES, INITIAL_NAMESPACES } from './builtin-types.js';
import { loadCrdDirectory } from './crd-loader.js';
import { writeKubeconfig } from './kubeconfig.js';
import { initializeForCreate } from './object-lifecycle.js';
import { ObjectStore } from './object-store.js';
import { ResourceHandler } from './resource-handler.js';
import { ResourceRegistry } from './resource-registry.js';
import { ResourceService } from './resource-service.js';
import { Router } from './router.js';
import { createServerCertificates } from './tls.js';
import { typeKeyOf } from './types.js';
import { WatchHub } from './watch-hub.js';

export interface TestApiServerOptions {
  /** Directory of CRD YAML files (default `crds/`). */
  crdDir?: string;
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Server-side close of every watch after this long (default 5 minutes). */
  watchCloseAfterMs?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 1 s). */
  bookmarkIntervalMs?: number;
}

export interface TestApiServer {
  url: string;
  kubeconfigPath: string;
  caPem: string;
  /** The bearer token the kubeconfig's user presents. */
  token: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  compact(): void;
  dropWatches(): void;
}

const DEFAULT_WATCH_CLOSE_MS = 5 * 60_000;
const DEFAULT_BOOKMARK_MS = 1000;

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const registry = new ResourceRegistry([...BUILTIN_TYPES, ...(await loadCrdDirectory(options.crdDir ?? 'crds'))]);
  const store = new ObjectStore();
  const clock = (): Date => new Date();
  const service = new ResourceService(store, registry, clock);
  const namespaceType = service.namespaceType;
  for (const name of INITIAL_NAMESPACES) {
    store.commit(typeKeyOf(namespaceType), 'ADDED', initializeForCreate(namespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, clock()));
  }
  const watches = new WatchHub(store, { closeAfterMs: options.watchCloseAfterMs ?? DEFAULT_WATCH_CLOSE_MS, bookmarkIntervalMs: options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_MS });
  const token = randomBytes(24).toString('hex');
  const certificates = await createServerCertificates();
  let port = options.port ?? 0;
  const router = new Router(registry, new ResourceHandler(service, watches, clock), token, () => `127.0.0.1:${port}`);
  const directory = await mkdtemp(join(tmpdir(), 'virtfleet-apiserver-'));
  const kubeconfigPath = join(directory, 'kubeconfig');

  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const listen = async (): Promise<void> => {
    const created = createServer({ key: certificates.keyPem, cert: certificates.certPem }, (request, response) => void router.route(request, response));
    created.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    created.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
    });
    port = (created.address() as AddressInfo).port;
    server = created;
  };
  const close = async (): Promise<void> => {
    watches.dropAll();
    const closing = server;
    server = undefined;
    if (closing === undefined) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen();
  const url = `https://127.0.0.1:${port}`;
  await writeKubeconfig(kubeconfigPath, url, certificates.caPem, token);
  return {
    url,
    kubeconfigPath,
    caPem: certificates.caPem,
    token,
    stop: async () => {
      await close();
      await rm(directory, { recursive: true, force: true });
    },
    restart: async () => {
      await close();
      await listen();
    },
    compact: () => store.compact(),
    dropWatches: () => watches.dropAll(),
  };
}
