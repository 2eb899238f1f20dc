/**
 * A loopback webhook receiver for notification tests: records every POST (headers and JSON body) and
 * answers with what `respond` says (200 by default; it may hold the answer back). Listens on a free port of 127.0.0.1.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationPayload } from '../../src/pipeline/notify.js';
import { eventually } from './eventually.js';

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: NotificationPayload;
}

/** A status, or a status with response headers. */
export type Answer = number | { status: number; headers: Record<string, string> };

export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  /** The status (and headers) to answer a request with (it is recorded first). Default: 200. */
  respond: (post: ReceivedPost, index: number) => Answer | Promise<Answer> = () => 200;
  /** Called after each request is recorded (before it is answered). */
  onPost?: (post: ReceivedPost) => void;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(host = '127.0.0.1'): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const receiver = new WebhookReceiver(server, host, (server.address() as AddressInfo).port);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const post: ReceivedPost = {
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as NotificationPayload,
        };
        receiver.posts.push(post);
        receiver.onPost?.(post);
        const answer = await receiver.respond(post, receiver.posts.length - 1);
        const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
      });
    });
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://${this.host}:${this.port}${path}`;
  }

  /** POSTs to `path` (or every POST). */
  to(path?: string): ReceivedPost[] {
    return path === undefined ? this.posts : this.posts.filter((post) => post.path === path);
  }

  /** Waits until `count` POSTs reached `path`. */
  async waitFor(count: number, path?: string, timeoutMs = 60_000): Promise<ReceivedPost[]> {
    await eventually(() => Promise.resolve(this.to(path).length >= count), timeoutMs);
    return this.to(path);
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
