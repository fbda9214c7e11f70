import type { Actor } from '../activity';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  API_PREFIX,
  ApiError,
  ClientFrame,
  fromZodError,
  httpStatusOf,
  type ServerFrame,
} from '../../shared/api';
import type { ApiService } from './service';

export interface HttpTransportOptions {
  service: ApiService;
  token: string;
  /** 0 = any free port. Always bound to 127.0.0.1. */
  port: number;
  /** The built renderer to serve (flotctl serve); absent in the desktop app, whose window uses IPC. */
  rendererDir?: string;
}

export const TOKEN_COOKIE = 'flotilla_token';
const MAX_BODY = 1024 * 1024;
/** A client that lets this much pile up is too slow; it is disconnected and resubscribes. */
const MAX_WS_BUFFERED = 16 * 1024 * 1024;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // MUI (emotion) injects <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The API over HTTP (one POST per call) and WebSocket (calls and subscriptions), plus the built
 * renderer, on 127.0.0.1 only. Every request must carry the token — as a Bearer header (CLI), a
 * cookie (browser, set when the URL with ?token= is opened, as Jupyter does), or ?token= itself —
 * else it gets 401 and nothing else.
 */
export class HttpTransport {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private port = 0;

  constructor(private readonly opts: HttpTransportOptions) {}

  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!this.hostAllowed(req) || !this.originAllowed(req) || !this.authorized(req, url)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (url.pathname !== `${API_PREFIX}/ws`) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.serveSocket(ws, actorOf(req)));
    });
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!this.hostAllowed(req)) return plain(res, 403, 'Forbidden: unexpected Host header.\n');
    if (!this.authorized(req, url)) {
      return plain(
        res,
        401,
        'Unauthorized: open the URL that `flotctl serve` printed (it carries the token).\n',
      );
    }
    // Opening the printed URL: remember the token in a cookie and drop it from the address bar.
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith(API_PREFIX)) {
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${this.opts.token}; HttpOnly; SameSite=Strict; Path=/`);
      res.setHeader('Location', url.pathname + url.search);
      res.statusCode = 303;
      res.end();
      return;
    }
    if (url.pathname.startsWith(`${API_PREFIX}/call/`)) {
      return this.handleCall(req, res, decodeURIComponent(url.pathname.slice(`${API_PREFIX}/call/`.length)));
    }
    if (url.pathname.startsWith(API_PREFIX))
      return json(res, 404, { error: new ApiError('NOT_FOUND', 'no such endpoint').toBody() });
    return this.serveStatic(req, res, url.pathname);
  }

  private async handleCall(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return json(res, 405, { error: new ApiError('BAD_REQUEST', 'API calls are POST requests').toBody() });
    }
    try {
      const params = await readJsonBody(req);
      const result = await this.opts.service.call(method, params, actorOf(req));
      json(res, 200, { result: result ?? null });
    } catch (err) {
      const e = ApiError.from(err);
      json(res, httpStatusOf(e.code), { error: e.toBody() });
    }
  }

  private serveSocket(ws: WebSocket, actor: Actor): void {
    const subscriptions = new Map<number, () => void>();
    const send = (frame: ServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WS_BUFFERED) {
        ws.close(1013, 'client too slow');
        return;
      }
      ws.send(JSON.stringify(frame));
    };
    ws.on('message', async (data, isBinary) => {
      let frame: ClientFrame;
      try {
        if (isBinary) throw new ApiError('BAD_REQUEST', 'frames are JSON text');
        const parsed = ClientFrame.safeParse(JSON.parse(String(data)));
        if (!parsed.success) throw fromZodError(parsed.error, 'frame');
        frame = parsed.data;
      } catch (err) {
        const e =
          err instanceof SyntaxError
            ? new ApiError('BAD_REQUEST', `invalid JSON: ${err.message}`)
            : ApiError.from(err);
        send({ type: 'error', id: -1, error: e.toBody() });
        return;
      }
      switch (frame.type) {
        case 'call':
          try {
            const result = await this.opts.service.call(frame.method, frame.params, actor);
            send({ type: 'result', id: frame.id, result: result ?? null });
          } catch (err) {
            send({ type: 'error', id: frame.id, error: ApiError.from(err).toBody() });
          }
          return;
        case 'subscribe': {
          const id = frame.id;
          subscriptions.get(id)?.();
          subscriptions.delete(id);
          let off: (() => void) | undefined;
          let failed = false;
          // The subscription failed after it started (a shell whose target is gone): end it on
          // both sides. It may fail before `subscribe` even returns.
          const fail = (err: ApiError) => {
            if (failed || (off && subscriptions.get(id) !== off)) return;
            failed = true;
            if (off) {
              subscriptions.delete(id);
              off();
            }
            send({ type: 'end', id, error: err.toBody() });
          };
          try {
            off = this.opts.service.subscribe(
              frame.event,
              frame.params,
              (payload) => send({ type: 'event', id, payload }),
              fail,
            );
            if (failed) off();
            else subscriptions.set(id, off);
          } catch (err) {
            send({ type: 'end', id, error: ApiError.from(err).toBody() });
          }
          return;
        }
        case 'unsubscribe':
          subscriptions.get(frame.id)?.();
          subscriptions.delete(frame.id);
          return;
      }
    });
    ws.on('close', () => {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  private async serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const root = this.opts.rendererDir;
    if (!root) return plain(res, 404, 'This instance serves the API only.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed\n');
    const rootAbs = resolve(root);
    let file = resolve(join(rootAbs, normalize(decodeURIComponent(pathname))));
    if (file !== rootAbs && !file.startsWith(rootAbs + sep)) return plain(res, 404, 'Not found\n');
    let info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell; missing assets stay 404.
      if (extname(pathname)) return plain(res, 404, 'Not found\n');
      file = join(rootAbs, 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info) return plain(res, 500, 'The renderer is not built: run `npm run build`.\n');
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': info.size,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  /** DNS-rebinding guard: a page on another name must not reach us through a rebound address. */
  private hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host ?? '';
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`].includes(host);
  }

  /** Browsers send Origin on WebSocket upgrades; only our own pages may open one. */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // non-browser clients (the CLI)
    return [
      `http://127.0.0.1:${this.port}`,
      `http://localhost:${this.port}`,
      `http://[::1]:${this.port}`,
    ].includes(origin);
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    const offered: string[] = [];
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) offered.push(auth.slice('Bearer '.length).trim());
    const cookie = req.headers.cookie
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
    if (cookie) offered.push(cookie.slice(TOKEN_COOKIE.length + 1));
    const q = url.searchParams.get('token');
    if (q) offered.push(q);
    return offered.some((t) => sameToken(t, this.opts.token));
  }
}

/** Who is calling, for the activity timeline: pages carry the cookie, flotctl a bearer token. */
function actorOf(req: IncomingMessage): Actor {
  return req.headers.authorization?.startsWith('Bearer ') ? 'flotctl' : 'browser';
}

function sameToken(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError('BAD_REQUEST', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`);
  }
}
