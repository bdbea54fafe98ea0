// One per xdsMesh: the TLS options of every cluster configuration seen, shared by configuration
// (equal UpstreamTlsContexts give one options object, so the runtime pools one set of connections
// for them across references and cluster versions), over shared certificate sources (one per
// provider instance, one watch per SDS secret). Sources live as long as the mesh: their number is
// bounded by the names the configuration uses.
import type { TlsOptions, TlsSource } from '@meshlet/core';
import type { XdsCertificateProvider } from '../bootstrap/bootstrap.js';
import type { XdsWatchSource } from './reference-watch.js';
import { upstreamTls, type MaterialRef } from './tls-context.js';
import { sanCheck } from './tls-san.js';
import { SecretSource, joinedSource, providerHalf, secretHalf, type MaterialHalf } from './tls-sources.js';
import type { Obj } from './values.js';

/**
 * Makes the TlsSource of a bootstrap `certificate_providers` instance (`createMeshlet` wires
 * @meshlet/security's fileTlsSource for `file_watcher`); undefined: this plugin is not supported.
 */
export type CertificateProviderFactory = (instance: string, provider: XdsCertificateProvider) => TlsSource | undefined;

/** What a cluster dials with: TLS options, plaintext (`false`), or why it cannot be dialed. */
export type ClusterTlsChoice = TlsOptions | false | { readonly unusable: string };

export class ClusterTlsCache {
  private readonly options = new Map<string, TlsOptions>();
  private readonly providers = new Map<string, MaterialHalf>();
  private readonly secrets = new Map<string, SecretSource>();

  constructor(
    private readonly source: XdsWatchSource,
    private readonly providerFactory: CertificateProviderFactory | undefined,
  ) {}

  /** The choice for a Cluster resource (decoded); never throws for a bad configuration. */
  of(cluster: Obj): ClusterTlsChoice {
    const spec = upstreamTls(cluster);
    if (spec === undefined) return false;
    if ('unusable' in spec) return spec;
    const held = this.options.get(spec.key);
    if (held !== undefined) return held;
    const name = String(cluster.name ?? '');
    const checkServerIdentity = sanCheck(spec.sans);
    if (checkServerIdentity === undefined) return { unusable: `cluster ${name}: a match_subject_alt_names matcher Meshlet cannot compile` };
    const roots = this.half(spec.roots);
    if (typeof roots === 'string') return { unusable: `cluster ${name}: ${roots}` };
    const identity = spec.identity === undefined ? undefined : this.half(spec.identity);
    if (typeof identity === 'string') return { unusable: `cluster ${name}: ${identity}` };
    const options: TlsOptions = {
      mode: 'strict',
      source: joinedSource(identity, roots, `cluster ${name}`),
      checkServerIdentity,
      ...(spec.sni !== undefined ? { servername: spec.sni } : {}),
    };
    this.options.set(spec.key, options);
    return options;
  }

  private half(ref: MaterialRef): MaterialHalf | string {
    if (ref.kind === 'sds') {
      let secret = this.secrets.get(ref.secret);
      if (secret === undefined) {
        secret = new SecretSource(this.source, ref.secret);
        this.secrets.set(ref.secret, secret);
      }
      return secretHalf(secret);
    }
    const held = this.providers.get(ref.instance);
    if (held !== undefined) return held;
    const provider = this.source.bootstrap?.certificateProviders?.[ref.instance];
    if (provider === undefined) return `certificate provider instance ${JSON.stringify(ref.instance)} is not in the bootstrap's certificate_providers`;
    if (this.providerFactory === undefined) return `certificate provider instance ${JSON.stringify(ref.instance)}: xdsMesh was given no certificateProviders factory`;
    let made: TlsSource | undefined;
    try {
      made = this.providerFactory(ref.instance, provider);
    } catch (err) {
      return `certificate provider instance ${JSON.stringify(ref.instance)} cannot be made: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (made === undefined) return `certificate provider instance ${JSON.stringify(ref.instance)} has plugin ${provider.pluginName}, which is not supported`;
    const half = providerHalf(made);
    this.providers.set(ref.instance, half);
    return half;
  }

  close(): void {
    for (const s of this.secrets.values()) s.close();
    this.secrets.clear();
  }
}
