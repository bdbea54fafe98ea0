// State-of-the-world ADS: each request names every wanted resource of its type; each response is
// the current set (LDS/CDS: all of it, so a missing resource was removed; RDS/EDS: the ones
// named). Valid resources apply even when others in the same response are invalid; the response is
// then NACKed with the last ACKed version, the nonce and the errors, as gRPC does.
import { isFullStateType } from '../type-urls.js';
import { decodeResource } from '../decode/resource.js';
import { InvalidResource } from '../validate/index.js';
import { ADS_SOTW_METHOD, INVALID_ARGUMENT, decodeSotwResponse, encodeSotwRequest } from './messages.js';
import { errorText, joinErrors, readResponse, type AdsContext, type AdsProtocol } from './protocol.js';
import { WILDCARD, type TypeState } from './resource-cache.js';

/**
 * A wildcard alone goes as the legacy empty list (what Envoy sends; go-control-plane's snapshot
 * cache filters its SotW responses by the names literally and would answer an explicit '*' with
 * nothing); with names beside it, as the explicit '*'.
 */
function sotwNames(wildcard: boolean, names: string[]): string[] {
  if (!wildcard) return names;
  return names.length === 0 ? [] : [WILDCARD, ...names];
}

export class SotwProtocol implements AdsProtocol {
  readonly method = ADS_SOTW_METHOD;

  constructor(private readonly ctx: AdsContext) {}

  streamStarted(): void {
    this.pending.clear(); // the new stream's requests carry every name
    for (const t of this.ctx.cache.types.values()) {
      if (!t.wildcard && t.names().length === 0) continue;
      t.nonce = '';
      this.request(t);
    }
  }

  // Watches made in one tick (a route table naming 300 clusters) go out as one request per type,
  // not one growing list per name. An unwatch goes at once: a name dropped and watched again within
  // a tick must reach the server as gone and back, or it would not send the resource again.
  private readonly pending = new Set<string>();

  subscriptionChanged(typeUrl: string, _name: string, wanted: boolean): void {
    if (!wanted) {
      this.pending.delete(typeUrl);
      this.request(this.ctx.cache.type(typeUrl));
      return;
    }
    if (this.pending.size === 0) queueMicrotask(() => this.flush());
    this.pending.add(typeUrl);
  }

  private flush(): void {
    const types = [...this.pending];
    this.pending.clear();
    for (const typeUrl of types) this.request(this.ctx.cache.type(typeUrl));
  }

  private request(t: TypeState, errorDetail?: { code: number; message: string }): void {
    const names = t.names();
    this.ctx.send(
      encodeSotwRequest({
        versionInfo: t.version,
        node: this.ctx.node(),
        resourceNames: sotwNames(t.wildcard, names),
        typeUrl: t.typeUrl,
        responseNonce: t.nonce,
        errorDetail,
      }),
    );
    if (errorDetail === undefined) this.ctx.cache.startTimers(t.typeUrl);
  }

  onResponse(bytes: Buffer): void {
    const read = readResponse(this.ctx, bytes, decodeSotwResponse);
    if (read === undefined) return;
    const { response, t } = read;
    const { cache } = this.ctx;
    t.nonce = response.nonce;
    const errors: string[] = [];
    const seen = new Set<string>();
    for (const any of response.resources) {
      try {
        const r = decodeResource(any, t.typeUrl);
        if (seen.has(r.name)) throw new InvalidResource(r.name, 'sent twice in one response');
        seen.add(r.name);
        if (t.wants(r.name)) cache.accept(t.typeUrl, r.name, r.value, r.bytes, response.versionInfo);
      } catch (err) {
        errors.push(errorText(err));
        if (err instanceof InvalidResource && err.resourceName !== undefined) {
          seen.add(err.resourceName);
          cache.reject(t.typeUrl, err.resourceName, err.message, response.versionInfo);
        }
      }
    }
    if (isFullStateType(t.typeUrl)) {
      for (const e of [...t.entries.values()]) {
        if (seen.has(e.name)) continue;
        // Only a resource the client has can be removed by its absence (gRPC's rule): one requested
        // and not received yet may be missing because this response answers an earlier request
        // that did not name it; the does-not-exist timer covers it.
        if (e.value === undefined) continue;
        if (this.ctx.ignoreResourceDeletion) continue;
        cache.remove(t.typeUrl, e.name);
      }
    }
    if (errors.length === 0) {
      t.version = response.versionInfo;
      this.request(t);
      this.ctx.acked(t.typeUrl);
    } else {
      const detail = joinErrors(errors);
      this.request(t, { code: INVALID_ARGUMENT, message: detail });
      this.ctx.nacked(t.typeUrl, detail);
    }
  }
}
