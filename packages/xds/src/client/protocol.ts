// What the two ADS variants (state-of-the-world and incremental) share with the client that runs
// their stream.
import type { ResourceCache, TypeState } from './resource-cache.js';

export interface AdsContext {
  readonly cache: ResourceCache;
  /** A53: keep LDS/CDS resources the control plane stops sending (logged), instead of dropping them. */
  readonly ignoreResourceDeletion: boolean;
  /** Writes a request on the current stream (dropped when it just broke: the next stream asks again). */
  send(bytes: Buffer): void;
  /** The Node for a stream's first request; undefined for the later ones. */
  node(): object | undefined;
  acked(typeUrl: string): void;
  nacked(typeUrl: string, message: string): void;
  /** A response that could not be read at all (no type to NACK it under). */
  unreadable(message: string): void;
}

export interface AdsProtocol {
  readonly method: string;
  /** A new stream is open: ask again for everything wanted. */
  streamStarted(): void;
  onResponse(bytes: Buffer): void;
  /** A name became wanted (or stopped being wanted) while a stream may be open. */
  subscriptionChanged(typeUrl: string, name: string, wanted: boolean): void;
}

/** The NACK's message: every invalid resource, joined (gRPC joins them the same way). */
export function joinErrors(errors: readonly string[]): string {
  return errors.join('; ');
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A response decoded, with the state of its type; undefined, reported as unreadable, when the bytes
 * do not decode or name a type never subscribed to (no type to NACK it under).
 */
export function readResponse<R extends { readonly typeUrl: string }>(
  ctx: AdsContext,
  bytes: Buffer,
  decode: (bytes: Buffer) => R,
): { response: R; t: TypeState } | undefined {
  let response: R;
  try {
    response = decode(bytes);
  } catch (err) {
    ctx.unreadable(errorText(err));
    return undefined;
  }
  const t = ctx.cache.types.get(response.typeUrl);
  if (t === undefined) {
    ctx.unreadable(`a response of ${response.typeUrl || '(no type)'}, never subscribed to`);
    return undefined;
  }
  return { response, t };
}
