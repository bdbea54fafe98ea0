import type { Endpoint } from './endpoint.js';
import type { Invocation } from './invocation.js';
import type { Invoker } from './interceptor.js';
import type { Registration } from './registry.js';
import type { MethodDefinition, ServiceDefinition } from './service.js';
import type { ServiceKey } from './service-key.js';
import type { TlsOptions } from './engine/options.js';
import type { GenericCall, GenericWireCall } from './generic/call.js';
import type { ProtocolRelay } from './relay.js';

/** An exported method as a server transport finds it: enough to decode arguments and call it. */
export interface ExportedMethod {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  /** The implementation behind the server interceptors. */
  readonly invoke: Invoker;
}

/** What the runtime hands a server transport. */
export interface ServerHandler {
  /**
   * Finds an exported method. `signature` narrows Java overloads: concatenated JVM descriptors
   * (Dubbo) or `Class.getName()` names (SOFARPC). Throws RpcError SERVICE_NOT_FOUND or
   * METHOD_NOT_FOUND.
   */
  resolve(service: ServiceKey, method: string, signature?: string | readonly string[]): ExportedMethod;
  /**
   * A request that found no method after the transport's last lookup (transports retry with other
   * keys: Dubbo's group from the attachments, SOFA's default version, Motan's fallbacks), so a
   * refused request is reported, as a SERVER span, exactly once.
   */
  refused?(service: ServiceKey, method: string, err: unknown): void;
}

export interface ClientOptions {
  /** Heartbeat after this long without reads, ms. */
  readonly heartbeatInterval?: number;
  /** Close the connection after this long without reads, ms (3× heartbeat by default). */
  readonly idleTimeout?: number;
  readonly connectTimeout?: number;
  /**
   * When a call times out with nothing read on its connection since it was sent, a heartbeat goes
   * out; no byte back within this many ms closes the connection as dead (a partition, a black
   * hole), so its address is sidelined and reconnected in the background (3000).
   */
  readonly probeTimeout?: number;
  /** Largest frame sent or accepted (8 MiB); a bigger request fails alone with FRAME_TOO_LARGE, unsent. */
  readonly maxFrameSize?: number;
  /** ms for a response frame to complete once its header arrived (30 s). */
  readonly frameTimeout?: number | undefined;
  /** Unsent bytes above which new calls wait for the socket to drain (4 MiB). */
  readonly writeHighWater?: number | undefined;
  /**
   * Once a connection whose provider sent GoAway (Dubbo's read-only event) has closed, how long
   * its address takes no calls before it is tried again, ms (2000): that provider is stopping.
   */
  readonly goAwayHoldOff?: number | undefined;
  readonly tls?: TlsOptions | undefined;
  /** Application name sent to peers that want one (Dubbo `remote.application`). */
  readonly application?: string | undefined;
}

export interface ServerOptions {
  readonly host?: string;
  readonly port?: number;
  readonly idleTimeout?: number;
  readonly maxFrameSize?: number;
  /** ms for a request frame to complete once its header arrived (30 s); a dripping peer is closed. */
  readonly frameTimeout?: number | undefined;
  /** Unsent reply bytes above which a connection stops reading requests until drained (4 MiB). */
  readonly writeHighWater?: number | undefined;
  readonly tls?: TlsOptions | undefined;
  readonly application?: string | undefined;
}

/** A connection (pool) to one endpoint. */
export interface ProtocolClient {
  readonly endpoint: Endpoint;
  /** False while the peer asked us to stop sending (read-only/GoAway) or the channel backs off. */
  readonly available: boolean;
  invoke(invocation: Invocation): Promise<unknown>;
  /** Settles every pending call with CONNECTION_CLOSED, then closes. */
  close(): Promise<void>;
}

export interface ProtocolServer {
  /** The bound address, once listening. */
  readonly address: { host: string; port: number } | undefined;
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting connections, tells clients to send no new calls, drains in-flight calls
   * (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

/** One wire protocol: a transport package exports one of these. */
export interface Protocol {
  readonly name: string;
  readonly defaultPort: number;
  /** True when the protocol carries stream methods (`MethodSpec.stream`); others refuse them with UNSUPPORTED. */
  readonly streams?: boolean;
  createClient(endpoint: Endpoint, options?: ClientOptions): ProtocolClient;
  createServer(handler: ServerHandler, options?: ServerOptions): ProtocolServer;
  /** The URL this protocol's ecosystem registers a provider under (e.g. Dubbo's provider URL). */
  toUrl(registration: Registration): string;
  /** The inverse of `toUrl`; undefined for URLs of other protocols. */
  fromUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined;
  /**
   * How a generic call (`Meshlet.generic`) goes on this protocol's wire, when its ecosystem has a
   * convention of its own (Dubbo: `$invoke` with `generic=true`). Without it, a generic call is the
   * typed call its Java types describe.
   */
  readonly genericCall?: (call: GenericCall) => GenericWireCall;
  /**
   * How a proxy (Meshlet's agent) relays this protocol frame by frame, with the protocol's own
   * framing and status table (see `relay.ts`). Absent: the protocol is not relayed.
   */
  readonly relay?: ProtocolRelay;
}
