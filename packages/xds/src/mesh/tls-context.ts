// A Cluster's transport_socket (envoy.transport_sockets.tls → UpstreamTlsContext) as what Meshlet
// needs to dial its endpoints: where the workload certificate and the trusted roots come from
// (a bootstrap certificate provider, gRPC's style; or an SDS secret over ADS, Envoy's), the SAN
// matchers and the SNI. What Meshlet cannot honour makes the cluster unusable, saying why: an
// mTLS cluster is never quietly dialed in plaintext or without verifying its server.
import { list, obj, str, typeName, type Obj } from './values.js';

const UPSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/** Where one half of the material comes from. */
export type MaterialRef =
  | { readonly kind: 'provider'; readonly instance: string }
  | { readonly kind: 'sds'; readonly secret: string };

/** One SAN matcher: a StringMatcher (as decoded), and the SAN type it is restricted to (any when undefined). */
export interface SanMatcherSpec {
  readonly type: 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS' | undefined;
  readonly matcher: Obj;
}

export interface UpstreamTlsSpec {
  /** The workload certificate and key; undefined: none presented (TLS, not mTLS). */
  readonly identity: MaterialRef | undefined;
  readonly roots: MaterialRef;
  readonly sans: readonly SanMatcherSpec[];
  readonly sni: string | undefined;
  /** The spec as one string: equal keys share one TLS options object (and so pooled connections). */
  readonly key: string;
}

/** undefined: no transport_socket (plaintext); else the spec, or why the cluster cannot be dialed. */
export function upstreamTls(cluster: Obj): UpstreamTlsSpec | { readonly unusable: string } | undefined {
  const socket = obj(cluster.transportSocket);
  if (socket === undefined) return undefined;
  const name = str(cluster.name) ?? '';
  const typed = obj(socket.typedConfig);
  const type = typeName(typed);
  // gRPC's rule: a transport socket that is not TLS is refused (Meshlet has no other).
  if (typed === undefined || type !== UPSTREAM_TLS) {
    if (typed === undefined && str(socket.name) === 'envoy.transport_sockets.raw_buffer') return undefined;
    return { unusable: `cluster ${name}: transport_socket ${type || str(socket.name) || '(empty)'} is not an UpstreamTlsContext` };
  }
  const common = obj(typed.commonTlsContext) ?? {};
  const why = (s: string) => ({ unusable: `cluster ${name}: ${s}` });

  let identity: MaterialRef | undefined;
  const instance = obj(common.tlsCertificateProviderInstance) ?? obj(common.tlsCertificateCertificateProviderInstance);
  const sdsCerts = list(common.tlsCertificateSdsSecretConfigs);
  if (instance !== undefined) {
    identity = { kind: 'provider', instance: str(instance.instanceName) ?? '' };
  } else if (sdsCerts.length > 0) {
    const ref = sdsRef(sdsCerts[0]!);
    if (typeof ref === 'string') return why(`tls_certificate_sds_secret_configs: ${ref}`);
    identity = ref;
  } else if (list(common.tlsCertificates).length > 0) {
    return why('inline tls_certificates are not supported (use a certificate provider or SDS)');
  }

  // The validation context: plain, from SDS, or combined (default + SDS; the SANs from the default).
  let validation: Obj | undefined;
  let rootsSds: Obj | undefined;
  switch (str(common.validationContextType)) {
    case 'validationContext':
      validation = obj(common.validationContext);
      break;
    case 'validationContextSdsSecretConfig':
      rootsSds = obj(common.validationContextSdsSecretConfig);
      break;
    case 'combinedValidationContext': {
      const combined = obj(common.combinedValidationContext);
      validation = obj(combined?.defaultValidationContext);
      rootsSds = obj(combined?.validationContextSdsSecretConfig);
      break;
    }
    default:
      validation = obj(common.validationContext);
  }
  let roots: MaterialRef | undefined;
  const caInstance = obj(validation?.caCertificateProviderInstance) ?? obj(obj(common.validationContextCertificateProviderInstance));
  if (caInstance !== undefined) roots = { kind: 'provider', instance: str(caInstance.instanceName) ?? '' };
  else if (rootsSds !== undefined) {
    const ref = sdsRef(rootsSds);
    if (typeof ref === 'string') return why(`validation_context_sds_secret_config: ${ref}`);
    roots = ref;
  } else if (obj(validation?.trustedCa) !== undefined) {
    return why('an inline trusted_ca is not supported (use a certificate provider or SDS)');
  }
  // As gRPC (gRFC A29): no roots, no dial. Envoy would skip verification; Meshlet never does.
  if (roots === undefined) return why('the UpstreamTlsContext names no trusted roots (a ca_certificate_provider_instance or an SDS validation context)');

  const sans: SanMatcherSpec[] = [];
  for (const m of list(validation?.matchTypedSubjectAltNames)) {
    const t = str(m.sanType);
    const matcher = obj(m.matcher);
    if (matcher === undefined) continue;
    if (t === 'DNS' || t === 'URI' || t === 'EMAIL' || t === 'IP_ADDRESS') sans.push({ type: t, matcher });
    else if (t === undefined) return why('a match_typed_subject_alt_names entry without a san_type');
    else return why(`SAN type ${t} is not supported`);
  }
  for (const matcher of list(validation?.matchSubjectAltNames)) sans.push({ type: undefined, matcher });
  const sni = str(typed.sni) || undefined;
  const key = JSON.stringify([identity, roots, sans, sni]);
  return { identity, roots, sans, sni, key };
}

/** An SdsSecretConfig over ADS; a string says why it cannot be used. */
function sdsRef(config: Obj): MaterialRef | string {
  const secret = str(config.name);
  if (!secret) return 'an SDS secret without a name';
  const source = obj(config.sdsConfig);
  // Only ADS: the same stream as the clusters. A separate SDS server is @meshlet/security's sdsTlsSource.
  if (source === undefined || str(source.configSourceSpecifier) !== 'ads' && obj(source.ads) === undefined) {
    return `secret ${secret} is not served over ADS (only sds_config { ads: {} } is supported)`;
  }
  return { kind: 'sds', secret };
}
