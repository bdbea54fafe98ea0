// An SDS certificate source that loads @meshlet/security/sds (and with it @grpc/grpc-js) only
// when MESHLET_TLS_SDS asks for it: an app that never uses SDS does not pay for gRPC on import.
import { Code, RpcError, type TlsMaterial, type TlsSource } from '@meshlet/core';
import type { SdsTlsSource } from '@meshlet/security/sds';

/** A TlsSource with the close() every environment source has (closed after the runtime stops). */
export interface ClosableTlsSource extends TlsSource {
  close(): void;
}

export function lazySdsSource(address: string): ClosableTlsSource {
  let inner: SdsTlsSource | undefined;
  let closed = false;
  const listeners = new Set<() => void>();
  const loaded = import('@meshlet/security/sds').then((sds) => {
    if (closed) throw new RpcError(Code.Shutdown, 'SDS certificate source closed before it loaded');
    inner = sds.sdsTlsSource({ address });
    inner.onChange(() => {
      for (const l of listeners) l();
    });
    return inner;
  });
  loaded.catch(() => {}); // observed by ready()
  return {
    ready: () => loaded.then((s) => s.ready()),
    current(): TlsMaterial {
      if (inner === undefined) throw new RpcError(Code.Unavailable, `SDS certificates from ${address} not loaded yet`);
      return inner.current();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      inner?.close();
    },
  };
}
