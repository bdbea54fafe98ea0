import type { Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { ProtocolClient } from '../protocol.js';

/** Most connections one address may get (`connections`): beyond a few per core, more only cost sockets. */
export const MAX_CONNECTIONS = 64;

/** A `connections` setting checked: a whole number from 1 to `MAX_CONNECTIONS`, else INVALID_ARGUMENT naming `where`. */
export function checkConnections(n: number, where: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS) {
    throw new RpcError(Code.InvalidArgument, `${where}: connections must be a whole number from 1 to ${MAX_CONNECTIONS}, got ${n}`);
  }
  return n;
}

/**
 * The connection count an endpoint's URL asks for (Dubbo's `connections=`, which a provider may
 * publish for its consumers); undefined when it asks for none, or for something that is not 1 to
 * `MAX_CONNECTIONS` (a provider's odd parameter must not break a consumer's endpoint list: the
 * reference's or runtime's setting applies). `0` is Dubbo's "shared", i.e. one.
 */
export function connectionsOf(endpoint: Endpoint): number | undefined {
  const raw = endpoint.params.connections;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (n === 0) return 1;
  return Number.isInteger(n) && n >= 1 && n <= MAX_CONNECTIONS ? n : undefined;
}

/**
 * N connections to one address as one `ProtocolClient` (Dubbo's `connections=`, SOFARPC's
 * `connectionNum`): a large request being written, or a slow answer, holds up one connection's
 * socket, not every call to the address, and the kernel spreads reads over more than one stream.
 * Each connection is its protocol's own client, with its own channel, heartbeats and reconnects
 * (a connection that closes is replaced as a single one is).
 *
 * Each call goes to the live connection with the fewest calls waiting (the clients' own
 * `pendingCount`; without one, they take turns). The scan starts one further each call, so ties
 * take turns too.
 */
export class ConnectionSet implements ProtocolClient {
  readonly endpoint: Endpoint;
  private next = 0;

  constructor(private readonly clients: readonly ProtocolClient[]) {
    this.endpoint = clients[0]!.endpoint;
  }

  /** Live while any connection is. */
  get available(): boolean {
    for (const c of this.clients) if (c.available) return true;
    return false;
  }

  /** Calls waiting on every connection. */
  get pendingCount(): number {
    let sum = 0;
    for (const c of this.clients) sum += pendingOf(c);
    return sum;
  }

  /** How many connections (each a client). */
  get size(): number {
    return this.clients.length;
  }

  invoke(invocation: Invocation): Promise<unknown> {
    return this.choose().invoke(invocation);
  }

  /** Closes every connection; each drains as a single client does. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  private choose(): ProtocolClient {
    const clients = this.clients;
    const n = clients.length;
    const start = this.next;
    this.next = start + 1 === n ? 0 : start + 1;
    let best: ProtocolClient | undefined;
    let fewest = Infinity;
    for (let i = 0; i < n; i++) {
      const c = clients[(start + i) % n]!;
      if (!c.available) continue;
      const pending = pendingOf(c);
      if (pending < fewest) {
        best = c;
        fewest = pending;
        if (pending === 0) break;
      }
    }
    // None live: this one's own call fails or waits as a single client's would.
    return best ?? clients[start]!;
  }
}

function pendingOf(client: ProtocolClient): number {
  return (client as { readonly pendingCount?: number }).pendingCount ?? 0;
}
