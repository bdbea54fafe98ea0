import { Global, Inject, Injectable, Module, type DynamicModule, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { createMeshlet, type MeshletApp } from 'meshlet-rpc';
import { MeshletFeature } from './feature.js';
import { MeshletLifecycle } from './lifecycle.js';
import type { MeshletFeatureOptions, MeshletModuleAsyncOptions, MeshletModuleOptions, ReferenceSpec } from './options.js';
import { MESHLET, MESHLET_MODULE_OPTIONS, referenceToken, type Contract } from './tokens.js';

/**
 * Starts the drain as soon as Nest destroys a module that uses Meshlet features: Nest destroys
 * global modules last, and by then the app's own modules may have run their `onModuleDestroy`.
 */
@Injectable()
class MeshletFeatureLifecycle implements OnModuleDestroy {
  constructor(@Inject(MeshletLifecycle) private readonly lifecycle: MeshletLifecycle) {}
  onModuleDestroy(): Promise<void> {
    return this.lifecycle.stop();
  }
}

/** The module `forFeature` returns (one class, many dynamic instances, as TypeOrmModule does). */
@Module({})
export class MeshletFeatureModule {}

let features = 0;

/**
 * One Meshlet runtime per Nest app: `forRoot` / `forRootAsync` once, in the root module (the
 * module is global); `forFeature` in any module for its references and listed providers.
 */
@Global()
@Module({})
export class MeshletModule {
  static forRoot(options: MeshletModuleOptions = {}): DynamicModule {
    return root([{ provide: MESHLET_MODULE_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: MeshletModuleAsyncOptions): DynamicModule {
    return root(
      [{ provide: MESHLET_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
    );
  }

  static forFeature(options: MeshletFeatureOptions): DynamicModule {
    const providers = options.providers ?? [];
    const references: Provider[] = (options.references ?? []).map((r) => {
      const { contract, options: refer = {} } = isSpec(r) ? r : { contract: r, options: {} };
      return {
        provide: referenceToken(contract, refer),
        useFactory: (mesh: MeshletApp) => mesh.refer(contract as never, refer),
        inject: [MESHLET],
      };
    });
    const tokens = references.map((p) => (p as { provide: string }).provide);
    return {
      module: MeshletFeatureModule,
      imports: options.imports ?? [],
      providers: [
        ...providers,
        ...references,
        // A unique token per call: two forFeature() calls with the same lists stay two modules.
        { provide: `meshlet:feature:${++features}`, useValue: MeshletFeature.of(providers) },
        MeshletFeatureLifecycle,
      ],
      exports: [...providers, ...tokens],
    };
  }
}

function root(options: Provider[], imports: NonNullable<DynamicModule['imports']>): DynamicModule {
  return {
    module: MeshletModule,
    global: true,
    imports: [DiscoveryModule, ...imports],
    providers: [
      ...options,
      {
        provide: MESHLET,
        useFactory: ({ discover: _discover, ...app }: MeshletModuleOptions) => createMeshlet(app),
        inject: [MESHLET_MODULE_OPTIONS],
      },
      MeshletLifecycle,
    ],
    exports: [MESHLET, MESHLET_MODULE_OPTIONS, MeshletLifecycle],
  };
}

function isSpec(r: Contract | ReferenceSpec): r is ReferenceSpec {
  return typeof r === 'object' && r !== null && 'contract' in r;
}
