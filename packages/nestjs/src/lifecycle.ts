import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Code, RpcError, definitionOfClass } from '@meshlet/core';
import type { MeshletApp } from 'meshlet-rpc';
import { MeshletFeature } from './feature.js';
import type { MeshletModuleOptions } from './options.js';
import { MESHLET, MESHLET_MODULE_OPTIONS } from './tokens.js';

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Runs the runtime with the Nest app. Exports are collected on `onApplicationBootstrap`, when
 * every provider of every module exists with its dependencies injected; the runtime then
 * listens and registers. Stopping starts on the first destroy hook Nest calls (see README:
 * Lifecycle) and drains in-flight calls before Nest goes on to `beforeApplicationShutdown`.
 */
@Injectable()
export class MeshletLifecycle implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Meshlet');
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(MESHLET) private readonly mesh: MeshletApp,
    @Inject(MESHLET_MODULE_OPTIONS) private readonly options: MeshletModuleOptions,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const exported = this.exportedInstances();
    for (const instance of exported) this.mesh.provide(instance);
    await this.mesh.start();
    if (exported.length > 0) {
      this.logger.log(`exporting ${exported.map((i) => definitionOfClass(i.constructor)!.interface).join(', ')}`);
    }
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Deregisters, drains in-flight calls (the runtime's `gracePeriod`), closes. Once per app. */
  stop(): Promise<void> {
    return (this.stopping ??= this.mesh.stop());
  }

  private exportedInstances(): object[] {
    const wrappers = this.discovery.getProviders();
    const chosen = new Set<object>();
    for (const w of wrappers) {
      if (!(w.instance instanceof MeshletFeature)) continue;
      for (const token of w.instance.tokens) {
        const target = w.host?.providers.get(token);
        if (!target) continue;
        requireSingleton(target);
        const instance = target.instance as object | undefined;
        if (!instance || !definitionOfClass(instance.constructor)) {
          throw new RpcError(Code.InvalidArgument, `MeshletModule.forFeature lists ${nameOf(token)}, which is not an @RpcService class: nothing to export`);
        }
        chosen.add(instance);
      }
    }
    if (this.options.discover !== false) {
      for (const w of wrappers) {
        const type = w.metatype && !w.inject ? w.metatype : undefined;
        if (type && typeof type === 'function' && definitionOfClass(type)) requireSingleton(w);
        if (!w.isDependencyTreeStatic() || w.isTransient) continue;
        const instance = w.instance as object | null | undefined;
        if (instance && typeof instance === 'object' && typeof instance.constructor === 'function' && definitionOfClass(instance.constructor)) {
          chosen.add(instance);
        }
      }
    }
    return [...chosen];
  }
}

/** A request-scoped or transient provider has no one instance to serve calls with: refuse it by name. */
function requireSingleton(w: Wrapper): void {
  if (!w.isDependencyTreeStatic() || w.isTransient) {
    throw new RpcError(Code.InvalidArgument, `${nameOf(w.token)} is request-scoped or transient: only singleton providers can be exported over Meshlet`);
  }
}

function nameOf(token: unknown): string {
  return typeof token === 'function' ? token.name : String(token);
}
