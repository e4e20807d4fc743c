/**
 * [REQ-06] Benchmark helper: the API server of src/apiserver/ in its own process, in memory or over SQLite in a
 * temporary directory (argument `memory`, `sqlite-full` or `sqlite-normal`); reports its URL, CA and token over IPC.
 */
import { startBenchServer, type BenchStore } from './bench-server.js';

const bench = await startBenchServer((process.argv[2] ?? 'sqlite-full') as BenchStore);
process.send?.({ url: bench.server.url, caPem: bench.caPem, token: bench.token });
process.on('message', (message) => {
  if (message === 'stop') void bench.stop().then(() => process.exit(0));
});
