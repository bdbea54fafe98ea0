import { Code, RpcError } from '@meshlet/core';

/** `google.protobuf.Duration` as protobufjs' `toObject` gives it (`longs: Number` or `String`), or proto3 JSON's `"1.5s"`. */
export type DurationLike = { seconds?: number | string; nanos?: number } | string;
/**
 * `google.protobuf.UInt32Value` decoded (`{ value }`), or a plain number. A wrapper present with
 * no `value` is 0: `toObject(..., { defaults: false })` leaves a zero out, so `{}` is how an
 * explicit 0 (say `enforcingFailurePercentage: { value: 0 }`) arrives, not "unset".
 */
export type UInt32Like = number | { value?: number };
/** `google.protobuf.BoolValue` decoded, or a plain boolean; `{}` is false for the same reason. */
export type BoolLike = boolean | { value?: boolean };

/**
 * Envoy's `envoy.config.cluster.v3.OutlierDetection`, as `@meshlet/xds` hands it out (protobufjs
 * `toObject`: camelCase, Durations as `{ seconds, nanos }`, wrappers as `{ value }`), with a
 * plain-ms spelling beside each Duration (`intervalMs`) and plain numbers allowed for wrappers, for
 * code users. protobufjs keeps `_5xx` (its camelCase only lifts a letter after `_`), proto3 JSON
 * writes `5xx`: both are read. Unset fields take Envoy's defaults (`OUTLIER_DEFAULTS`).
 */
export interface OutlierDetectionConfig {
  consecutive_5xx?: UInt32Like;
  consecutive5xx?: UInt32Like;
  interval?: DurationLike;
  intervalMs?: number;
  baseEjectionTime?: DurationLike;
  baseEjectionTimeMs?: number;
  maxEjectionPercent?: UInt32Like;
  enforcingConsecutive_5xx?: UInt32Like;
  enforcingConsecutive5xx?: UInt32Like;
  enforcingSuccessRate?: UInt32Like;
  successRateMinimumHosts?: UInt32Like;
  successRateRequestVolume?: UInt32Like;
  /** Divided by 1000: 1900 is a factor of 1.9. */
  successRateStdevFactor?: UInt32Like;
  consecutiveGatewayFailure?: UInt32Like;
  enforcingConsecutiveGatewayFailure?: UInt32Like;
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailure?: UInt32Like;
  enforcingConsecutiveLocalOriginFailure?: UInt32Like;
  enforcingLocalOriginSuccessRate?: UInt32Like;
  failurePercentageThreshold?: UInt32Like;
  enforcingFailurePercentage?: UInt32Like;
  enforcingFailurePercentageLocalOrigin?: UInt32Like;
  failurePercentageMinimumHosts?: UInt32Like;
  failurePercentageRequestVolume?: UInt32Like;
  maxEjectionTime?: DurationLike;
  maxEjectionTimeMs?: number;
  maxEjectionTimeJitter?: DurationLike;
  maxEjectionTimeJitterMs?: number;
  /** Envoy ≥ 1.28: eject one host even when `maxEjectionPercent` would forbid it. Default false. */
  alwaysEjectOneHost?: BoolLike;
  /** Read and kept, without effect: Meshlet runs no active health checks. */
  successfulActiveHealthCheckUnejectHost?: BoolLike;
  /** Any other field of the message (`monitors`, `@type`, ...) is ignored. */
  [other: string]: unknown;
}

/** The configuration in force: every field resolved, times in ms. */
export interface ResolvedOutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
}

/** Envoy's defaults (source/common/upstream/outlier_detection_impl.h, the proto's comments). */
export const OUTLIER_DEFAULTS: ResolvedOutlierConfig = Object.freeze({
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionTimeJitterMs: 0,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  splitExternalLocalOriginErrors: false,
  consecutive5xx: 5,
  enforcingConsecutive5xx: 100,
  consecutiveGatewayFailure: 5,
  enforcingConsecutiveGatewayFailure: 0,
  consecutiveLocalOriginFailure: 5,
  enforcingConsecutiveLocalOriginFailure: 100,
  enforcingSuccessRate: 100,
  enforcingLocalOriginSuccessRate: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  failurePercentageThreshold: 85,
  enforcingFailurePercentage: 0,
  enforcingFailurePercentageLocalOrigin: 0,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
});

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, `outlier detection: ${message}`);
}

function u32(c: OutlierDetectionConfig, names: readonly string[], fallback: number, max?: number): number {
  for (const name of names) {
    const raw = c[name];
    if (raw === undefined || raw === null) continue;
    const v = typeof raw === 'object' ? ((raw as { value?: unknown }).value ?? 0) : raw;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw invalid(`${name} must be a uint32, got ${JSON.stringify(raw)}`);
    if (max !== undefined && v > max) throw invalid(`${name} must be at most ${max}, got ${v}`);
    return v;
  }
  return fallback;
}

