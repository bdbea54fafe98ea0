import { Code, RpcError } from '@meshlet/core';

/**
 * Loads an optional peer dependency (the Redis and ZooKeeper clients) when a registry that needs
 * it first connects, so apps on the `local` registry never install them. When it is missing,
 * the error names the exact install line instead of Node's bare ERR_MODULE_NOT_FOUND.
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: string, range: string, feature: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const missing = (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`'${pkg}'`);
    if (!missing) throw err;
    throw new RpcError(Code.InvalidArgument, `${feature} needs the optional package ${pkg}: npm install ${pkg}@${range}`, { cause: err });
  }
}
