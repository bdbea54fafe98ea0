import * as http from 'node:http';
import type * as net from 'node:net';
import { once } from 'node:events';
import { Code, endpoint, RpcError, toRpcError, type ServiceKey } from '@meshlet/core';
import {
  jsonUrlService, jsonUrlToRegistration, mosnProtocol, parseJsonUrl, parseMosnServiceName, registrationToJsonUrl, serviceToJsonUrl,
} from '@meshlet/registry';
import type { AdminRoutes } from '@meshlet/admin';
import type { LocalApps } from './local-apps.js';

/** Largest request body the API reads: its requests are small JSON objects. */
const MAX_BODY = 1024 * 1024;

/** What the API needs from the agent. */
export interface ApiHost {
  readonly apps: LocalApps;
  /** Lets the agent subscribe upstream ahead of the first call (`protocol` `*`: any). */
  subscribe(key: ServiceKey, protocol: string): Promise<void>;
  unsubscribe(key: ServiceKey, protocol: string): void;
  subscriptions(): { service: ServiceKey; protocol: string }[];
  /** The app-facing port and host apps are told to call. */
  readonly egress: { host: string; port: number };
  readonly ingressPort: number;
  readonly httpPort: number;
  readonly mosnAppPorts: Readonly<Record<string, number>>;
  status(): unknown;
  /** The admin routes (dashboard, `/status`, `/metrics`, `/stats`, `/ls`, `/offline`, `/online`). */
  readonly admin?: AdminRoutes | undefined;
}

type Reply = { status: number; body: unknown };

/**
 * The agent's HTTP API, in two dialects so that apps of any language can register through it:
 *
 * - MOSN's, as SOFARPC's mesh registry and anthunder call it (bolt-sofa.md §3.2):
 *   `POST /configs/application`, `/services/publish`, `/services/unpublish`, `/services/subscribe`,
 *   `/services/unsubscribe`, answering `{"success":true}` or `{"success":false,"errorMessage":…}`;
 * - the motan-go agent's (motan.md §3.4): `POST /registry/register`, `/registry/unregister`,
 *   `/registry/subscribe` with a JSON URL, `GET /registry/list`, `/registry/info`, `/200`, `/503`,
 *   answering `{"code":200,"message":"ok"}` or a 400/500 code with the reason. Meshlet's own
 *   `meshlet://` registry uses this one, with any protocol in the URL.
 *
 * Plus `GET /status` (registrations, subscriptions, upstreams, counters) and `/version`, and the
 * admin routes every Meshlet admin endpoint has (`@meshlet/admin`): the dashboard at `/`,
 * `/metrics`, `/stats`, `/ls`, `POST /offline` and `/online`.
 * Bad input gets a 400 with the reason, never a crash.
 */
export class AgentApi {
  readonly #servers: http.Server[] = [];
  /** Serves HTTP connections the app-facing port hands over (it sniffs them apart from RPC). */
  readonly #shared: http.Server;
  #application: string | undefined;

  constructor(private readonly host: ApiHost, private readonly version: string) {
    this.#shared = http.createServer((req, res) => void this.#handle(req, res));
    this.#shared.keepAliveTimeout = 5000;
  }

  /** Takes over a connection whose first bytes are HTTP (already read bytes put back on the socket). */
  connection(socket: net.Socket): void {
    this.#shared.emit('connection', socket);
  }

