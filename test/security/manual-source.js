// A TlsSource of the test's own: material set by hand, ready once first set, listeners counted
// (a listener or dialer must stop watching its source when it stops).
import { RpcError } from '@meshlet/core';

export function manualSource(initial) {
  let material = initial;
  let resolveReady;
  const ready = new Promise((r) => (resolveReady = r));
  if (initial) resolveReady();
  const listeners = new Set();
  return {
    ready: () => ready,
    current() {
      if (!material) throw new RpcError('UNAVAILABLE', 'not loaded');
      return material;
    },
    onChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(next) {
      material = next;
      resolveReady();
      for (const l of listeners) l();
    },
    get listeners() {
      return listeners.size;
    },
  };
}
