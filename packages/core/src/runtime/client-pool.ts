import { endpointAddress, type Endpoint } from '../endpoint.js';
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
    const created: Entry = { client: undefined!, refs: 1, inFlight: 0, idle: undefined };
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
}

/** The client with its in-flight calls counted into `entry`. */
function counted(client: ProtocolClient, entry: Entry): ProtocolClient {
  return {
    endpoint: client.endpoint,
    get available() {
      return client.available;
    },
    invoke(invocation) {
      entry.inFlight++;
      const settled = () => {
        if (--entry.inFlight === 0) entry.idle?.();
      };
      const call = client.invoke(invocation);
      call.then(settled, settled);
      return call;
    },
    close: () => client.close(),
  };
}
