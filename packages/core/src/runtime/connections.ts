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
 * Each call goes to the live connection with the fewest of this set's calls in flight, counted
 * here from the moment it is handed over (a client's own pending count misses calls waiting for
 * its connection to open, so a first burst would all land on one). Ties go to the first: calls in
 * flight together spread over the connections, while one caller at a time keeps to one warm
 * connection (taking turns cost an 8 MB echo a third of its rate: each connection's buffers went
 * cold between its turns). The count costs one promise layer per call, only when N > 1.
 */
export class ConnectionSet implements ProtocolClient {
  readonly endpoint: Endpoint;
  /** Calls in flight per connection, by index. */
  private readonly inFlight: number[];
  /** Settle handlers per connection, made once (no closure per call). */
  private readonly answered: ((value: unknown) => unknown)[];
  private readonly failed: ((err: unknown) => never)[];

  constructor(private readonly clients: readonly ProtocolClient[]) {
    this.endpoint = clients[0]!.endpoint;
    this.inFlight = clients.map(() => 0);
    this.answered = clients.map((_, i) => (value: unknown) => {
      this.inFlight[i]!--;
      return value;
    });
    this.failed = clients.map((_, i) => (err: unknown): never => {
      this.inFlight[i]!--;
      throw err;
    });
  }

  /** Live while any connection is. */
  get available(): boolean {
    for (const c of this.clients) if (c.available) return true;
    return false;
  }

  /** Calls in flight over every connection. */
  get pendingCount(): number {
    let sum = 0;
    for (const n of this.inFlight) sum += n;
    return sum;
  }

  /** How many connections (each a client). */
  get size(): number {
    return this.clients.length;
  }

  invoke(invocation: Invocation): Promise<unknown> {
    const i = this.choose();
    let sent: Promise<unknown>;
    try {
      sent = this.clients[i]!.invoke(invocation);
    } catch (err) {
      sent = Promise.reject(err); // counted in and out like any failed call
    }
    this.inFlight[i]!++;
    return sent.then(this.answered[i], this.failed[i]);
  }

  /** Closes every connection; each drains as a single client does. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  /** The index of the live connection with the fewest calls in flight (the first on ties; the first when none is live). */
  private choose(): number {
    const clients = this.clients;
    let best = -1;
    let fewest = Infinity;
    for (let i = 0; i < clients.length; i++) {
      const pending = this.inFlight[i]!;
      if (pending < fewest && clients[i]!.available) {
        best = i;
        fewest = pending;
        if (pending === 0) break;
      }
    }
    // None live: the first one's call fails or waits as a single client's would.
    return best < 0 ? 0 : best;
  }
}
