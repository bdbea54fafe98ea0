import { endpointAddress, type Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { ClientOptions, Protocol, ProtocolClient } from '../protocol.js';

/**
 * One protocol client per address, shared by every service referred at that address (Dubbo and
 * SOFARPC share connections the same way). Clients are closed when their address leaves every
 * directory that uses it.
 */
export class ClientPool {
  private readonly clients = new Map<string, Entry>();

  constructor(
    private readonly protocols: ReadonlyMap<string, Protocol>,
    private readonly options: ClientOptions,
  ) {}

  acquire(endpoint: Endpoint): ProtocolClient {
    const address = endpointAddress(endpoint);
    const entry = this.clients.get(address);
    if (entry) {
      entry.refs++;
      return entry.client;
    }
    const protocol = this.protocols.get(endpoint.protocol);
    if (protocol === undefined) throw new Error(`no protocol ${endpoint.protocol} configured`);
    const created: Entry = { client: undefined!, refs: 1, inFlight: 0, idle: undefined, ejectedUntil: 0, ejections: 0 };
    created.client = counted(protocol.createClient(endpoint, this.options), created);
    this.clients.set(address, created);
    return created.client;
  }

  release(endpoint: Endpoint): void {
    const address = endpointAddress(endpoint);
    const entry = this.clients.get(address);
    if (entry && --entry.refs === 0) {
      this.clients.delete(address);
      // An address leaves the directory when its provider deregisters, which a provider does
      // first when it shuts down gracefully: calls already sent are being drained over there,
      // so let them finish (each has its deadline) before the connection goes, as Dubbo does.
      if (entry.inFlight === 0) void entry.client.close();
      else entry.idle = () => void entry.client.close();
    }
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((e) => e.client.close()));
  }
}

interface Entry {
  client: ProtocolClient;
  refs: number;
  /** Calls sent and not yet settled. */
  inFlight: number;
  /** Set once released while calls were in flight: closes the client when the last settles. */
  idle: (() => void) | undefined;
  /** `performance.now()` before which the address sits out (its connection was refused or reset). */
  ejectedUntil: number;
  /** Ejections in a row without a success between them: each doubles the time out. */
  ejections: number;
}

/** How long an address sits out after its connection was refused or reset, doubling per repeat, ms. */
export const EJECT_BASE_MS = 500;
export const EJECT_MAX_MS = 30_000;

/**
 * Whether `err` says the address itself is gone (refused, reset, unreachable, closed under us)
 * rather than that one call failed. Errors with a peer status came in a response, so the peer is
 * up; timeouts may be a slow peer, which the balancer and breakers handle.
 */
export function isDeadEndpoint(err: unknown): boolean {
  return err instanceof RpcError && err.status === undefined &&
    (err.code === Code.Unavailable || err.code === Code.ConnectionClosed || err.code === Code.Shutdown);
}

/**
 * The client with its in-flight calls counted into `entry`, and outlier ejection: a call failing
 * because the connection was refused or reset takes the address out of every reference's choice at
 * once (they all share this client), instead of each reference finding out by failing calls on it
 * until the channel backs off. After the time out the next call probes it; a success readmits it.
 */
function counted(client: ProtocolClient, entry: Entry): ProtocolClient {
  const settled = () => {
    if (--entry.inFlight === 0) entry.idle?.();
  };
  const succeeded = (value: unknown) => {
    settled();
    entry.ejections = 0;
    return value;
  };
  const failed = (err: unknown) => {
    settled();
    if (isDeadEndpoint(err)) {
      const now = performance.now();
      // Calls failing together on one reset count as one ejection.
      if (now >= entry.ejectedUntil) {
        entry.ejectedUntil = now + Math.min(EJECT_MAX_MS, EJECT_BASE_MS * 2 ** entry.ejections);
        entry.ejections = Math.min(entry.ejections + 1, 16);
      }
    }
    throw err;
  };
  const wrapped = {
    endpoint: client.endpoint,
    /** Calls in flight to this address from every reference (what least-loaded balancers weigh). */
    get pendingCount() {
      return entry.inFlight;
    },
    get available() {
      return client.available && (entry.ejectedUntil === 0 || performance.now() >= entry.ejectedUntil);
    },
    invoke(invocation) {
      entry.inFlight++;
      return client.invoke(invocation).then(succeeded, failed);
    },
    close: () => client.close(),
  } satisfies ProtocolClient & { pendingCount: number };
  return wrapped;
}
