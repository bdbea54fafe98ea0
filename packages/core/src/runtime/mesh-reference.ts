import type { MeshPolicy, MeshReference } from './mesh-control.js';

/**
 * A `MeshReference` a control plane sets: `set(policy)` swaps the whole compiled policy at once
 * and tells the runtime. What `xdsMesh` hands out per reference; handy in tests too.
 */
export class LiveMeshReference implements MeshReference {
  private current: MeshPolicy | undefined = undefined;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly onClose?: () => void) {}

  get policy(): MeshPolicy | undefined {
    return this.current;
  }

  set(policy: MeshPolicy): void {
    if (this.closed) return;
    this.current = policy;
    // A copy: a listener may unsubscribe itself (a call waiting for the first policy does).
    for (const listener of [...this.listeners]) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.onClose?.();
  }
}
