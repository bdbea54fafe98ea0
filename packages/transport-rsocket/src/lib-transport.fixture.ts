import { createRequire } from 'node:module';
import * as net from 'node:net';
import {
  BufferEncoders, Flag, FlowableCtor, FrameType, RSocketClient, RSocketServer,
  type ConnectionStatus, type DuplexConnection, type Flowable, type FlowableSink, type Frame, type ReactiveSocket, type Responder, type Subscription,
} from './rsocket-lib.js';

/**
 * An RSocket peer that is rsocket-core 0.0.27 all the way down, for interop tests of fragmentation:
 * the library's protocol machine and its reassembly (ReassemblyDuplexConnection), its frame
 * (de)serializers, and a transport written here on a plain socket — not our TcpConnection, whose
 * reassembly would do the library's job. 0.0.27 cannot fragment what it sends, so this transport
 * cuts frames over `fragmentSize` itself, as the RSocket spec lays fragments out (written apart
 * from our frame-writer.ts, so that the two are checked against each other and not against one
 * shared mistake).
 */

const lib = createRequire(import.meta.url)('rsocket-core') as {
  serializeFrameWithLength(frame: Frame, encoders: unknown): Buffer;
  deserializeFrames(buffer: Buffer, encoders: unknown): [Frame[], Buffer];
};

/** Spec fragments of a request or PAYLOAD frame: metadata first, FOLLOWS on all but the last. */
export function specFragments(frame: Frame, fragmentSize: number): Frame[] {
  const isRequest = [FrameType.REQUEST_RESPONSE, FrameType.REQUEST_FNF, FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL].includes(frame.type as 4);
  if (!isRequest && frame.type !== FrameType.PAYLOAD) return [frame];
  let metadata = (frame.flags & Flag.METADATA) !== 0 && frame.metadata ? frame.metadata : null;
  let data = (frame.data as Buffer | null) ?? Buffer.alloc(0);
  const whole = 6 + (frame.type === FrameType.REQUEST_STREAM || frame.type === FrameType.REQUEST_CHANNEL ? 4 : 0) + (metadata ? 3 + metadata.length : 0) + data.length;
  if (whole <= fragmentSize) return [frame];
  const out: Frame[] = [];
  while (out.length === 0 || (metadata && metadata.length > 0) || data.length > 0) {
    const first = out.length === 0;
    const fixed = 6 + (first && (frame.type === FrameType.REQUEST_STREAM || frame.type === FrameType.REQUEST_CHANNEL) ? 4 : 0);
    const carriesMetadata = metadata !== null && (first || metadata.length > 0);
    let room = fragmentSize - fixed - (carriesMetadata ? 3 : 0);
    const m = carriesMetadata ? metadata!.subarray(0, Math.min(room, metadata!.length)) : null;
    room -= m?.length ?? 0;
    const d = data.subarray(0, Math.min(room, data.length));
    if (metadata) metadata = metadata.subarray(m?.length ?? 0);
    data = data.subarray(d.length);
    const more = (metadata !== null && metadata.length > 0) || data.length > 0;
    const base = first ? frame.flags & ~(Flag.METADATA | Flag.COMPLETE) : Flag.NEXT;
    const flags = base | (m ? Flag.METADATA : 0) | (more ? Flag.FOLLOWS : frame.flags & Flag.COMPLETE);
    out.push({ ...(first ? frame : { streamId: frame.streamId }), type: first ? frame.type : FrameType.PAYLOAD, flags, metadata: m, data: d } as Frame);
  }
  return out;
}

