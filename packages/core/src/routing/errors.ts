import { Code, RpcError } from '../errors.js';

/**
 * A routing rule that does not parse: bad YAML, a field of the wrong type, a condition Dubbo's
 * parser refuses. The rule in force before it stays in force.
 */
export class RoutingRuleError extends RpcError {
  /** The rule's config key (`{service}.condition-router`, `{app}.tag-router`) when known. */
  readonly key: string | undefined;

  constructor(message: string, key?: string, cause?: unknown) {
    super(Code.InvalidArgument, key === undefined ? message : `routing rule ${key}: ${message}`, cause === undefined ? {} : { cause });
    this.key = key;
  }
}