function bool(c: OutlierDetectionConfig, name: string, fallback: boolean): boolean {
  const raw = c[name];
  if (raw === undefined || raw === null) return fallback;
  const v = typeof raw === 'object' ? ((raw as { value?: unknown }).value ?? false) : raw;
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean, got ${JSON.stringify(raw)}`);
  return v;
}

/** A Duration (decoded, or proto3 JSON's `"1.5s"`) in ms, as Envoy's PROTOBUF_GET_MS_OR_DEFAULT reads it (whole ms). */
export function durationMs(raw: unknown, name: string): number {
  let ms: number;
  if (typeof raw === 'string') {
    const m = /^(-?\d+(?:\.\d{1,9})?)s$/.exec(raw);
    if (m === null) throw invalid(`${name} must be a Duration, got ${JSON.stringify(raw)}`);
    ms = Math.floor(Number(m[1]) * 1000);
  } else if (typeof raw === 'object' && raw !== null) {
    const { seconds = 0, nanos = 0 } = raw as { seconds?: unknown; nanos?: unknown };
    const s = typeof seconds === 'string' ? Number(seconds) : seconds;
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || typeof nanos !== 'number' || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999) {
      throw invalid(`${name} must be a Duration, got ${JSON.stringify(raw)}`);
    }
    ms = s * 1000 + Math.trunc(nanos / 1e6);
  } else {
    throw invalid(`${name} must be a Duration, got ${JSON.stringify(raw)}`);
  }
  return ms;
}

function duration(c: OutlierDetectionConfig, name: string, fallback: number, positive: boolean): number {
  const plain = c[`${name}Ms`];
  let ms: number;
  if (plain !== undefined && plain !== null) {
    if (typeof plain !== 'number' || !Number.isFinite(plain)) throw invalid(`${name}Ms must be a number of ms, got ${JSON.stringify(plain)}`);
    ms = Math.floor(plain);
  } else if (c[name] !== undefined && c[name] !== null) {
    ms = durationMs(c[name], name);
  } else {
    return fallback;
  }
  if (positive ? ms <= 0 : ms < 0) throw invalid(`${name} must be ${positive ? 'greater than 0' : 'at least 0'}, got ${ms} ms`);
  return ms;
}

/** Envoy's DetectorConfig: defaults filled in, the proto's validation rules checked (typed INVALID_ARGUMENT otherwise). */
export function resolveOutlierConfig(config: OutlierDetectionConfig = {}): ResolvedOutlierConfig {
  if (typeof config !== 'object' || config === null) throw invalid(`the configuration must be an object, got ${JSON.stringify(config)}`);
  const d = OUTLIER_DEFAULTS;
  const c = config;
  const baseEjectionTimeMs = duration(c, 'baseEjectionTime', d.baseEjectionTimeMs, true);
  // Envoy: unset max_ejection_time is 300 s or base_ejection_time, whichever is larger.
  const maxEjectionTimeMs = duration(c, 'maxEjectionTime', Math.max(d.maxEjectionTimeMs, baseEjectionTimeMs), true);
  if (maxEjectionTimeMs < baseEjectionTimeMs) throw invalid(`maxEjectionTime (${maxEjectionTimeMs} ms) cannot be smaller than baseEjectionTime (${baseEjectionTimeMs} ms)`);
  const splitRaw = c.splitExternalLocalOriginErrors;
  if (splitRaw !== undefined && splitRaw !== null && typeof splitRaw !== 'boolean') throw invalid('splitExternalLocalOriginErrors must be a boolean');
  bool(c, 'successfulActiveHealthCheckUnejectHost', true);
  return Object.freeze({
    intervalMs: duration(c, 'interval', d.intervalMs, true),
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionTimeJitterMs: duration(c, 'maxEjectionTimeJitter', d.maxEjectionTimeJitterMs, false),
    maxEjectionPercent: u32(c, ['maxEjectionPercent'], d.maxEjectionPercent, 100),
    alwaysEjectOneHost: bool(c, 'alwaysEjectOneHost', d.alwaysEjectOneHost),
    splitExternalLocalOriginErrors: splitRaw ?? d.splitExternalLocalOriginErrors,
    consecutive5xx: u32(c, ['consecutive_5xx', 'consecutive5xx'], d.consecutive5xx),
    enforcingConsecutive5xx: u32(c, ['enforcingConsecutive_5xx', 'enforcingConsecutive5xx'], d.enforcingConsecutive5xx, 100),
    consecutiveGatewayFailure: u32(c, ['consecutiveGatewayFailure'], d.consecutiveGatewayFailure),
    enforcingConsecutiveGatewayFailure: u32(c, ['enforcingConsecutiveGatewayFailure'], d.enforcingConsecutiveGatewayFailure, 100),
    consecutiveLocalOriginFailure: u32(c, ['consecutiveLocalOriginFailure'], d.consecutiveLocalOriginFailure),
    enforcingConsecutiveLocalOriginFailure: u32(c, ['enforcingConsecutiveLocalOriginFailure'], d.enforcingConsecutiveLocalOriginFailure, 100),
    enforcingSuccessRate: u32(c, ['enforcingSuccessRate'], d.enforcingSuccessRate, 100),
    enforcingLocalOriginSuccessRate: u32(c, ['enforcingLocalOriginSuccessRate'], d.enforcingLocalOriginSuccessRate, 100),
    successRateMinimumHosts: u32(c, ['successRateMinimumHosts'], d.successRateMinimumHosts),
    successRateRequestVolume: u32(c, ['successRateRequestVolume'], d.successRateRequestVolume),
    successRateStdevFactor: u32(c, ['successRateStdevFactor'], d.successRateStdevFactor),
    failurePercentageThreshold: u32(c, ['failurePercentageThreshold'], d.failurePercentageThreshold, 100),
    enforcingFailurePercentage: u32(c, ['enforcingFailurePercentage'], d.enforcingFailurePercentage, 100),
    enforcingFailurePercentageLocalOrigin: u32(c, ['enforcingFailurePercentageLocalOrigin'], d.enforcingFailurePercentageLocalOrigin, 100),
    failurePercentageMinimumHosts: u32(c, ['failurePercentageMinimumHosts'], d.failurePercentageMinimumHosts),
    failurePercentageRequestVolume: u32(c, ['failurePercentageRequestVolume'], d.failurePercentageRequestVolume),
  });
}