/** rsocket-core's transport contract over a socket, with the library's own framing. */
export class LibConnection implements DuplexConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly sinks = new Set<FlowableSink<Frame>>();
  private readonly statusSinks = new Set<FlowableSink<ConnectionStatus>>();
  private status: ConnectionStatus = { kind: 'NOT_CONNECTED' };
  /** Every frame sent and received, as on the wire (fragments included): tests look at them. */
  readonly sent: Frame[] = [];
  readonly received: Frame[] = [];
  private readonly senders: Subscription[] = [];

  constructor(private socket: net.Socket | undefined, private readonly target: { port: number } | undefined, private readonly fragmentSize: number) {
    if (socket) this.attach(socket, true);
  }

  private attach(socket: net.Socket, connected: boolean): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const [frames, rest] = lib.deserializeFrames(this.buffer, BufferEncoders);
      this.buffer = rest;
      for (const f of frames) {
        this.received.push({ type: f.type, flags: f.flags, streamId: f.streamId } as Frame);
        for (const s of this.sinks) s.onNext(f);
      }
    });
    socket.on('close', () => this.close());
    socket.on('error', () => {});
    if (connected) this.setStatus({ kind: 'CONNECTED' });
  }

  connect(): void {
    if (!this.target || this.socket) return;
    this.setStatus({ kind: 'CONNECTING' });
    const socket = net.connect({ host: '127.0.0.1', port: this.target.port }, () => this.setStatus({ kind: 'CONNECTED' }));
    this.attach(socket, false);
  }

  sendOne(frame: Frame): void {
    for (const f of specFragments(frame, this.fragmentSize)) {
      this.sent.push(f);
      this.socket?.write(lib.serializeFrameWithLength(f, BufferEncoders));
    }
  }

  /** Writes one frame as it is (no fragmenting): for tests that cut a stream off mid-frame. */
  sendRaw(frame: Frame): void {
    this.socket?.write(lib.serializeFrameWithLength(frame, BufferEncoders));
  }

  send(frames: Flowable<Frame>): void {
    // The client's KEEPALIVE frames come from a timer: cancelled on close, or it keeps the process up.
    frames.subscribe({
      onSubscribe: (s) => {
        this.senders.push(s);
        s.request(Number.MAX_SAFE_INTEGER);
      },
      onNext: (f) => this.sendOne(f),
    });
  }

  receive(): Flowable<Frame> {
    return new FlowableCtor<Frame>((sink) => {
      sink.onSubscribe({ request: () => this.sinks.add(sink), cancel: () => this.sinks.delete(sink) });
    });
  }

  close(): void {
    for (const s of this.senders.splice(0)) s.cancel();
    this.socket?.destroy();
    this.setStatus({ kind: 'CLOSED' });
  }

  connectionStatus(): Flowable<ConnectionStatus> {
    return new FlowableCtor<ConnectionStatus>((sink) => {
      sink.onSubscribe({
        request: () => {
          if (this.statusSinks.has(sink)) return;
          this.statusSinks.add(sink);
          sink.onNext(this.status);
        },
        cancel: () => this.statusSinks.delete(sink),
      });
    });
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status.kind === status.kind) return;
    this.status = status;
    for (const s of this.statusSinks) s.onNext(status);
  }
}

/** rsocket-core's requester on a LibConnection; resolves with the socket and the transport. */
export async function libClient(port: number, fragmentSize: number, metadataMimeType: string): Promise<{ socket: ReactiveSocket; conn: LibConnection }> {
  const conn = new LibConnection(undefined, { port }, fragmentSize);
  const client = new RSocketClient({
    setup: { keepAlive: 60_000, lifetime: 180_000, dataMimeType: 'application/json', metadataMimeType },
    transport: conn,
  });
  const socket = await new Promise<ReactiveSocket>((resolve, reject) => client.connect().subscribe({ onComplete: resolve, onError: reject }));
  return { socket, conn };
}

/** rsocket-core's responder on a loopback port, over LibConnections. */
export async function libServer(responder: Responder, fragmentSize: number): Promise<{ port: number; conns: LibConnection[]; close(): void }> {
  const conns: LibConnection[] = [];
  let listener: net.Server | undefined;
  let resolvePort!: (port: number) => void;
  const port = new Promise<number>((r) => (resolvePort = r));
  const server = new RSocketServer({
    getRequestHandler: () => responder,
    errorHandler: () => {},
    transport: {
      start: () => new FlowableCtor<DuplexConnection>((sink) => {
        sink.onSubscribe({
          request: () => {
            if (listener) return;
            listener = net.createServer((s) => {
              const c = new LibConnection(s, undefined, fragmentSize);
              conns.push(c);
              sink.onNext(c);
            });
            listener.listen(0, '127.0.0.1', () => resolvePort((listener!.address() as net.AddressInfo).port));
          },
          cancel: () => listener?.close(),
        });
      }),
      stop: () => listener?.close(),
    },
  });
  server.start();
  return {
    port: await port,
    conns,
    close: () => {
      for (const c of conns) c.close();
      server.stop();
      listener?.close();
    },
  };
}
