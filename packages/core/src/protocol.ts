import type { Endpoint } from './endpoint.js';
import type { Invocation } from './invocation.js';
import type { Invoker } from './interceptor.js';
import type { Registration } from './registry.js';
import type { MethodDefinition, ServiceDefinition } from './service.js';
import type { ServiceKey } from './service-key.js';
import type { ConnectOptions, ListenOptions } from './transport-options.js';
import type { GenericCall, GenericWireCall } from './generic-call.js';
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

/** What the runtime's `client` options give every protocol client (see `ConnectOptions`). */
export interface ClientOptions extends ConnectOptions {
  /** Application name sent to peers that want one (Dubbo `remote.application`). */
  readonly application?: string | undefined;
}

/** What the runtime's `server` options give every protocol server (see `ListenOptions`). */
export interface ServerOptions extends ListenOptions {
  /** Application name, for protocols whose servers report one. */
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
  /**
   * Which stream methods (`MethodSpec.stream`) the protocol carries: `true`, server streams;
   * `'all'`, client and bidi streams too. Methods it does not carry are refused with UNSUPPORTED.
   */
  readonly streams?: boolean | 'all';
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