  async listen(bindHost: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 5000;
    this.#servers.push(server);
    server.listen(port, bindHost);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw new RpcError(Code.InvalidArgument, `the agent API cannot listen on ${bindHost}:${port}: ${(err as Error).message}`, { cause: err });
      }),
    ]);
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    this.#shared.closeAllConnections();
    await Promise.all(this.#servers.map((s) => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    }));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (await this.host.admin?.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0]!;
    const mosn = path.startsWith('/services/') || path.startsWith('/configs/');
    let reply: Reply;
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      reply = await this.#route(req.method ?? 'GET', path, body, remoteHost(req));
    } catch (err) {
      const e = toRpcError(err, Code.Internal);
      const status = e.code === Code.InvalidArgument || e.code === Code.BadRequest ? 400 : e.code === Code.FrameTooLarge ? 413 : 500;
      reply = { status, body: mosn ? { success: false, errorMessage: e.message } : { code: status, message: e.message } };
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async #route(method: string, path: string, body: unknown, remote: string): Promise<Reply> {
    const ok = (extra: Record<string, unknown> = {}): Reply => ({ status: 200, body: { code: 200, message: 'ok', ...extra } });
    const success = (extra: Record<string, unknown> = {}): Reply => ({ status: 200, body: { success: true, ...extra } });
    const apps = this.host.apps;
    switch (`${method} ${path}`) {
      // ---- MOSN dialect
      case 'POST /configs/application': {
        const appName = (object(body) as { appName?: unknown }).appName;
        if (typeof appName !== 'string' || appName === '') throw invalid('appName must be a non-empty string');
        this.#application = appName;
        return success();
      }
      case 'POST /services/publish': {
        const b = object(body);
        const key = mosnKey(b.serviceName);
        const meta = (typeof b.providerMetaInfo === 'object' && b.providerMetaInfo !== null ? b.providerMetaInfo : {}) as Record<string, unknown>;
        const protocol = mosnProtocol(b.protocolType, meta.protocol) ?? 'bolt';
        // SOFARPC sends no port (MOSN assumes the app's); anthunder sends one.
        const port = Number(b.port) || this.host.mosnAppPorts[protocol];
        if (!Number.isInteger(port) || port! <= 0 || port! > 65535) throw invalid(`no port for a ${protocol} publish: send "port", or configure mosnAppPorts`);
        const application = typeof meta.appName === 'string' && meta.appName !== '' ? meta.appName : this.#application;
        await apps.add({ service: key, endpoint: endpoint(protocol, remote, port!), methods: [], application }, 'mosn');
        return success();
      }
      case 'POST /services/unpublish': {
        const b = object(body);
        await apps.removeService(mosnKey(b.serviceName), mosnProtocol(b.protocolType, undefined) ?? 'bolt');
        return success();
      }
      case 'POST /services/subscribe': {
        const b = object(body);
        const key = mosnKey(b.serviceName);
        const protocol = mosnProtocol(b.protocolType, undefined) ?? 'bolt';
        await this.host.subscribe(key, protocol);
        const { host, port } = this.host.egress;
        const app = this.#application ? `&app_name=${encodeURIComponent(this.#application)}` : '';
        return success({ serviceName: b.serviceName, datas: [`${host}:${port}?p=1&v=4.0&_SERIALIZETYPE=hessian2${app}`] });
      }
      case 'POST /services/unsubscribe': {
        const b = object(body);
        this.host.unsubscribe(mosnKey(b.serviceName), mosnProtocol(b.protocolType, undefined) ?? 'bolt');
        return success();
      }
      // ---- motan-go agent dialect (and Meshlet's registry)
      case 'POST /registry/register': {
        const r = jsonUrlToRegistration(parseJsonUrl(body), remote);
        await apps.add(r, 'json-url');
        return ok();
      }
      case 'POST /registry/unregister': {
        await apps.remove(jsonUrlToRegistration(parseJsonUrl(body), remote));
        return ok();
      }
      case 'POST /registry/subscribe': {
        const u = parseJsonUrl(body);
        await this.host.subscribe(jsonUrlService(u), u.protocol);
        return ok();
      }
      case 'POST /registry/unsubscribe': {
        const u = parseJsonUrl(body);
        this.host.unsubscribe(jsonUrlService(u), u.protocol);
        return ok();
      }
      case 'GET /registry/list':
        return ok({
          body: {
            register_nodes: apps.list().map((a) => registrationToJsonUrl(a.registration)),
            subscribe_nodes: this.host.subscriptions().map((s) => serviceToJsonUrl(s.protocol, s.service)),
          },
        });
      case 'GET /registry/info':
        return ok({ body: { mesh_port: this.host.egress.port, ingress_port: this.host.ingressPort, http_port: this.host.httpPort } });
      case 'GET /200':
        await apps.online();
        return ok();
      case 'GET /503':
        await apps.offline();
        return ok();
      case 'GET /status':
        return { status: 200, body: this.host.status() };
      case 'GET /version':
        return { status: 200, body: { name: '@meshlet/agent', version: this.version } };
      default:
        return { status: 404, body: { code: 404, message: `no ${method} ${path} here` } };
    }
  }
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new RpcError(Code.FrameTooLarge, `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch {
        reject(invalid('the body is not JSON'));
      }
    });
  });
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function mosnKey(serviceName: unknown): ServiceKey {
  const key = typeof serviceName === 'string' ? parseMosnServiceName(serviceName) : undefined;
  if (key === undefined) throw invalid('serviceName must be "interface:version[:uniqueId]"');
  return key;
}

/** The caller's address: where a local app that names no host listens. */
function remoteHost(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '127.0.0.1';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, message);
}
