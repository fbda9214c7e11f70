// etcd's grpc-gateway, by hand: POST /v3/<service>/<call> with a proto-JSON body, answered in
// proto JSON (OrigName field names, base64 bytes, int64 strings). Streams (/v3/watch,
// /v3/lease/keepalive) answer newline-delimited {"result": …} objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as Status } from '@grpc/grpc-js';
import { httpStatusOf, toRpcError, RpcError } from './errors';
import type { Handler } from './handlers';
import { fromJson, JsonInputError, toJson } from './json';
import type { Wire } from './proto';
import type { WatchSession } from './watch-session';

interface Route {
  handler: string;
  request: string;
  response: string;
  stream?: boolean;
}

const ROUTES: Record<string, Route> = {
  '/v3/kv/range': { handler: 'Range', request: 'RangeRequest', response: 'RangeResponse' },
  '/v3/kv/put': { handler: 'Put', request: 'PutRequest', response: 'PutResponse' },
  '/v3/kv/deleterange': {
    handler: 'DeleteRange',
    request: 'DeleteRangeRequest',
    response: 'DeleteRangeResponse',
  },
  '/v3/kv/txn': { handler: 'Txn', request: 'TxnRequest', response: 'TxnResponse' },
  '/v3/kv/compaction': { handler: 'Compact', request: 'CompactionRequest', response: 'CompactionResponse' },
  '/v3/lease/grant': { handler: 'LeaseGrant', request: 'LeaseGrantRequest', response: 'LeaseGrantResponse' },
  '/v3/lease/revoke': {
    handler: 'LeaseRevoke',
    request: 'LeaseRevokeRequest',
    response: 'LeaseRevokeResponse',
  },
  '/v3/kv/lease/revoke': {
    handler: 'LeaseRevoke',
    request: 'LeaseRevokeRequest',
    response: 'LeaseRevokeResponse',
  },
  '/v3/lease/timetolive': {
    handler: 'LeaseTimeToLive',
    request: 'LeaseTimeToLiveRequest',
    response: 'LeaseTimeToLiveResponse',
  },
  '/v3/kv/lease/timetolive': {
    handler: 'LeaseTimeToLive',
    request: 'LeaseTimeToLiveRequest',
    response: 'LeaseTimeToLiveResponse',
  },
  '/v3/lease/leases': {
    handler: 'LeaseLeases',
    request: 'LeaseLeasesRequest',
    response: 'LeaseLeasesResponse',
  },
  '/v3/kv/lease/leases': {
    handler: 'LeaseLeases',
    request: 'LeaseLeasesRequest',
    response: 'LeaseLeasesResponse',
  },
  '/v3/lease/keepalive': {
    handler: 'LeaseKeepAliveOnce',
    request: 'LeaseKeepAliveRequest',
    response: 'LeaseKeepAliveResponse',
    stream: true,
  },
  '/v3/cluster/member/list': {
    handler: 'MemberList',
    request: 'MemberListRequest',
    response: 'MemberListResponse',
  },
  '/v3/cluster/member/add': {
    handler: 'MemberAdd',
    request: 'MemberAddRequest',
    response: 'MemberAddResponse',
  },
  '/v3/cluster/member/remove': {
    handler: 'MemberRemove',
    request: 'MemberRemoveRequest',
    response: 'MemberRemoveResponse',
  },
  '/v3/maintenance/status': { handler: 'Status', request: 'StatusRequest', response: 'StatusResponse' },
  '/v3/maintenance/alarm': { handler: 'Alarm', request: 'AlarmRequest', response: 'AlarmResponse' },
  '/v3/maintenance/hash': { handler: 'Hash', request: 'HashRequest', response: 'HashResponse' },
  '/v3/maintenance/hashkv': { handler: 'HashKV', request: 'HashKVRequest', response: 'HashKVResponse' },
  '/v3/maintenance/defragment': {
    handler: 'Defragment',
    request: 'DefragmentRequest',
    response: 'DefragmentResponse',
  },
  '/v3/maintenance/transfer-leadership': {
    handler: 'MoveLeader',
    request: 'MoveLeaderRequest',
    response: 'MoveLeaderResponse',
  },
};

export interface GatewayOptions {
  handlers: Record<string, Handler>;
  maxBodyBytes: number;
  openWatch(send: (r: Wire) => boolean): WatchSession;
}

function errorBody(e: RpcError): string {
  return JSON.stringify({ error: e.message, message: e.message, code: e.code });
}

export class Gateway {
  constructor(private readonly o: GatewayOptions) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const isWatch = path === '/v3/watch';
    const route = ROUTES[path];
    if (!isWatch && !route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('Method Not Allowed\n');
      return;
    }
    if (isWatch) {
      this.watch(req, res);
      return;
    }
    void this.readJson(req).then(
      async (body) => {
        const route_ = route!;
        try {
          const wire = fromJson(route_.request, body);
          const out = toJson(route_.response, await this.o.handlers[route_.handler]!(wire));
          const text = route_.stream ? JSON.stringify({ result: out }) + '\n' : JSON.stringify(out);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(text);
        } catch (err) {
          this.fail(res, err);
        }
      },
      (err: unknown) => this.fail(res, err),
    );
  }

  private watch(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const session = this.o.openWatch((r) =>
      res.write(JSON.stringify({ result: toJson('WatchResponse', r) }) + '\n'),
    );
    res.on('drain', () => session.resume());
    const close = () => session.close();
    res.on('close', close);
    // The body may hold several JSON WatchRequests back to back (a stream); usually one.
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      for (;;) {
        const end = completeJsonEnd(text);
        if (end < 0) break;
        const one = text.slice(0, end);
        text = text.slice(end);
        try {
          session.handle(fromJson('WatchRequest', JSON.parse(one)));
        } catch (err) {
          const e = toRpcError(
            err instanceof JsonInputError || err instanceof SyntaxError
              ? new RpcError(Status.INVALID_ARGUMENT, (err as Error).message)
              : err,
          );
          res.end(
            JSON.stringify({
              error: {
                grpc_code: e.code,
                http_code: httpStatusOf(e.code),
                message: e.message,
                http_status: '',
              },
            }) + '\n',
          );
          close();
          return;
        }
      }
    });
  }

  private readJson(req: IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.o.maxBodyBytes) {
          reject(new RpcError(Status.RESOURCE_EXHAUSTED, 'grpc: received message larger than max'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (text === '') return resolve({});
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new RpcError(Status.INVALID_ARGUMENT, (err as Error).message));
        }
      });
      req.on('error', reject);
    });
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e =
      err instanceof JsonInputError ? new RpcError(Status.INVALID_ARGUMENT, err.message) : toRpcError(err);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(httpStatusOf(e.code), { 'Content-Type': 'application/json' }).end(errorBody(e));
  }
}

/** Index just past the first complete top-level JSON object in `s`, or -1. */
function completeJsonEnd(s: string): number {
  let depth = 0;
  let inStr = false;
  let esc = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inStr) {
      if (esc) esc = false;
      else if (ch === '\\') esc = true;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{') {
      depth++;
      started = true;
    } else if (ch === '}') {
      depth--;
      if (started && depth === 0) return i + 1;
    }
  }
  return -1;
}
