import type { Endpoint, EndpointReporter } from '@meshlet/core';
import type { EndpointState } from './endpoint-state.js';
import type { EndpointTable } from './endpoint-table.js';

/**
 * A balancer's `report` bound to one endpoint (`LoadBalancer.reporter`): its state is found once,
 * not by a lookup per call, and looked up again (by address) only once it was dropped, when the
 * endpoint left; a report for an endpoint no longer known records nothing.
 */
export class BoundReporter<S extends EndpointState> implements EndpointReporter {
  private state: S | undefined;

  constructor(
    private readonly table: EndpointTable<S>,
    private readonly endpoint: Endpoint,
    private readonly record: (state: S, latencyMs: number, error: unknown) => void,
  ) {
    this.state = table.peek(endpoint);
  }

  report(latencyMs: number, error: unknown): void {
    let s = this.state;
    if (s === undefined || s.removed) s = this.state = this.table.peek(this.endpoint);
    if (s !== undefined) this.record(s, latencyMs, error);
  }
}
