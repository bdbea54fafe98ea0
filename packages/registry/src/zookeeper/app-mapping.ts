import { Code, RpcError } from '@meshlet/core';
import { parseMapping } from './app-layout.js';
import { zkCode, ZkCode, type Zk } from './zk.js';

interface Stat { readonly version: number }

/**
 * Adds `application` to the mapping node at `path` (`/dubbo/mapping/{interface}`) as Dubbo 3's
 * metadata report does: read with the node's version, write back with that version, retry when
 * another provider wrote in between (BadVersion) or created the node first (NodeExists). The node
 * is persistent: an application that stops stays listed, as in Java (consumers then find no
 * instance of it and move on).
 */
export async function addToMapping(zk: Zk, path: string, application: string, attempts = 10): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const read = await getWithStat(zk, path);
    if (read === undefined) {
      await zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
      try {
        await call<string>((cb) => zk.client.create(path, Buffer.from(application), cb), path);
        return;
      } catch (err) {
        if (zkCode(err) === ZkCode.NodeExists) continue;
        throw err;
      }
    }
    const apps = parseMapping(read.data);
    if (apps.includes(application)) return;
    try {
      await zk.setData(path, Buffer.from([...apps, application].join(',')), read.stat.version);
      return;
    } catch (err) {
      if (zkCode(err) === ZkCode.BadVersion) continue;
      throw err;
    }
  }
  throw new RpcError(Code.Unavailable, `zookeeper registry: the mapping ${path} kept changing under ${attempts} writes`);
}

/** The applications mapped to an interface; none when the node is missing. */
export async function readMapping(zk: Zk, path: string, watcher?: (event: unknown) => void): Promise<string[]> {
  const read = await getWithStat(zk, path, watcher);
  return read === undefined ? [] : parseMapping(read.data);
}

async function getWithStat(zk: Zk, path: string, watcher?: (event: unknown) => void): Promise<{ data: Buffer | null; stat: Stat } | undefined> {
  try {
    return await call<{ data: Buffer | null; stat: Stat }>((done) => {
      const cb = (err: unknown, data: Buffer | null, stat: Stat) => done(err, { data, stat });
      if (watcher) zk.client.getData(path, watcher as never, cb as never);
      else zk.client.getData(path, cb as never);
    }, path);
  } catch (err) {
    if (zkCode(err) === ZkCode.NoNode) return undefined;
    throw err;
  }
}

function call<T>(start: (cb: (err: unknown, result: T) => void) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RpcError(Code.Unavailable, `zookeeper registry: no answer for ${what}`)), 5000);
    start((err, result) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result);
    });
  });
}
