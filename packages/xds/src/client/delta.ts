// Incremental (delta) ADS: requests subscribe and unsubscribe names; responses carry only what
// changed (each resource with its own version) and the names removed. A new stream says what the
// client holds (initial_resource_versions), so the server sends only what is newer.
import { isFullStateType } from '../type-urls.js';
import { decodeResource } from '../decode/resource.js';
import { InvalidResource } from '../validate/index.js';
import { ADS_DELTA_METHOD, INVALID_ARGUMENT, decodeDeltaResponse, encodeDeltaRequest } from './messages.js';
import { errorText, joinErrors, readResponse, type AdsContext, type AdsProtocol } from './protocol.js';
import { WILDCARD } from './resource-cache.js';

export class DeltaProtocol implements AdsProtocol {
  readonly method = ADS_DELTA_METHOD;

  constructor(private readonly ctx: AdsContext) {}

  streamStarted(): void {
    this.pending.clear(); // the new stream's requests carry every name
    for (const t of this.ctx.cache.types.values()) {
      const names = t.names();
      if (!t.wildcard && names.length === 0) continue;
      const initial: Record<string, string> = {};
      for (const e of t.entries.values()) if (e.value !== undefined) initial[e.name] = e.version;
      this.ctx.send(
        encodeDeltaRequest({
          node: this.ctx.node(),
          typeUrl: t.typeUrl,
          resourceNamesSubscribe: t.wildcard ? [WILDCARD, ...names] : names,
          initialResourceVersions: initial,
        }),
      );
      this.ctx.cache.startTimers(t.typeUrl);
    }
  }

  // Names watched in one tick go out as one subscribe per type. An unwatch goes at once (and
  // cancels a subscribe not sent yet): a name dropped and watched again within a tick must reach the
  // server as gone and back, or it would not send the resource again.
  private readonly pending = new Map<string, Set<string>>();

  subscriptionChanged(typeUrl: string, name: string, wanted: boolean): void {
    const names = this.pending.get(typeUrl);
    if (!wanted) {
      if (names?.delete(name)) return; // never sent
      this.ctx.send(encodeDeltaRequest({ node: this.ctx.node(), typeUrl, resourceNamesUnsubscribe: [name] }));
      return;
    }
    if (this.pending.size === 0) queueMicrotask(() => this.flush());
    if (names === undefined) this.pending.set(typeUrl, new Set([name]));
    else names.add(name);
  }

  private flush(): void {
    const all = [...this.pending];
    this.pending.clear();
    for (const [typeUrl, names] of all) {
      if (names.size === 0) continue;
      this.ctx.send(encodeDeltaRequest({ node: this.ctx.node(), typeUrl, resourceNamesSubscribe: [...names] }));
      this.ctx.cache.startTimers(typeUrl);
    }
  }

  onResponse(bytes: Buffer): void {
    const read = readResponse(this.ctx, bytes, decodeDeltaResponse);
    if (read === undefined) return;
    const { response, t } = read;
    const { cache } = this.ctx;
    const errors: string[] = [];
    for (const r of response.resources) {
      // A Resource without its resource refreshes a TTL: nothing to decode.
      if (r.resource === undefined || r.resource === null) continue;
      try {
        if (r.name === '') throw new InvalidResource(undefined, 'a delta resource without a name');
        const d = decodeResource(r.resource, t.typeUrl, r.name);
        if (t.wants(d.name)) cache.accept(t.typeUrl, d.name, d.value, d.bytes, r.version);
      } catch (err) {
        errors.push(errorText(err));
        if (err instanceof InvalidResource && err.resourceName !== undefined) cache.reject(t.typeUrl, err.resourceName, err.message, r.version);
      }
    }
    for (const name of response.removedResources) {
      const e = t.entries.get(name);
      if (e === undefined) continue;
      if (this.ctx.ignoreResourceDeletion && isFullStateType(t.typeUrl) && e.value !== undefined) continue;
      cache.remove(t.typeUrl, name);
    }
    if (errors.length === 0) {
      this.ctx.send(encodeDeltaRequest({ typeUrl: t.typeUrl, responseNonce: response.nonce }));
      this.ctx.acked(t.typeUrl);
    } else {
      const detail = joinErrors(errors);
      this.ctx.send(encodeDeltaRequest({ typeUrl: t.typeUrl, responseNonce: response.nonce, errorDetail: { code: INVALID_ARGUMENT, message: detail } }));
      this.ctx.nacked(t.typeUrl, detail);
    }
  }
}
