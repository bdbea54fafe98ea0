// A minimal state-of-the-world ADS server on grpc-js: it serves one snapshot of Envoy resources to
// every client and pushes each change. An EXAMPLE control plane, just enough to drive the demo: no
// delta xDS, no per-node snapshots, no persistence. In production use Istio (istiod) or a plane
// built on go-control-plane / java-control-plane.
import * as grpc from '@grpc/grpc-js';
import { isFullStateType } from '@meshlet/xds';
import type { Packed } from './encode.js';
import { messageType } from './encode.js';
import type { Snapshot } from './resources.js';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const REQUEST = 'type.googleapis.com/envoy.service.discovery.v3.DiscoveryRequest';
const RESPONSE = 'type.googleapis.com/envoy.service.discovery.v3.DiscoveryResponse';

interface DiscoveryRequest {
  versionInfo: string;
  node?: { id?: string };
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail?: { code?: number; message?: string };
}

/** One client stream's subscription to one type. */
interface Subscription {
  names: ReadonlySet<string> | 'all';
  nonce?: string;
  sentVersion?: string;
  ackedVersion?: string;
  /** The resources in the last response sent. */
  sent: ReadonlySet<string>;
  /** The nonce of the last response the client ACKed or NACKed. */
  answered?: string;
  nack?: string;
}

interface Client {
  readonly node: string;
  readonly call: AdsCall;
  readonly subs: Map<string, Subscription>;
}

type Resources = ReadonlyMap<string, Packed>;
type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, object>;

export class AdsServer {
  private readonly server = new grpc.Server();
  private readonly clients = new Set<Client>();
  private readonly versions = new Map<string, string>();
  private readonly resources = new Map<string, Resources>();
  private readonly fingerprints = new Map<string, string>();
  private readonly changed = new Set<() => void>();
  private snapshots = 0;
  private nonces = 0;

  /** Binds 127.0.0.1 on a free port; resolves with `host:port`. */
  async start(): Promise<string> {
    const request = messageType(REQUEST);
    const response = messageType(RESPONSE);
    this.server.addService(
      {
        StreamAggregatedResources: {
          path: ADS,
          requestStream: true,
          responseStream: true,
          requestDeserialize: (b: Buffer) => request.decode(b) as unknown as DiscoveryRequest,
          requestSerialize: () => Buffer.alloc(0),
          responseSerialize: (m: object) => Buffer.from(response.encode(response.fromObject(m)).finish()),
          responseDeserialize: (b: Buffer) => b,
        },
      },
      { StreamAggregatedResources: (call: AdsCall) => this.serve(call) },
    );
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return `127.0.0.1:${port}`;
  }

  /**
   * Serves `snapshot` from now on: the types whose resources changed get a new version, pushed to
   * their subscribers (as go-control-plane's snapshot cache does). Returns the snapshot's version.
   */
  set(snapshot: Snapshot): string {
    const changed = [...snapshot].filter(([typeUrl, resources]) => this.fingerprints.get(typeUrl) !== fingerprint(resources));
    if (changed.length === 0) return String(this.snapshots);
    const version = String(++this.snapshots);
    for (const [typeUrl, resources] of changed) {
      this.fingerprints.set(typeUrl, fingerprint(resources));
      this.resources.set(typeUrl, resources);
      this.versions.set(typeUrl, version);
      for (const client of this.clients) if (client.subs.has(typeUrl)) this.send(client, typeUrl);
    }
    this.notify();
    return version;
  }

