/** [REQ-01] A plain HTTPS client for the test API server's tests: JSON requests and line-by-line watch streams. */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TestApiServer } from '../../support/apiserver/index.js';

/** Where requests go: the test server, or any server with a URL, a CA and a token (standalone mode). */
export type ApiEndpoint = Pick<TestApiServer, 'url' | 'caPem' | 'token'>;

export interface ApiResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> & { metadata?: Record<string, unknown>; status?: unknown; spec?: Record<string, unknown> };
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  token?: string | null;
}

function send(server: ApiEndpoint, method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? server.token}`;
  if (payload !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const request = httpsRequest(`${server.url}${path}`, { method, headers, ca: server.caPem, agent: false }, resolve);
    request.on('error', reject);
    request.end(payload);
  });
}

export async function api(server: ApiEndpoint, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const response = await send(server, method, path, options);
  let text = '';
  for await (const chunk of response) text += String(chunk);
  const body = text.startsWith('{') ? (JSON.parse(text) as ApiResponse['body']) : {};
  return { status: response.statusCode ?? 0, headers: response.headers, body, text };
}

export interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown>; code?: number; reason?: string };
}

/** An open watch: events arrive in `events`; `next()` waits (bounded) for the next one; `ended` when the server closes. */
export class WatchStream {
  readonly events: WatchEvent[] = [];
  ended = false;
  private consumed = 0;
  private waiter: (() => void) | undefined;

  private constructor(private readonly response: IncomingMessage) {
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        this.events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
      this.waiter?.();
    });
    response.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  static async open(server: ApiEndpoint, path: string, accept?: string): Promise<WatchStream> {
    const response = await send(server, 'GET', path, { accept });
    return new WatchStream(response);
  }

  /** The next unread event, or undefined when the stream ended or nothing came within `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<WatchEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.events.length && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.consumed < this.events.length) return this.events[this.consumed++];
    return undefined;
  }

  close(): void {
    this.response.destroy();
  }
}
