import type { Registration, ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';
import { AgentRegistry } from './agent-registry.js';
import type { AgentReply } from './http.js';
import { jsonUrlText, MOTAN_DEFAULT_GROUP, registrationToJsonUrl, serviceToJsonUrl, type JsonUrl } from './json-url.js';
import { parseAgentTarget, type AgentTarget } from './target.js';

/**
 * `motan-agent://host:9981?mport=8002&proxyRegistry=zookeeper://10.0.0.1:2181`: the motan-go
 * agent's management API (motan.md §3.3, §3.4). A provider registers its JSON URL with
 * `/registry/register` and the configured `proxyRegistry` (which must name a registry declared in
 * the agent's `motan-registry` section); the agent then exports the service on its 9982 and
 * forwards to the app. After registering, `GET /200` puts the services online (the agent starts at
 * 503), unless `online=false`. Consumers announce with `/registry/subscribe` and call the agent's
 * 9981 with plain Motan2 requests. Services without a group are filed under `default_rpc`.
 */
export class MotanAgentRegistry extends AgentRegistry {
  readonly name = 'motan-agent';
  readonly #parameters: Readonly<Record<string, string>>;
  readonly #online: boolean;

  constructor(target: AgentTarget | string) {
    const t = typeof target === 'string' ? parseAgentTarget(target) : target;
    if (t.kind !== 'motan-agent') throw invalidArgument(`MotanAgentRegistry needs a motan-agent:// URL, got ${t.kind}://`);
    super(t);
    const parameters: Record<string, string> = {};
    for (const k of ['proxyRegistry', 'proxyRegistryUrlString', 'serialization']) if (t.params[k] !== undefined) parameters[k] = t.params[k]!;
    this.#parameters = parameters;
    this.#online = t.params.online !== 'false';
  }

  protected async publish(r: Registration): Promise<void> {
    await this.#call('/registry/register', this.#url(r), `registering ${r.service.interface}`);
    if (this.#online) {
      const reply = await this.get('/200');
      if (reply.status !== 200) throw this.refused('GET /200 (services online)', reply);
    }
  }

  protected async unpublish(r: Registration): Promise<void> {
    await this.#call('/registry/unregister', this.#url(r), `unregistering ${r.service.interface}`);
  }

  protected async announce(key: ServiceKey): Promise<void> {
    await this.#call('/registry/subscribe', serviceToJsonUrl('motan2', key, { defaultGroup: MOTAN_DEFAULT_GROUP, parameters: this.#parameters }), `subscribing to ${key.interface}`);
  }

  protected async withdraw(_key: ServiceKey): Promise<void> {
    // The motan-go agent has no unsubscribe: its cluster stays until it restarts.
  }

  #url(r: Registration): JsonUrl {
    return registrationToJsonUrl(r, { defaultGroup: MOTAN_DEFAULT_GROUP, parameters: this.#parameters });
  }

  /** Success is `{"code":200,"message":"ok"}`; failures carry code 400/500 and a message. */
  async #call(path: string, url: JsonUrl, what: string): Promise<AgentReply> {
    const reply = await this.post(path, jsonUrlText(url));
    const code = (reply.json as { code?: unknown } | undefined)?.code;
    if (reply.status !== 200 || code !== 200) throw this.refused(what, reply);
    return reply;
  }
}
