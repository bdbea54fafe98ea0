import * as net from 'node:net';
import { createRuntime, type Meshlet, type RuntimeOptions, type ServiceDefinition } from '@meshlet/core';
import { COMPOSITE_MIME } from './composite-metadata.js';
import { rsocket, type RSocketOptions } from './protocol.js';
import { RSocketClient, type Payload, type ReactiveSocket, type ReceivedPayload } from './rsocket-lib.js';
import { TcpConnection } from './tcp-connection.js';

/** A provider on a free loopback port. */
export async function provider(
  services: [ServiceDefinition, object][],
  options: Partial<RuntimeOptions> & { rsocket?: RSocketOptions } = {},
): Promise<{ mesh: Meshlet; port: number; url: string }> {
  const mesh = createRuntime({ protocols: [rsocket(options.rsocket)], server: { host: '127.0.0.1', port: 0 }, ...options });
  for (const [d, impl] of services) mesh.provide(d, impl);
  await mesh.start();
  const port = mesh.address()!.port;
  return { mesh, port, url: `127.0.0.1:${port}` };
}

export function consumer(options: Partial<RuntimeOptions> & { rsocket?: RSocketOptions } = {}): Meshlet {
  return createRuntime({ protocols: [rsocket(options.rsocket)], ...options });
}

/** rsocket-core's requester over our transport, for sending what Meshlet's client never sends. */
export async function rawClient(port: number, setup: { metadataMimeType?: string; dataMimeType?: string } = {}): Promise<ReactiveSocket> {
  const transport = new TcpConnection({ host: '127.0.0.1', port }, 1 << 20);
  const client = new RSocketClient({
    setup: {
      keepAlive: 60_000,
      lifetime: 180_000,
      dataMimeType: setup.dataMimeType ?? 'application/json',
      metadataMimeType: setup.metadataMimeType ?? COMPOSITE_MIME,
    },
    transport,
  });
  return new Promise((resolve, reject) => client.connect().subscribe({ onComplete: resolve, onError: reject }));
}

/** One request-response on a raw requester. Rejects with rsocket-core's error (`.source.code/message`). */
export function requestResponse(socket: ReactiveSocket, payload: Payload): Promise<ReceivedPayload> {
  return new Promise((resolve, reject) => socket.requestResponse(payload).subscribe({ onComplete: resolve, onError: reject }));
}

/** A plain TCP socket, for bytes that are not RSocket at all. */
export function rawSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds (at most `ms`). */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
