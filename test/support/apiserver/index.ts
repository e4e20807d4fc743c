/**
 * [REQ-01] The API server of src/apiserver/ as the tests start it: a throwaway CA and token, a kubeconfig in a
 * temporary directory, CRDs from `crds/`. Objects live in memory, or in a SQLite file in that directory when
 * `VIRTFLEET_TEST_APISERVER_STORE=sqlite` (then `restart()` reopens the database, as a process restart would).
 * Further users get a token and a kubeconfig each; `authorization: 'RBAC'` makes the server enforce RBAC.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessRecord, AuthorizationMode } from '../../../src/apiserver/access-control.js';
import { startApiServer } from '../../../src/apiserver/api-server.js';
import { writeKubeconfig } from '../../../src/apiserver/kubeconfig.js';
import { createServerCertificates } from '../../../src/apiserver/tls.js';

export interface TestApiServerOptions {
  /** Directory of CRD YAML files (default `crds/`). */
  crdDir?: string;
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Server-side close of every watch after this long (default 5 minutes). */
  watchCloseAfterMs?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 1 s). */
  bookmarkIntervalMs?: number;
  /** Keep objects in a SQLite file (default: the VIRTFLEET_TEST_APISERVER_STORE environment variable). */
  persistent?: boolean;
  /** Users besides the administrator, by name, with their groups. */
  users?: Record<string, string[]>;
  /** Default AlwaysAllow. */
  authorization?: AuthorizationMode;
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
  /** The kubeconfig of one of `users` (its own token). */
  kubeconfigOf(user: string): string;
  recordedAccess(user: string): AccessRecord[];
}

const persistentDirectories = new Set<string>();

function removeAtExit(directory: string): void {
  if (persistentDirectories.size === 0) process.once('exit', () => persistentDirectories.forEach((d) => rmSync(d, { recursive: true, force: true })));
  persistentDirectories.add(directory);
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const directory = await mkdtemp(join(tmpdir(), 'virtfleet-apiserver-'));
  const token = randomBytes(24).toString('hex');
  const certificates = await createServerCertificates();
  const persistent = options.persistent ?? process.env.VIRTFLEET_TEST_APISERVER_STORE === 'sqlite';
  const users = Object.entries(options.users ?? {}).map(([name, groups]) => ({ name, groups, token: randomBytes(24).toString('hex') }));
  let server;
  try {
    server = await startApiServer({
      certificates,
      token,
      users,
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
      crdDir: options.crdDir ?? 'crds',
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.watchCloseAfterMs === undefined ? {} : { watchCloseAfterMs: options.watchCloseAfterMs }),
      ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
      ...(persistent ? { databasePath: join(directory, 'state.db') } : {}),
    });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const kubeconfigPath = join(directory, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, server.url, certificates.caPem, token);
  const userKubeconfigs = new Map<string, string>();
  for (const [index, user] of users.entries()) {
    const path = join(directory, `kubeconfig-user-${index}`);
    await writeKubeconfig(path, server.url, certificates.caPem, user.token);
    userKubeconfigs.set(user.name, path);
  }
  // A persistent server may be restarted after stop() (an API server that was away and is back): its database
  // stays until the test process exits.
  if (persistent) removeAtExit(directory);
  return {
    url: server.url,
    kubeconfigPath,
    caPem: certificates.caPem,
    token,
    stop: async () => {
      await server.stop();
      if (!persistent) await rm(directory, { recursive: true, force: true });
    },
    restart: () => server.restart(),
    compact: () => server.compact(),
    dropWatches: () => server.dropWatches(),
    kubeconfigOf: (user) => {
      const path = userKubeconfigs.get(user);
      if (path === undefined) throw new Error(`no user ${user} on this test API server`);
      return path;
    },
    recordedAccess: (user) => server.recordedAccess(user),
  };
}
