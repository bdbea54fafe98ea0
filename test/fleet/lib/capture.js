// A recording TCP relay: put it between a real peer and its opposite and keep every byte each side
// sent, per connection, in order. The fleet suites split these streams with the protocol's own frame
// reader and turn them into golden fixtures: frames a real Java or Go peer sent outrank any note.
import net from 'node:net';

/**
 * Listens on 127.0.0.1 (a free port) and relays each connection to `target` ({host, port}).
 * `connections` holds, per accepted connection, `{ fromClient: Buffer[], fromServer: Buffer[] }`.
 */
export async function startCapture(target) {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const record = { fromClient: [], fromServer: [] };
    connections.push(record);
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.on('data', (d) => { record.fromClient.push(Buffer.from(d)); upstream.write(d); });
    upstream.on('data', (d) => { record.fromServer.push(Buffer.from(d)); client.write(d); });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    connections,
    /** Every byte one side sent on connection `i`, joined. */
    bytes(i, side) {
      return Buffer.concat(connections[i]?.[side] ?? []);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
