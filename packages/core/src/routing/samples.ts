import type { Endpoint } from '../endpoint.js';

/**
 * A provider as Dubbo's `URL.toOriginalMap` shows it to a condition's `then` side: its parameters
 * plus protocol, host, port, address and path (the interface). Made once per endpoint object.
 */
const providerSamples = new WeakMap<Endpoint, Readonly<Record<string, string>>>();

export function providerSample(endpoint: Endpoint): Readonly<Record<string, string>> {
  let sample = providerSamples.get(endpoint);
  if (sample === undefined) {
    // No prototype: a rule's key (`constructor`, `__proto__`) reads the endpoint's parameters only.
    const s: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(endpoint.params)) s[k] = v;
    s.protocol = endpoint.protocol;
    s.host = endpoint.host;
    s.port = String(endpoint.port);
    s.address = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    s.path ??= endpoint.params.interface ?? '';
    sample = Object.freeze(s);
    providerSamples.set(endpoint, sample);
  }
  return sample;
}

/** The application that published `endpoint` (Dubbo's `remote.application`, else `application`). */
export function providerApplication(endpoint: Endpoint): string | undefined {
  const p = endpoint.params;
  return p['remote.application'] || p.application || undefined;
}
