/**
 * [REQ-06] Benchmark helper: the API server of src/apiserver/ in its own process, in memory or over SQLite in a
 * temporary directory (argument `memory`, `sqlite-full` or `sqlite-normal`); reports its URL, CA and token over IPC.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../../src/apiserver/api-server.js';
import { createServerCertificates } from '../../src/apiserver/tls.js';

const directory = await mkdtemp(join(tmpdir(), 'virtfleet-bench-standalone-'));
const certificates = await createServerCertificates();
const token = randomBytes(24).toString('hex');
const server = await startApiServer({
  certificates,
  token,
  crdDir: fileURLToPath(new URL('../../crds', import.meta.url)),
  ...(process.argv[2] === 'memory' ? {} : { databasePath: join(directory, 'state.db'), databaseSync: process.argv[2] === 'sqlite-normal' ? ('normal' as const) : ('full' as const) }),
});
process.send?.({ url: server.url, caPem: certificates.caPem, token });
process.on('message', (message) => {
  if (message === 'stop') void server.stop().then(() => rm(directory, { recursive: true, force: true })).then(() => process.exit(0));
});
