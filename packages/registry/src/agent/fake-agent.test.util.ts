// A stand-in sidecar for the agent-registry tests: an HTTP API that records every call and
// answers as told, and a TCP port that answers the fake heartbeat `PING` with `PONG`. Real agents
// are exercised in test/sidecar; here the point is the registry logic.
import * as http from 'node:http';
import * as net from 'node:net';
import type { HeartbeatProbe } from './health.js';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export const pingProbe: HeartbeatProbe = {
  protocol: 'dubbo',
  request: () => Buffer.from('PING'),
  reply: (b) => (b.length < 4 ? 'more' : b.subarray(0, 4).toString() === 'PONG' ? 'reply' : 'bad'),
};

export class FakeAgent {
  calls: Recorded[] = [];
  /** What each call answers: status and body, by path; `{"code":200,"message":"ok"}` by default. */
  answers = new Map<string, { status: number; body: string }>();
  private http: http.Server | undefined;
  private tcp: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  tcpPort = 0;
  httpPort = 0;
  /** When false the TCP side accepts but never answers (a hung agent). */
  answersHeartbeats = true;

  static async start(): Promise<FakeAgent> {
    const a = new FakeAgent();
    await a.up();
    return a;
  }

  get url(): string {
    return `meshlet://127.0.0.1:${this.tcpPort}?http=${this.httpPort}&health=60000&healthTimeout=300`;
  }

  paths(): string[] {
    return this.calls.map((c) => c.path);
  }

  /** (Re)starts both sides on the same ports, with a fresh memory (as a restarted agent). */
  async up(): Promise<void> {
    this.calls = [];
    this.http = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        this.calls.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body });
        const a = this.answers.get(req.url ?? '') ?? { status: 200, body: '{"code":200,"message":"ok","success":true}' };
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body);
      });
    });
    this.tcp = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      s.on('data', (d) => {
        if (this.answersHeartbeats && d.toString().includes('PING')) s.write('PONG');
      });
    });
    await Promise.all([
      new Promise<void>((r) => this.http!.listen(this.httpPort, '127.0.0.1', () => r())),
      new Promise<void>((r) => this.tcp!.listen(this.tcpPort, '127.0.0.1', () => r())),
    ]);
    this.httpPort = (this.http.address() as net.AddressInfo).port;
    this.tcpPort = (this.tcp.address() as net.AddressInfo).port;
  }

  /** Stops both sides (as a killed agent): connections are cut. */
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.http?.closeAllConnections();
    await Promise.all([
      new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.http = undefined;
    this.tcp = undefined;
  }
}
