/** [REQ-04][REQ-06] A static file server on 127.0.0.1 for `bench:transfer`: HEAD, GET and `Range: bytes=N-`. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface FileServer {
  url(name: string): string;
  close(): Promise<void>;
}

export async function serveDirectory(dir: string): Promise<FileServer> {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
