import type { Registration, ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';
import { AgentRegistry } from './agent-registry.js';
import { jsonUrlText, registrationToJsonUrl, serviceToJsonUrl, type JsonUrl } from './json-url.js';
import { parseAgentTarget, type AgentTarget } from './target.js';

/**
 * `meshlet://host:12220?http=13330`: Meshlet's own agent (`@meshlet/agent`). It speaks the
 * motan-agent-style API it offers Go apps anyway, with Meshlet's fields: any protocol in the JSON
 * URL, the service version, application and methods as parameters, no group when the service has
 * none. One port carries Dubbo, Bolt and Motan2 (the agent tells them apart by their magic bytes),
 * so a subscription delivers that port once per protocol.
 */
export class MeshletAgentRegistry extends AgentRegistry {
  readonly name = 'meshlet-agent';

  constructor(target: AgentTarget | string) {
    const t = typeof target === 'string' ? parseAgentTarget(target) : target;
    if (t.kind !== 'meshlet') throw invalidArgument(`MeshletAgentRegistry needs a meshlet:// URL, got ${t.kind}://`);
    super(t);
  }

  protected publish(r: Registration): Promise<void> {
    return this.#call('/registry/register', registrationToJsonUrl(r), `registering ${r.service.interface}`);
  }

  protected unpublish(r: Registration): Promise<void> {
    return this.#call('/registry/unregister', registrationToJsonUrl(r), `unregistering ${r.service.interface}`);
  }

  /** Lets the agent subscribe upstream now, so the app's first call finds the providers known. */
  protected announce(key: ServiceKey): Promise<void> {
    return this.#call('/registry/subscribe', serviceToJsonUrl('*', key), `subscribing to ${key.interface}`);
  }

  protected withdraw(key: ServiceKey): Promise<void> {
    return this.#call('/registry/unsubscribe', serviceToJsonUrl('*', key), `unsubscribing from ${key.interface}`);
  }

  async #call(path: string, url: JsonUrl, what: string): Promise<void> {
    const reply = await this.post(path, jsonUrlText(url));
    if (reply.status !== 200 || (reply.json as { code?: unknown } | undefined)?.code !== 200) throw this.refused(what, reply);
  }
}
