import { Code, RpcError } from '../errors.js';

// The option types (TLS, limits, listen/connect) are part of the SPI, in transport-options.ts;
// re-exported here for the engine's own users. This file keeps the engine's defaults and limits.
export type { TlsOptions, ConnectionLimits, ListenOptions, ConnectOptions } from '../transport-options.js';

/** 8 MiB, Dubbo's `payload` default; checked from the header, before any body is buffered. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024;

/**
 * A frame whose header has arrived must be complete within this long, ms: a peer that drips a
 * frame one byte at a time (under the size limit) is closed instead of holding its buffer forever.
 */
export const DEFAULT_FRAME_TIMEOUT = 30_000;

/**
 * Above this many bytes queued for a socket and not yet accepted by the kernel, a server stops
 * reading that socket until it drains: a peer that sends requests and never reads the replies
 * cannot grow our memory. Clients use it to hold new calls back instead.
 */
export const DEFAULT_WRITE_HIGH_WATER = 4 * 1024 * 1024;

/** Requests in flight on one server connection (ListenOptions.maxInFlightPerConnection says why 4096). */
export const DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 4096;

/** What a request refused by that limit is answered with, in each protocol's busy refusal. */
export const IN_FLIGHT_BUSY_MESSAGE = 'server busy: this connection has maxInFlightPerConnection requests in flight; request not executed';

/** The in-flight limit a server uses: the option, checked, or the default. */
export function inFlightLimit(option: number | undefined): number {
  if (option === undefined) return DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
  if (!Number.isInteger(option) || option < 1) throw new RpcError(Code.InvalidArgument, `maxInFlightPerConnection must be a whole number >= 1, got ${option}`);
  return option;
}

/** Bytes of partial frames held by every connection of this process together (see engineLimits). */
export const DEFAULT_MAX_PROCESS_BUFFERED = 256 * 1024 * 1024;

/** Limits shared by every connection of the process; change them with configureEngine(). */
export const engineLimits = {
  /** Partial-frame bytes all connections together may hold; the connection that would go past it is closed. */
  maxProcessBuffered: DEFAULT_MAX_PROCESS_BUFFERED,
};

export interface EngineLimits {
  readonly maxProcessBuffered?: number | undefined;
}

/** Sets process-wide engine limits (for every connection opened from now on and those open). */
export function configureEngine(limits: EngineLimits): void {
  if (limits.maxProcessBuffered !== undefined) {
    if (!(limits.maxProcessBuffered > 0)) throw new RpcError(Code.InvalidArgument, `maxProcessBuffered must be > 0, got ${limits.maxProcessBuffered}`);
    engineLimits.maxProcessBuffered = limits.maxProcessBuffered;
  }
}

