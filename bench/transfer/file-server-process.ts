/**
 * [REQ-04][REQ-06] The child process behind `serveDirectory` (file-server.ts): serves the directory named by argv
 * on 127.0.0.1 and reports its port to the parent over IPC, so that serving the image does not share the engine's
 * event loop (a real image server is another machine).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const dir = process.argv[2]!;
const server = http.createServer((req, res) => {
  const path = join(dir, (req.url ?? '/').replace(/[^A-Za-z0-9._-]/g, ''));
  stat(path).then((info) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    const headers = { 'content-length': info.size - from, 'accept-ranges': 'bytes', ...(range ? { 'content-range': `bytes ${from}-${info.size - 1}/${info.size}` } : {}) };
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(path, { start: from, highWaterMark: 1024 * 1024 }).pipe(res);
  }, () => res.writeHead(404).end());
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
});
