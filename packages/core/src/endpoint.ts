/** One address a service can be reached at, as a registry reports it. */
export interface Endpoint {
  /** Protocol name, e.g. `dubbo`, `bolt`. */
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  /** Relative load-balancing weight; 100 when the registry says nothing. */
  readonly weight: number;
  /** Everything else the registry carried (Dubbo URL parameters, SOFA attributes, ...). */
  readonly params: Readonly<Record<string, string>>;
}

export function endpoint(protocol: string, host: string, port: number, params: Record<string, string> = {}, weight = 100): Endpoint {
  return Object.freeze({ protocol, host, port, weight, params: Object.freeze({ ...params }) });
}

/** `protocol://host:port`, unique per connection target. */
export function endpointAddress(e: Pick<Endpoint, 'protocol' | 'host' | 'port'>): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.protocol}://${host}:${e.port}`;
}

/**
 * Parses `host:port`, `[v6]:port` or `protocol://host:port?k=v` (the `static` registry's and
 * `--target`'s spelling).
 */
export function parseEndpoint(text: string, defaultProtocol: string): Endpoint {
  const withScheme = text.includes('://') ? text : `${defaultProtocol}://${text}`;
  const url = new URL(withScheme);
  const port = Number(url.port);
  if (!url.hostname || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`invalid endpoint address: ${JSON.stringify(text)}`);
  }
  const params = Object.fromEntries(url.searchParams);
  const weight = params.weight === undefined ? 100 : Number(params.weight);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return endpoint(url.protocol.slice(0, -1), host, port, params, Number.isFinite(weight) ? weight : 100);
}
