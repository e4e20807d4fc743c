/**
 * [REQ-04] A real local HTTP image server for the transfer tests (127.0.0.1 only). It serves in-memory images
 * by path, with or without Range support, counts the requests and the Range requests it saw, and can break off
 * a response after a number of bytes and stop listening, then listen again on the same port. An image added with
 * required headers answers 401 to a request without them (a token from an ImageTransfer's headersSecretRef).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ImageServerOptions {
  ranges: boolean;
}

export class ImageServer {
  private readonly images = new Map<string, Buffer>();
  private readonly required = new Map<string, Record<string, string>>();
  private readonly sockets = new Set<Socket>();
  private server: http.Server | undefined;
  private port = 0;
  /** Range header of every GET, '' for none. */
  readonly gets: string[] = [];
  private breakAfter: number | undefined;

  constructor(private readonly options: ImageServerOptions) {}

  add(path: string, image: Buffer, requiredHeaders?: Record<string, string>): string {
    this.images.set(path, image);
    if (requiredHeaders !== undefined) this.required.set(path, requiredHeaders);
    return this.url(path);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next GET sends this many bytes, then the server drops every connection and stops listening. */
  breakNextGetAfter(bytes: number): void {
    this.breakAfter = bytes;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const image = this.images.get(req.url ?? '');
    if (!image) {
      res.writeHead(req.url === '/forbidden' ? 403 : 404).end();
      return;
    }
    if (Object.entries(this.required.get(req.url ?? '') ?? {}).some(([name, value]) => req.headers[name.toLowerCase()] !== value)) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': image.length, ...(this.options.ranges ? { 'accept-ranges': 'bytes' } : {}) }).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    this.gets.push(req.headers.range ?? '');
    const from = this.options.ranges && range ? Number(range[1]) : 0;
    const body = image.subarray(from);
    if (from > 0) res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${from}-${image.length - 1}/${image.length}` });
    else res.writeHead(200, { 'content-length': body.length });
    const cut = this.breakAfter;
    this.breakAfter = undefined;
    if (cut === undefined) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, cut), () => void this.stop());
  }
}
