import dgram from 'node:dgram';
import { gunzipSync } from 'node:zlib';

/**
 * Nacos 1.x/2.x v1 push: a list request carrying `udpPort` and `clientIP` makes the server send a
 * datagram (`{"type":"dom","data":"<the list JSON>","lastRefTime":…}`, gzipped when large) to that
 * address whenever the service changes, until the client stops asking. Each datagram is acked as
 * the Java client does (else the server retries). `onService` gets the pushed service name
 * (`group@@name`); the registry then reads that service again, so a forged or partial push can
 * only cause a read, never a wrong set.
 */
export class PushReceiver {
  readonly #socket: dgram.Socket;
  readonly #ready: Promise<number | undefined>;

  constructor(onService: (name: string | undefined) => void) {
    this.#socket = dgram.createSocket('udp4');
    this.#socket.unref();
    this.#socket.on('message', (msg, rinfo) => {
      let text: string;
      try {
        text = (msg[0] === 0x1f && msg[1] === 0x8b ? gunzipSync(msg) : msg).toString('utf8');
      } catch {
        return;
      }
      let o: { type?: unknown; data?: unknown; lastRefTime?: unknown };
      try {
        o = JSON.parse(text) as typeof o;
      } catch {
        return;
      }
      const ack = JSON.stringify({ type: o.type === 'dom' || o.type === 'service' ? 'push-ack' : 'unknown-ack', lastRefTime: o.lastRefTime ?? 0, data: '' });
      this.#socket.send(ack, rinfo.port, rinfo.address, () => {});
      if (o.type !== 'dom' && o.type !== 'service') return;
      let name: string | undefined;
      try {
        const data = JSON.parse(String(o.data)) as { name?: unknown; dom?: unknown };
        name = typeof data.name === 'string' ? data.name : typeof data.dom === 'string' ? data.dom : undefined;
      } catch {
        name = undefined;
      }
      onService(name);
    });
    this.#ready = new Promise((resolve) => {
      this.#socket.once('error', () => resolve(undefined));
      this.#socket.bind(0, () => resolve(this.#socket.address().port));
    });
  }

  /** The bound UDP port, or undefined when no socket could be opened (then polling alone serves). */
  port(): Promise<number | undefined> {
    return this.#ready;
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}
