import { parseEndpoint, type Endpoint, type EndpointListener, type Registration, type Registry, type ServiceKey } from '@meshlet/core';
import { endpointSet } from './endpoint-set.js';
import { Subscription } from './subscription.js';
import { checkRegistration, checkServiceKey, closedError, invalidArgument } from './validate.js';

export interface StaticRegistryOptions {
  /**
   * The protocol of entries written without one (`host:port`), and a filter: when set, only
   * endpoints of this protocol are delivered. Without it every entry must name its protocol
   * (`dubbo://host:port`).
   */
  readonly protocol?: string | undefined;
}

/**
 * The `static` registry: a fixed list of endpoints (direct addresses). Every subscription, to any
 * service, receives that list once; register and unregister do nothing.
 */
export class StaticRegistry implements Registry {
  readonly name = 'static';
  readonly endpoints: readonly Endpoint[];
  #closed = false;

  constructor(endpoints: Iterable<string | Endpoint>, options: StaticRegistryOptions = {}) {
    const protocol = options.protocol;
    const parsed: Endpoint[] = [];
    for (const entry of endpoints) {
      const e = typeof entry === 'string' ? parseEntry(entry, protocol) : entry;
      if (protocol === undefined || e.protocol === protocol) parsed.push(e);
    }
    this.endpoints = endpointSet(parsed);
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    checkRegistration(registration);
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    checkRegistration(registration);
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const sub = new Subscription(checkServiceKey(service), listener);
    sub.offer(this.endpoints);
    return () => sub.cancel();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function parseEntry(text: string, protocol: string | undefined): Endpoint {
  const trimmed = text.trim();
  if (protocol === undefined && !trimmed.includes('://')) {
    throw invalidArgument(`static endpoint ${JSON.stringify(trimmed)} names no protocol: write dubbo://${trimmed} (say) or set the protocol option (static://...?protocol=dubbo)`);
  }
  try {
    return parseEndpoint(trimmed, protocol ?? '');
  } catch (err) {
    throw invalidArgument(`invalid static endpoint ${JSON.stringify(trimmed)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
