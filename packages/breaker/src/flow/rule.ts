import { Code, RpcError } from '@meshlet/core';

/**
 * A flow rule as Sentinel's `FlowRule` serializes to JSON: what users keep in a Nacos or ZooKeeper
 * datasource (a JSON array of these) and what Sentinel's dashboard pushes. Fields Meshlet does not
 * use (`id`, `app`, `ip`, `port`, `gmtCreate`, `clusterConfig`...) are accepted and ignored.
 */
export interface FlowRule {
  /** The resource: `{interface}` or `{interface}:{method}({paramTypes})` (see `flowResourceNames`). */
  readonly resource: string;
  /** 1 = QPS (the default), 0 = THREAD (calls in flight). */
  readonly grade?: 0 | 1 | number;
  /** Calls per second (QPS), or calls in flight (THREAD). */
  readonly count: number;
  /** Whose calls it limits: `default` (everyone together), a caller's application name, or `other`. */
  readonly limitApp?: string;
  /** 0 = direct (the default); 1 = relate (limit this resource by `refResource`'s traffic). Chain (2) is refused. */
  readonly strategy?: 0 | 1 | number;
  /** The resource a relate rule watches. */
  readonly refResource?: string;
  /** 0 = reject at once (default), 1 = warm up, 2 = rate limiter (uniform pacing), 3 = warm up + rate limiter. */
  readonly controlBehavior?: 0 | 1 | 2 | 3 | number;
  /** Warm-up period, seconds (behaviors 1 and 3; default 10). */
  readonly warmUpPeriodSec?: number;
  /** Longest a call may queue, ms (behaviors 2 and 3; default 500). */
  readonly maxQueueingTimeMs?: number;
  /** Only `false`: Sentinel's cluster (token server) mode is not supported. */
  readonly clusterMode?: boolean;
}

export const FlowGrade = { THREAD: 0, QPS: 1 } as const;
export const FlowStrategy = { DIRECT: 0, RELATE: 1, CHAIN: 2 } as const;
export const FlowBehavior = { REJECT: 0, WARM_UP: 1, RATE_LIMITER: 2, WARM_UP_RATE_LIMITER: 3 } as const;
export const LIMIT_APP_DEFAULT = 'default';
export const LIMIT_APP_OTHER = 'other';

/** A rule with Sentinel's defaults filled in, checked. */
export interface ValidFlowRule {
  readonly resource: string;
  readonly grade: 0 | 1;
  readonly count: number;
  readonly limitApp: string;
  readonly strategy: 0 | 1;
  readonly refResource: string | undefined;
  readonly controlBehavior: 0 | 1 | 2 | 3;
  readonly warmUpPeriodSec: number;
  readonly maxQueueingTimeMs: number;
}

/**
 * Checks one rule and fills in Sentinel's defaults (grade QPS, limitApp `default`, strategy direct,
 * behavior reject, warm-up 10 s, queueing 500 ms). Sentinel drops an invalid rule with a log line;
 * here it is an `RpcError` INVALID_ARGUMENT naming the rule and the field, so a bad document is
 * refused whole instead of half-applied.
 */
