import type { Provider, Type } from '@nestjs/common';

/**
 * The marker a `forFeature` module registers: the lifecycle finds these through Nest's
 * discovery to learn which providers were listed for export, per app (no module-level state,
 * so two Nest apps in one process stay apart).
 */
export class MeshletFeature {
  constructor(readonly tokens: readonly (string | symbol | Type<unknown>)[]) {}

  static of(providers: readonly Provider[]): MeshletFeature {
    return new MeshletFeature(providers.map((p) => (typeof p === 'function' ? p : p.provide as string | symbol | Type<unknown>)));
  }
}
