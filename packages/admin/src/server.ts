import * as http from 'node:http';
import { once } from 'node:events';
import { Code, RpcError } from '@meshlet/core';
import { AdminRoutes } from './routes.js';
import type { AdminTarget } from './target.js';

export interface AdminOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * Loopback by default: `POST /offline` takes a provider out of the registry, and `/status`
   * shows the fleet's addresses, so only this host should reach it (as Dubbo QoS' default
   * `acceptForeignIp=false`). Bind `0.0.0.0` deliberately, behind a firewall.
   */
  readonly host?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The admin options that code and environment select: `admin` in code wins; otherwise
 * `MESHLET_ADMIN_PORT` (and `MESHLET_ADMIN_HOST`) turn it on. Undefined: no admin endpoint.
 */
export function adminOptions(option: AdminOptions | false | undefined, env: Env = process.env): AdminOptions | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return option;
  const port = env.MESHLET_ADMIN_PORT?.trim();
  if (!port) return undefined;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RpcError(Code.InvalidArgument, `MESHLET_ADMIN_PORT must be a port number, got ${JSON.stringify(port)}`);
  return { port: n, host: env.MESHLET_ADMIN_HOST?.trim() || undefined };
}

/** The admin endpoint on a server of its own (the agent serves `AdminRoutes` on its API port instead). */
export class AdminServer {
  readonly routes: AdminRoutes;
  readonly #server: http.Server;
  #address: { host: string; port: number } | undefined;

  constructor(target: AdminTarget) {
    this.routes = new AdminRoutes(target);
    this.#server = http.createServer((req, res) => {
      void this.routes.handle(req, res).then((handled) => {
        if (handled) return;
        const body = JSON.stringify({ code: Code.BadRequest, message: `no ${req.method} ${req.url} here: try /, /status, /metrics, /stats, /ls, POST /offline, POST /online` });
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    this.#server.keepAliveTimeout = 5000;
  }

  async listen(options: AdminOptions): Promise<{ host: string; port: number }> {
    const host = options.host ?? '127.0.0.1';
    this.#server.listen(options.port, host);
    await Promise.race([
      once(this.#server, 'listening'),
      once(this.#server, 'error').then(([err]) => {
        throw new RpcError(Code.InvalidArgument, `the admin endpoint cannot listen on ${host}:${options.port}: ${(err as Error).message}`, { cause: err });
      }),
    ]);
    const a = this.#server.address() as { address: string; port: number };
    this.#address = { host: a.address, port: a.port };
    return this.#address;
  }

  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  async close(): Promise<void> {
    this.routes.close();
    this.#server.closeAllConnections();
    if (this.#server.listening) await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** Starts an admin endpoint for `target`. */
export async function startAdmin(target: AdminTarget, options: AdminOptions): Promise<AdminServer> {
  const server = new AdminServer(target);
  await server.listen(options);
  return server;
}
