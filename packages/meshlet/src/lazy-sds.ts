// An SDS certificate source that loads @meshlet/security/sds (and with it @grpc/grpc-js) only
// when MESHLET_TLS_SDS asks for it: an app that never uses SDS does not pay for gRPC on import.
import { Code, RpcError, type TlsMaterial, type TlsSource } from '@meshlet/core';
import type { SdsTlsSource } from '@meshlet/security/sds';

/** A TlsSource with the close() every environment source has (closed after the runtime stops). */
export interface ClosableTlsSource extends TlsSource {
  close(): void;
}

/** The SDS module; without its optional @grpc/grpc-js, an error with the install line. */
async function importSds(): Promise<typeof import('@meshlet/security/sds')> {
  try {
    return await import('@meshlet/security/sds');
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).includes('@grpc/grpc-js')) {
      throw new RpcError(Code.InvalidArgument, `MESHLET_TLS_SDS needs the optional package @grpc/grpc-js: npm install @grpc/grpc-js@${GRPC_RANGE}`, { cause: err });
    }
    throw err;
  }
}

/** The @grpc/grpc-js versions @meshlet/security's SDS client is built against (its peer range). */
const GRPC_RANGE = '^1.14.7';

export function lazySdsSource(address: string): ClosableTlsSource {
  let inner: SdsTlsSource | undefined;
  let closed = false;
  const listeners = new Set<() => void>();
  const loaded = importSds().then((sds) => {
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
