import { Code, RpcError } from '@meshlet/core';

/**
 * Loads one of the OpenTelemetry SDK packages this package leaves to the app (optional peer
 * dependencies), so that an app that never starts telemetry installs none of them. When one is
 * missing, the error names the exact install line.
 */
export async function importSdk<T>(load: () => Promise<T>, pkg: string, install: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`'${pkg}'`)) {
      throw new RpcError(Code.InvalidArgument, `@meshlet/otel needs ${pkg} for this exporter: npm install ${install}`, { cause: err });
    }
    throw err;
  }
}
