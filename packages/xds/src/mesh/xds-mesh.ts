import { randomUUID } from 'node:crypto';
import type { MeshControl, MeshReference, MeshService } from '@meshlet/core';
import { localAddress } from '@meshlet/core/runtime';
import type { OutlierDetectorFactory } from './mesh-cluster.js';
import { ReferenceWatch, type XdsWatchSource } from './reference-watch.js';
import { ClusterTlsCache, type CertificateProviderFactory } from './tls-clusters.js';

export interface XdsMeshOptions {
  /**
   * The target name a reference asks for (gRPC's `xds:///<target>`): its interface by default, as
   * Dubbo 3 proxyless and gRPC use the service name. It is also the authority virtual hosts are
   * matched against.
   */
  readonly target?: (service: MeshService) => string;
  /**
   * The Listener resource name of a target: gRPC's `client_default_listener_resource_name_template`
   * (`%s`, replaced by the target; the bootstrap's value when the client has one).
   */
  readonly listenerTemplate?: string;
  /** Which references xDS drives (all by default); the others use the registry as before. */
  readonly services?: (service: MeshService) => boolean;
  /** An outlier detector for clusters with outlier_detection (`createMeshlet` wires @meshlet/breaker's). */
  readonly outlierDetection?: OutlierDetectorFactory;
  /**
   * The TlsSource of a bootstrap `certificate_providers` instance that clusters' TLS contexts name
   * (`createMeshlet` wires @meshlet/security's fileTlsSource for `file_watcher`). Without it, a
   * cluster naming a provider takes no calls (UNAVAILABLE, saying so); SDS secrets over ADS need none.
   */
  readonly certificateProviders?: CertificateProviderFactory;
}

/**
 * The core's `MeshControl` over an xDS client: each reference watches its Listener, the
 * RouteConfiguration, Clusters and ClusterLoadAssignments below it, and its calls follow the
 * compiled result (`createRuntime({ mesh: xdsMesh(client) })`; `createMeshlet` does it when
 * `MESHLET_XDS` is set). packages/xds/README.md lists the fields honoured.
 */
export function xdsMesh(client: XdsWatchSource, options: XdsMeshOptions = {}): MeshControl {
  const template = options.listenerTemplate ?? client.bootstrap?.clientDefaultListenerResourceNameTemplate ?? '%s';
  let sourceIp: string | undefined;
  const tls = new ClusterTlsCache(client, options.certificateProviders);
  return {
    reference(service: MeshService): MeshReference | undefined {
      if (options.services !== undefined && !options.services(service)) return undefined;
      const target = options.target?.(service) ?? service.service.interface;
      const watch = new ReferenceWatch(client, {
        listener: template.includes('%s') ? template.replaceAll('%s', () => target) : template,
        authority: target,
        service: service.service.interface,
        protocol: service.protocol,
        outlier: options.outlierDetection,
        channelId: randomUUID(),
        sourceIp: () => (sourceIp ??= localAddress()),
        tls,
      });
      return watch.ref;
    },
  };
}
