import { Code, RpcError } from '../errors.js';
import type { Interceptor } from '../interceptor.js';
import { statusOf } from '../telemetry/status.js';
import { serviceKeyString, type ServiceKey } from '../service-key.js';

/** Which end of a call a record describes. */
export type CallSide = 'client' | 'server';

/** One finished call, as the runtime reports it to `Meshlet.onCall` listeners. */
export interface CallRecord {
  readonly side: CallSide;
  /** `group/interface:version`. */
  readonly service: string;
  readonly method: string;
  /** `OK`, or the RpcError code the call failed with. */
  readonly code: string;
  readonly durationMs: number;
}

export type CallListener = (record: CallRecord) => void;

/** One endpoint of a reference, read-only, as `Meshlet.introspect()` shows it. */
export interface EndpointSnapshot {
  /** `protocol://host:port`. */
  readonly address: string;
  /** `up` while its client can send; `down` while it reconnects or backs off. */
  readonly health: 'up' | 'down';
  /** The breaker's state (`closed`, `open`, `halfOpen`), when the reference has breakers that say. */
  readonly breaker: string | undefined;
  readonly inFlight: number;
  /** The balancer's latency estimate (peak EWMA), ms, when it keeps one. */
  readonly ewmaMs: number | undefined;
  /** Attempts sent to this endpoint, and how many failed. */
  readonly calls: number;
  readonly errors: number;
}

export interface ReferenceSnapshot {
  readonly service: string;
  readonly protocol: string;
  /** What the registry (or the fixed `url` list) lists now, every protocol, as `protocol://host:port`. */
  readonly listed: readonly string[];
  readonly endpoints: readonly EndpointSnapshot[];
}

export interface ExportSnapshot {
  readonly service: string;
  readonly protocol: string;
  /** The published address, `protocol://host:port` (undefined before `start()`). */
  readonly address: string | undefined;
  /** `offline` after `Meshlet.offline()`: unregistered, still serving whoever calls. */
  readonly state: 'online' | 'offline' | 'not started';
  readonly methods: readonly string[];
}

/** A read-only picture of a runtime, for admin endpoints and dashboards. */
export interface RuntimeSnapshot {
  readonly application: string | undefined;
  readonly state: string;
  readonly uptimeMs: number;
  /** The registry's name (`local`, `zookeeper`, ...), undefined without one. */
  readonly registry: string | undefined;
  /** Calls in flight, counted while a call listener (`onCall`) is attached. */
  readonly inFlight: { readonly client: number; readonly server: number };
  readonly exports: readonly ExportSnapshot[];
  readonly references: readonly ReferenceSnapshot[];
}

/**
 * Reports every finished call, client and server side, to listeners (admin stats, metrics), and
 * counts calls in flight. Installed outermost on both sides. With no listener a call passes
 * straight through (one length check: a runtime without an admin endpoint pays nothing), so
 * in-flight counts cover the calls that started while a listener was attached.
 */
export class CallTap {
  readonly #listeners: CallListener[] = [];
  readonly inFlight = { client: 0, server: 0 };

  listen(listener: CallListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  interceptor(side: CallSide): Interceptor {
    return (next) => (inv) => {
      if (this.#listeners.length === 0) return next(inv);
      this.inFlight[side]++;
      const start = performance.now();
      const done = (code: string) => {
        this.inFlight[side]--;
        const record: CallRecord = {
          side, service: serviceKeyString(inv.service), method: inv.method.name, code, durationMs: performance.now() - start,
        };
        // A listener that throws must not fail the call it observes.
        for (const l of this.#listeners) {
          try { l(record); } catch { /* ignored */ }
        }
      };
      return next(inv).then(
        (value) => { done('OK'); return value; },
        // The same code the call's span and metrics carry (a method's plain Error is BUSINESS).
        (err: unknown) => { done(statusOf(side, err)); throw err; },
      );
    };
  }
}

/**
 * Whether `key` is the service an operator named: its interface, its full `group/interface:version`
 * spelling, or a regular expression over either (Dubbo QoS' `offline com.foo.*`). No name
 * matches every service; an invalid expression is a BAD_REQUEST, not a silent no-match.
 */
export function matchesService(key: ServiceKey, name: string | undefined): boolean {
  if (name === undefined || name === '') return true;
  const full = serviceKeyString(key);
  if (key.interface === name || full === name) return true;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${name})$`);
  } catch (err) {
    throw new RpcError(Code.BadRequest, `service pattern ${JSON.stringify(name)} is not a valid regular expression: ${(err as Error).message}`);
  }
  return re.test(key.interface) || re.test(full);
}
