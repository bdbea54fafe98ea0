import { endpointAddress, type Endpoint } from '../endpoint.js';
import type { ClientOptions, Protocol, ProtocolClient } from '../protocol.js';

/**
 * One protocol client per address, shared by every service referred at that address (Dubbo and
 * SOFARPC share connections the same way). Clients are closed when their address leaves every
 * directory that uses it.
 */
export class ClientPool {
  private readonly clients = new Map<string, { client: ProtocolClient; refs: number }>();

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
    const client = protocol.createClient(endpoint, this.options);
    this.clients.set(address, { client, refs: 1 });
    return client;
  }

  release(endpoint: Endpoint): void {
    const address = endpointAddress(endpoint);
    const entry = this.clients.get(address);
    if (entry && --entry.refs === 0) {
      this.clients.delete(address);
      void entry.client.close();
    }
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((e) => e.client.close()));
  }
}
