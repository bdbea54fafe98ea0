import type { Registration, ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';
import { AgentRegistry } from './agent-registry.js';
import type { AgentReply } from './http.js';
import {
  MOSN_PAYLOADS, mosnApplicationRequest, mosnPublishRequest, mosnSubscribeRequest, mosnUnpublishRequest, type MosnPayload,
} from './mosn-shapes.js';
import { sortedJson } from './sorted-json.js';
import { parseAgentTarget, type AgentTarget } from './target.js';

/**
 * `mosn://host:12220?http=13330`: MOSN's registration API, as SOFARPC's mesh registry uses it
 * (bolt-sofa.md §3). Before the first publish or subscribe, `POST /configs/application`; a provider
 * publishes with `/services/publish`, a consumer announces with `/services/subscribe`. Options:
 * `payload=java|anthunder` (which client's bodies to send, `java` by default), `app` (the
 * application when registrations name none), `serializeType` (`hessian2`), `protocolType`
 * (`bolt`; a Dubbo egress is reached through the `dubbo` port option, its services published as
 * `dubbo`).
 */
export class MosnRegistry extends AgentRegistry {
  readonly name = 'mosn';
  readonly payload: MosnPayload;
  readonly #serializeType: string;
  readonly #protocolType: string;
  #application: string | undefined;
  #applicationSent: Promise<void> | undefined;

  constructor(target: AgentTarget | string) {
    const t = typeof target === 'string' ? parseAgentTarget(target) : target;
    if (t.kind !== 'mosn') throw invalidArgument(`MosnRegistry needs a mosn:// URL, got ${t.kind}://`);
    super(t);
    const payload = (t.params.payload ?? 'java') as MosnPayload;
    if (!MOSN_PAYLOADS.includes(payload)) throw invalidArgument(`mosn payload must be one of ${MOSN_PAYLOADS.join(', ')}, got ${JSON.stringify(payload)}`);
    this.payload = payload;
    this.#serializeType = t.params.serializeType ?? 'hessian2';
    this.#protocolType = t.params.protocolType ?? 'bolt';
    this.#application = t.params.app;
  }

  protected override async prepare(): Promise<void> {
    this.#applicationSent = undefined;
    await this.#ensureApplication();
  }

  protected async publish(r: Registration): Promise<void> {
    this.#application ??= r.application;
    await this.#ensureApplication();
    const protocolType = r.endpoint.protocol === 'bolt' ? this.#protocolType : r.endpoint.protocol;
    const body = mosnPublishRequest({ ...r, application: r.application ?? this.#application }, { payload: this.payload, protocolType, serializeType: this.#serializeType });
    await this.#call('/services/publish', body, `publishing ${r.service.interface}`);
  }

  protected async unpublish(r: Registration): Promise<void> {
    const protocolType = r.endpoint.protocol === 'bolt' ? this.#protocolType : r.endpoint.protocol;
    await this.#call('/services/unpublish', mosnUnpublishRequest(r.service, protocolType), `unpublishing ${r.service.interface}`);
  }

  protected async announce(key: ServiceKey): Promise<void> {
    await this.#ensureApplication();
    await this.#call('/services/subscribe', mosnSubscribeRequest(key, this.#protocolType, this.payload), `subscribing to ${key.interface}`);
  }

  protected async withdraw(key: ServiceKey): Promise<void> {
    await this.#call('/services/unsubscribe', mosnUnpublishRequest(key, this.#protocolType), `unsubscribing from ${key.interface}`);
  }

  /** Once per agent incarnation, and only once an application name is known. */
  #ensureApplication(): Promise<void> {
    const app = this.#application;
    if (app === undefined) return Promise.resolve();
    let sent = this.#applicationSent;
    if (sent === undefined) {
      const attempt: Promise<void> = this.#call('/configs/application', mosnApplicationRequest(app), `registering application ${app}`).then(() => {});
      this.#applicationSent = sent = attempt;
      // A failed attempt is not remembered: the next publish or subscribe tries again.
      attempt.catch(() => {
        if (this.#applicationSent === attempt) this.#applicationSent = undefined;
      });
    }
    return sent;
  }

  /** SOFARPC posts `text/plain` (fastjson text); anthunder posts JSON. Success is `{"success":true}`. */
  async #call(path: string, body: Record<string, unknown>, what: string): Promise<AgentReply> {
    const contentType = this.payload === 'java' ? 'text/plain; charset=UTF-8' : 'application/json';
    const reply = await this.post(path, sortedJson(body), contentType);
    const ok = reply.status === 200 && (reply.json as { success?: unknown } | undefined)?.success === true;
    if (!ok) throw this.refused(what, reply);
    return reply;
  }
}
