/** Counters of one direction and protocol, as `/status` shows them. */
export interface Counter {
  requests: number;
  responses: number;
  /** Calls the agent answered with an error reply (no provider, timeout, ...). */
  errors: number;
  /** Frames it could not route (no service header, undecodable). */
  rejected: number;
  heartbeats: number;
  inFlight: number;
}

export class Stats {
  readonly #counters = new Map<string, Counter>();
  connections = 0;

  counter(direction: string, protocol: string): Counter {
    const key = `${direction}/${protocol}`;
    let c = this.#counters.get(key);
    if (c === undefined) {
      c = { requests: 0, responses: 0, errors: 0, rejected: 0, heartbeats: 0, inFlight: 0 };
      this.#counters.set(key, c);
    }
    return c;
  }

  /** `{ egress: { dubbo: {...} }, ingress: {...} }`. */
  snapshot(): Record<string, Record<string, Counter>> {
    const out: Record<string, Record<string, Counter>> = { egress: {}, ingress: {} };
    for (const [key, c] of this.#counters) {
      const [direction, protocol] = key.split('/') as [string, string];
      (out[direction] ??= {})[protocol] = { ...c };
    }
    return out;
  }
}
