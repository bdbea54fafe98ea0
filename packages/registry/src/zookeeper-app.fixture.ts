// The ZooKeeper the application-level registry tests run on: a server for the describe block that
// calls it, a raw session to read the nodes the registries write, and the registries made, closed
// after the block.
import { after, before } from 'node:test';
import { ZookeeperRegistry } from './index.js';
import { RawZooKeeper, ZooKeeperServer } from './testing/index.js';

export interface ZkApp {
  /** A registry on the server with `query` (e.g. `register-mode=instance`) added to its URL. */
  registry(query: string): ZookeeperRegistry;
  /** A node's children; none when it does not exist. */
  children(path: string): Promise<string[]>;
  data(path: string): Promise<Buffer>;
}

/** Call inside a describe block: starts the server before its tests and stops everything after. */
export function zkApp(): ZkApp {
  let server: ZooKeeperServer;
  let client: RawZooKeeper;
  const open: ZookeeperRegistry[] = [];
  before(async () => {
    server = await ZooKeeperServer.start({ tickTime: 200 });
    client = await RawZooKeeper.connect(server.connectString);
  });
  after(async () => {
    await Promise.allSettled(open.map((r) => r.close()));
    client?.close();
    await server?.close();
  });
  return {
    registry(query) {
      const r = new ZookeeperRegistry(`${server.url}?session=2000&timeout=3000&${query}`);
      open.push(r);
      return r;
    },
    children: (path) => client.children(path).catch(() => [] as string[]),
    data: (path) => client.data(path),
  };
}
