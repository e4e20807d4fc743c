/**
 * [REQ-01] An in-process, Kubernetes-API-compatible HTTPS server: CRDs served through apiextensions.k8s.io/v1
 * (installed from a directory at start), plus core Namespaces, ServiceAccounts, Secrets, ConfigMaps, Events,
 * events.k8s.io Events and coordination.k8s.io Leases, RBAC kinds and ValidatingAdmissionPolicies (evaluated);
 * bearer-token authentication, RBAC authorization when configured; objects in memory or in a SQLite file. A single-node control plane for virtfleet's own kinds and what kubectl needs, not a Kubernetes
 * distribution. Used by the tests and by `virtfleet standalone`.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { AccessControl, type AccessRecord, type AuthorizationMode } from './access-control.js';
import { ACCESS_CONTROL_TYPES } from './access-control-types.js';
import { ValidatingAdmissionPolicies } from './admission-policy.js';
import { parseTokenFile, TokenAuthenticator, type TokenUser } from './authentication.js';
import { BUILTIN_TYPES, INITIAL_NAMESPACES } from './builtin-types.js';
import { readCrdDirectory } from './crd-loader.js';
import { CRD_TYPE, customTypesOf } from './crd-strategy.js';
import { initializeForCreate } from './object-lifecycle.js';
import { DEFAULT_HISTORY_LIMIT, ObjectStore } from './object-store.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { ResourceHandler } from './resource-handler.js';
import { ResourceRegistry } from './resource-registry.js';
import { ResourceService } from './resource-service.js';
import { Router } from './router.js';
import { SqlitePersistence, type DatabaseSync } from './sqlite-persistence.js';
import type { ServerCertificates } from './tls.js';
import { typeKeyOf, type KubeObject } from './types.js';
import { WatchHub } from './watch-hub.js';

export interface ApiServerOptions {
  certificates: ServerCertificates;
  /** The bearer token of the administrator (`system:admin` in `system:masters`, allowed everything). */
  token: string;
  /** Further bearer tokens and the users and groups they authenticate. */
  users?: TokenUser[];
  /** More of them in kube-apiserver's static token file format (`token,user,uid,"group1,group2"`), read at start. */
  tokenFile?: string;
  /** `AlwaysAllow` (default) or `RBAC`: requests authorized from the stored Roles, ClusterRoles and bindings. */
  authorization?: AuthorizationMode;
  /** Directory of CRD YAML files, created or updated at every start (none when absent). */
  crdDir?: string;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default: any free port). */
  port?: number;
  /** SQLite database file; objects stay in memory only when absent. */
  databasePath?: string;
  /** fsync per write (`full`, default) or only a crash-safe WAL (`normal`): see SqlitePersistence. */
  databaseSync?: DatabaseSync;
  /** Server-side close of every watch after this long (default 5 minutes). */
  watchCloseAfterMs?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 1 s). */
  bookmarkIntervalMs?: number;
  /** Watch events kept for clients that resume (default 10,000). */
  historyLimit?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Stops listening, ends watches and closes the database. */
  stop(): Promise<void>;
  /** Stops and listens again on the same port; a persistent server reopens its database file. */
  restart(): Promise<void>;
  compact(): void;
  dropWatches(): void;
  /** The distinct resource requests a user made since the server started (see AccessControl.recorded). */
  recordedAccess(userName: string): AccessRecord[];
}

const DEFAULT_WATCH_CLOSE_MS = 5 * 60_000;
const DEFAULT_BOOKMARK_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

interface Backend {
  store: ObjectStore;
  watches: WatchHub;
  router: Router;
  access: AccessControl;
}

function openBackend(options: ApiServerOptions, address: () => string, crds: KubeObject[]): Backend {
  const registry = new ResourceRegistry([...BUILTIN_TYPES, ...ACCESS_CONTROL_TYPES, CRD_TYPE]);
  const persistence = options.databasePath === undefined ? undefined : new SqlitePersistence(options.databasePath, options.databaseSync);
  const store = new ObjectStore(options.historyLimit ?? DEFAULT_HISTORY_LIMIT, persistence);
  const crdKey = typeKeyOf(CRD_TYPE);
  const syncCustomTypes = (): void => registry.setCustomTypes(customTypesOf(store.list(crdKey)));
  store.subscribe((event) => {
    if (event.typeKey === crdKey) syncCustomTypes();
  });
  syncCustomTypes();
  const clock = (): Date => new Date();
  const authorizer = new RbacAuthorizer(store);
  const access = new AccessControl(new TokenAuthenticator(options.token, options.users), authorizer, options.authorization ?? 'AlwaysAllow');
  const service = new ResourceService(store, registry, clock, new ValidatingAdmissionPolicies(store, (user, attributes) => access.allows(user, attributes)));
  const namespaceType = service.namespaceType;
  for (const name of INITIAL_NAMESPACES) {
    if (store.get(typeKeyOf(namespaceType), undefined, name) !== undefined) continue;
    store.commit(typeKeyOf(namespaceType), 'ADDED', initializeForCreate(namespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, clock()));
  }
  const writeOptions = { fieldManager: 'virtfleet-apiserver', fieldValidation: 'Strict' as const, dryRun: false };
  for (const crd of crds) {
    const existing = store.get(crdKey, undefined, crd.metadata.name ?? '');
    if (existing === undefined) service.create(CRD_TYPE, undefined, structuredClone(crd), writeOptions);
    else service.update(CRD_TYPE, existing, { ...structuredClone(crd), metadata: { ...existing.metadata, ...structuredClone(crd.metadata) } }, '', writeOptions);
  }
  const watches = new WatchHub(store, { closeAfterMs: options.watchCloseAfterMs ?? DEFAULT_WATCH_CLOSE_MS, bookmarkIntervalMs: options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_MS });
  const router = new Router(registry, new ResourceHandler(service, watches, clock, access), access, address);
  return { store, watches, router, access };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  const hostPort = (): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const crds = options.crdDir === undefined ? [] : await readCrdDirectory(options.crdDir);
  const fileUsers = options.tokenFile === undefined ? [] : parseTokenFile(await readFile(options.tokenFile, 'utf8'), options.tokenFile);
  options = { ...options, users: [...(options.users ?? []), ...fileUsers] };
  let backend = openBackend(options, hostPort, crds);

  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const listen = async (): Promise<void> => {
    const { keyPem, certPem } = options.certificates;
    const created = createServer({ key: keyPem, cert: certPem }, (request, response) => void backend.router.route(request, response));
    created.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    created.on('tlsClientError', () => {});
    // Clients keep connections for a long time (client-go, kubectl, informers); Node's 5 s default makes a
    // reused idle connection fail with ECONNRESET.
    created.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, host, () => resolve());
    });
    port = (created.address() as AddressInfo).port;
    server = created;
  };
  const close = async (): Promise<void> => {
    backend.watches.dropAll();
    const closing = server;
    server = undefined;
    if (closing === undefined) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  try {
    await listen();
  } catch (error) {
    backend.store.close();
    throw error;
  }
  return {
    url: `https://${hostPort()}`,
    port,
    stop: async () => {
      await close();
      backend.store.close();
    },
    restart: async () => {
      await close();
      if (options.databasePath !== undefined) {
        backend.store.close();
        backend = openBackend(options, hostPort, crds);
      }
      await listen();
    },
    compact: () => backend.store.compact(),
    dropWatches: () => backend.watches.dropAll(),
    recordedAccess: (userName) => backend.access.recorded(userName),
  };
}