export function validateFlowRule(raw: unknown, where = 'flow rule'): ValidFlowRule {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(where, 'is not an object');
  const r = raw as Record<string, unknown>;
  const resource = r.resource;
  if (typeof resource !== 'string' || resource.trim() === '') throw invalid(where, 'needs a non-blank "resource"');
  const at = `${where} (${resource})`;
  const count = numeric(r.count);
  if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) throw invalid(at, `"count" must be a number >= 0, got ${show(count)}`);
  const grade = optionalInt(r, 'grade', FlowGrade.QPS, at);
  if (grade !== 0 && grade !== 1) throw invalid(at, `"grade" must be 1 (QPS) or 0 (THREAD), got ${grade}`);
  const strategy = optionalInt(r, 'strategy', FlowStrategy.DIRECT, at);
  if (strategy === FlowStrategy.CHAIN) throw unsupported(at, '"strategy" 2 (chain) is not supported: Meshlet has no Sentinel invocation chains');
  if (strategy !== 0 && strategy !== 1) throw invalid(at, `"strategy" must be 0 (direct) or 1 (relate), got ${strategy}`);
  let refResource: string | undefined;
  if (strategy === FlowStrategy.RELATE) {
    if (typeof r.refResource !== 'string' || r.refResource.trim() === '') throw invalid(at, 'a relate rule (strategy 1) needs "refResource"');
    refResource = r.refResource;
  }
  const controlBehavior = optionalInt(r, 'controlBehavior', FlowBehavior.REJECT, at);
  if (controlBehavior < 0 || controlBehavior > 3) throw invalid(at, `"controlBehavior" must be 0, 1, 2 or 3, got ${controlBehavior}`);
  const warmUpPeriodSec = optionalInt(r, 'warmUpPeriodSec', 10, at);
  const maxQueueingTimeMs = optionalInt(r, 'maxQueueingTimeMs', 500, at);
  if (grade === FlowGrade.QPS) {
    if ((controlBehavior === 1 || controlBehavior === 3) && warmUpPeriodSec <= 0) throw invalid(at, `"warmUpPeriodSec" must be > 0, got ${warmUpPeriodSec}`);
    if ((controlBehavior === 2 || controlBehavior === 3) && maxQueueingTimeMs <= 0) throw invalid(at, `"maxQueueingTimeMs" must be > 0, got ${maxQueueingTimeMs}`);
  }
  if (r.clusterMode !== undefined && r.clusterMode !== false) throw unsupported(at, '"clusterMode" must be false: Sentinel cluster flow control (token server) is not supported');
  if (r.regex !== undefined && r.regex !== false) throw unsupported(at, '"regex" resources are not supported');
  let limitApp = r.limitApp;
  if (limitApp === undefined || limitApp === null || (typeof limitApp === 'string' && limitApp.trim() === '')) limitApp = LIMIT_APP_DEFAULT;
  if (typeof limitApp !== 'string') throw invalid(at, `"limitApp" must be a string, got ${show(limitApp)}`);
  return {
    resource, grade, count, limitApp, strategy, refResource,
    controlBehavior: controlBehavior as 0 | 1 | 2 | 3, warmUpPeriodSec, maxQueueingTimeMs,
  };
}

/**
 * A document of rules as a Sentinel datasource holds it: a JSON array of `FlowRule`s. An empty
 * document (or `[]`) means no rules.
 */
export function parseFlowRules(content: string | readonly unknown[], where = 'flow rules'): ValidFlowRule[] {
  let list: unknown = content;
  if (typeof content === 'string') {
    if (content.trim() === '') return [];
    try {
      list = JSON.parse(content);
    } catch (err) {
      throw new RpcError(Code.InvalidArgument, `${where}: not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!Array.isArray(list)) throw new RpcError(Code.InvalidArgument, `${where}: expected a JSON array of flow rules, got ${show(list)}`);
  return list.map((rule, i) => validateFlowRule(rule, `${where}[${i}]`));
}

/** How the rule reads in a refusal's message, as Sentinel's `FlowRule.toString` names its fields. */
export function describeFlowRule(rule: ValidFlowRule): string {
  const parts = [`resource=${rule.resource}`, `limitApp=${rule.limitApp}`, `grade=${rule.grade === 1 ? 'QPS' : 'THREAD'}`, `count=${rule.count}`];
  if (rule.strategy === 1) parts.push(`strategy=relate(${rule.refResource})`);
  if (rule.grade === 1 && rule.controlBehavior !== 0) {
    parts.push(`controlBehavior=${['reject', 'warmUp', 'rateLimiter', 'warmUpRateLimiter'][rule.controlBehavior]}`);
    if (rule.controlBehavior !== 2) parts.push(`warmUpPeriodSec=${rule.warmUpPeriodSec}`);
    if (rule.controlBehavior !== 1) parts.push(`maxQueueingTimeMs=${rule.maxQueueingTimeMs}`);
  }
  return `FlowRule{${parts.join(', ')}}`;
}

function optionalInt(r: Record<string, unknown>, key: string, fallback: number, at: string): number {
  const v = numeric(r[key]);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(at, `"${key}" must be an integer, got ${show(v)}`);
  return v;
}

/**
 * Numbers written as strings (`"count": "10"`) read as numbers, as the JSON binders of Sentinel's
 * datasources (fastjson, Jackson) coerce them; anything else is left for the checks to refuse.
 */
function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}

function invalid(where: string, what: string): RpcError {
  return new RpcError(Code.InvalidArgument, `${where}: ${what}`);
}

function unsupported(where: string, what: string): RpcError {
  return new RpcError(Code.Unsupported, `${where}: ${what}`);
}
