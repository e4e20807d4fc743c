/**
 * [REQ-06] Benchmark helper: the API server of src/apiserver/ with the repository's CRDs, a fresh CA and token, in
 * memory or over SQLite in a temporary directory (`memory`, `sqlite-full` or `sqlite-normal`); `stop()` also
 * removes the directory. Used in this process (profile-create.ts) and in a child process (server-process.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServer } from '../../src/apiserver/api-server.js';
import { createServerCertificates } from '../../src/apiserver/tls.js';

export type BenchStore = 'memory' | 'sqlite-full' | 'sqlite-normal';

export interface BenchServer {
  server: ApiServer;
  caPem: string;
  token: string;
  stop(): Promise<void>;
}

export async function startBenchServer(store: BenchStore): Promise<BenchServer> {
  const directory = await mkdtemp(join(tmpdir(), 'virtfleet-bench-standalone-'));
  const certificates = await createServerCertificates();
  const token = randomBytes(24).toString('hex');
  const server = await startApiServer({
    certificates,
    token,
    crdDir: fileURLToPath(new URL('../../crds', import.meta.url)),
    ...(store === 'memory' ? {} : { databasePath: join(directory, 'state.db'), databaseSync: store === 'sqlite-normal' ? ('normal' as const) : ('full' as const) }),
  });
  return {
    server,
    caPem: certificates.caPem,
    token,
    stop: async () => {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
