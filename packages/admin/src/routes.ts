import type * as http from 'node:http';
import { Code, RpcError, toRpcError } from '@meshlet/core';
import { CallMetrics } from './call-metrics.js';
import { DASHBOARD_HTML } from './dashboard.js';
import { formatLs } from './ls.js';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE, type MetricFamily } from './prometheus.js';
import type { AdminStatus, AdminTarget } from './target.js';

export interface AdminReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * The admin routes, independent of any server so that a host with an HTTP server of its own (the
 * agent) serves them beside its other routes:
 *
 * - `GET /` the dashboard; `GET /status` JSON; `GET /stats?seconds=N` per-second calls, errors,
 *   p50/p99 per side; `GET /metrics` Prometheus text; `GET /xds` the xDS client's CSDS-like dump;
 * - Dubbo QoS' commands: `GET /ls` (text tables; `?format=json` for JSON), `POST /offline` and
 *   `POST /online` with an optional `service` (interface, full key or a regular expression),
 *   answering `OK` as Dubbo does (JSON with the services changed for `Accept: application/json`).
 *   They are POST only: a crawler or a link prefetch must not take a provider offline.
 */
export class AdminRoutes {
  readonly calls = new CallMetrics();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(private readonly target: AdminTarget) {
    this.#unsubscribe = target.onCall?.((r) => this.calls.record(r));
  }

  /** The reply for an admin route, or undefined when `path` is not one (the host routes it). */
  async answer(method: string, url: URL, accept = ''): Promise<AdminReply | undefined> {
    const json = (status: number, body: unknown): AdminReply => ({ status, contentType: JSON_TYPE, body: JSON.stringify(body) });
    const wantsJson = accept.includes('application/json');
    try {
      switch (url.pathname) {
        case '/':
        case '/dashboard':
          return only(method, 'GET') ?? { status: 200, contentType: 'text/html; charset=utf-8', body: DASHBOARD_HTML };
        case '/status':
          return only(method, 'GET') ?? json(200, this.target.status());
        case '/stats': {
          const seconds = url.searchParams.has('seconds') ? Number(url.searchParams.get('seconds')) : 60;
          if (!Number.isInteger(seconds) || seconds < 1) throw new RpcError(Code.BadRequest, 'seconds must be a positive integer');
          return only(method, 'GET') ?? json(200, {
            now: Date.now(), client: this.calls.rings.client.series(seconds), server: this.calls.rings.server.series(seconds),
          });
        }
        case '/metrics':
          return only(method, 'GET') ?? { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: formatPrometheus(this.families()) };
        case '/xds': {
          const denied = only(method, 'GET');
          if (denied) return denied;
          const state = this.target.xds?.();
          return state === undefined ? json(404, { code: Code.Unavailable, message: 'no xDS client in this process' }) : json(200, state);
        }
        case '/ls': {
          const denied = only(method, 'GET');
          if (denied) return denied;
          const status = this.target.status();
          return url.searchParams.get('format') === 'json'
            ? json(200, { providers: status.services, consumers: status.references })
            : { status: 200, contentType: TEXT_TYPE, body: formatLs(status) };
        }
        case '/offline':
        case '/online': {
          const denied = only(method, 'POST');
          if (denied) return denied;
          const service = url.searchParams.get('service') ?? undefined;
          const changed = url.pathname === '/offline' ? await this.target.offline(service) : await this.target.online(service);
          return wantsJson ? json(200, { result: 'OK', services: changed }) : { status: 200, contentType: TEXT_TYPE, body: 'OK\n' };
        }
        default:
          return undefined;
      }
    } catch (err) {
      const e = toRpcError(err, Code.Internal);
      const status = e.code === Code.BadRequest || e.code === Code.InvalidArgument ? 400 : 500;
      return json(status, { code: e.code, message: e.message });
    }
  }

  /** Serves `req` if it is an admin route; false when the host should route it. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const reply = await this.answer(req.method ?? 'GET', url, req.headers.accept);
    if (reply === undefined) return false;
    // Request bodies are not used (arguments travel in the query); drain so keep-alive works.
    req.resume();
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body), 'cache-control': 'no-store' });
    res.end(reply.body);
    return true;
  }

  close(): void {
    this.#unsubscribe?.();
  }

  families(): MetricFamily[] {
    const s: AdminStatus = this.target.status();
    const endpointsUp = s.references.map((r) => ({ labels: { service: r.service, protocol: r.protocol }, value: r.endpoints.filter((e) => e.health === 'up' && e.breaker !== 'open').length }));
    return [
      ...this.calls.families(),
      {
        name: 'meshlet_in_flight', type: 'gauge', help: 'RPC calls in flight by side.',
        samples: [{ labels: { side: 'client' }, value: s.inFlight.client }, { labels: { side: 'server' }, value: s.inFlight.server }],
      },
      { name: 'meshlet_endpoints_up', type: 'gauge', help: 'Endpoints of a referred service that are connected and not behind an open breaker.', samples: endpointsUp },
      {
        name: 'meshlet_endpoints', type: 'gauge', help: 'Endpoints of a referred service, whatever their state.',
        samples: s.references.map((r) => ({ labels: { service: r.service, protocol: r.protocol }, value: r.endpoints.length })),
      },
      {
        name: 'meshlet_service_online', type: 'gauge', help: 'Exported services: 1 while registered, 0 while taken offline.',
        samples: s.services.map((e) => ({ labels: { service: e.service, protocol: e.protocol }, value: e.state === 'online' ? 1 : 0 })),
      },
      { name: 'meshlet_uptime_seconds', type: 'gauge', help: 'Seconds since the runtime was created.', samples: [{ labels: {}, value: s.uptimeMs / 1000 }] },
      ...(this.target.metrics?.() ?? []),
    ];
  }
}

function only(method: string, allowed: 'GET' | 'POST'): AdminReply | undefined {
  if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return undefined;
  const body = JSON.stringify({ code: Code.BadRequest, message: `use ${allowed} here` });
  return { status: 405, contentType: JSON_TYPE, body };
}