  /**
   * Resolves once a client holds what `wanted` names (per type URL, the resource names a client
   * applying this snapshot must have): it has asked for each, was sent each in its last response of
   * the type, at the current version, and ACKed that response. A client ACKs after applying, but a
   * route naming a new cluster is ACKed before the client even asks for that cluster (the mesh
   * keeps the old routes until it knows the cluster), so the ACK of the route alone is not enough.
   * Rejects on a NACK of the current version, or after `ms`.
   */
  acked(wanted: ReadonlyMap<string, readonly string[]>, ms = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const client of this.clients) {
          for (const [typeUrl, sub] of client.subs) {
            if (sub.nack !== undefined && sub.sentVersion === this.versions.get(typeUrl)) {
              return done(() => reject(new Error(`${client.node} NACKed ${typeUrl} version ${sub.sentVersion}: ${sub.nack}`)));
            }
          }
          const holds = [...wanted].every(([typeUrl, names]) => {
            const sub = client.subs.get(typeUrl);
            if (sub === undefined || sub.ackedVersion !== this.versions.get(typeUrl) || sub.answered !== sub.nonce) return false;
            return names.every((name) => (sub.names === 'all' || sub.names.has(name)) && sub.sent.has(name));
          });
          if (holds) return done(() => resolve(client.node));
        }
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no client ACKed ${JSON.stringify(Object.fromEntries(wanted))} in ${ms} ms: ${this.describe()}`))), ms);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.changed.delete(check);
        settle();
      };
      this.changed.add(check);
      check();
    });
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private serve(call: AdsCall): void {
    let client: Client | undefined;
    call.on('data', (req: DiscoveryRequest) => {
      client ??= { node: req.node?.id || 'unknown node', call, subs: new Map() };
      this.clients.add(client);
      this.onRequest(client, req);
    });
    const gone = () => {
      if (client) this.clients.delete(client);
    };
    call.on('error', gone); // the client went away
    call.on('end', () => {
      gone();
      call.end();
    });
  }

  private onRequest(client: Client, req: DiscoveryRequest): void {
    const typeUrl = req.typeUrl;
    if (!typeUrl) return;
    const sub = client.subs.get(typeUrl);
    // A request answering an older response is stale: the client has newer data on its way.
    if (sub !== undefined && req.responseNonce && req.responseNonce !== sub.nonce) return;
    // An empty list is the legacy wildcard for listeners and clusters only; for routes and
    // endpoints it asks for nothing.
    const wildcard = req.resourceNames.includes('*') || (req.resourceNames.length === 0 && isFullStateType(typeUrl));
    const names = wildcard ? 'all' : new Set(req.resourceNames);
    if (sub !== undefined && req.responseNonce) {
      sub.answered = req.responseNonce;
      if (req.errorDetail?.message) sub.nack = req.errorDetail.message;
      else {
        sub.ackedVersion = req.versionInfo;
        sub.nack = undefined;
      }
    }
    const renamed = sub === undefined || !sameNames(sub.names, names);
    const next: Subscription = sub ?? { names, sent: new Set() };
    next.names = names;
    client.subs.set(typeUrl, next);
    if (renamed && this.versions.has(typeUrl)) this.send(client, typeUrl);
    this.notify();
  }

  private send(client: Client, typeUrl: string): void {
    const sub = client.subs.get(typeUrl)!;
    const all = this.resources.get(typeUrl) ?? new Map<string, Packed>();
    const sent = [...all].filter(([name]) => sub.names === 'all' || sub.names.has(name));
    const resources = sent.map(([, r]) => r);
    sub.sent = new Set(sent.map(([name]) => name));
    sub.nonce = String(++this.nonces);
    sub.sentVersion = this.versions.get(typeUrl)!;
    client.call.write({ versionInfo: sub.sentVersion, resources, typeUrl, nonce: sub.nonce });
  }

  private notify(): void {
    for (const check of [...this.changed]) check();
  }

  private describe(): string {
    const current = Object.fromEntries(this.versions);
    const clients = [...this.clients].map((c) => ({
      node: c.node,
      subscriptions: Object.fromEntries([...c.subs].map(([t, s]) => [t, { names: s.names === 'all' ? '*' : [...s.names], acked: s.ackedVersion ?? null, nack: s.nack }])),
    }));
    return JSON.stringify({ current, clients });
  }
}

function fingerprint(resources: Resources): string {
  return [...resources].map(([name, r]) => `${name}:${Buffer.from(r.value).toString('base64')}`).sort().join(',');
}

function sameNames(a: ReadonlySet<string> | 'all', b: ReadonlySet<string> | 'all'): boolean {
  if (a === 'all' || b === 'all') return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}
