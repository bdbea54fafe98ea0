// Real Nest apps (NestFactory.createApplicationContext, the modules and DI users write) opposite
// plain Meshlet runtimes, in both directions, over loopback.
import 'reflect-metadata';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Injectable, Module, Scope, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Code, RpcError } from '@meshlet/core';
import { createMeshlet, type MeshletApp } from 'meshlet-rpc';
import { Greeter, Ledger, Missing } from './fixture.test-support.js';
import { InjectMeshlet, InjectReference, MESHLET, MeshletModule, referenceToken, type Reference } from './index.js';

let stores = 0;
/** A process-wide in-memory registry per test: provider and consumer runtimes share it by name. */
const registry = () => `memory://nest-${process.pid}-${++stores}`;
const server = { host: '127.0.0.1', port: 0 };

// ---- the exporting app: GreeterImpl lives in its own module and injects a provider of another.

@Injectable()
class Salutation {
  readonly seen: string[] = [];
  word(name: string): string {
    this.seen.push(name);
    return 'Hello';
  }
}

@Module({ providers: [Salutation], exports: [Salutation] })
class SalutationModule {}

@Injectable()
class GreeterImpl extends Greeter {
  inFlight = 0;
  constructor(private readonly salutation: Salutation) {
    super();
  }
  override async greet(name: string): Promise<string> {
    return `${this.salutation.word(name)} ${name}`;
  }
  override async slow(ms: number): Promise<number> {
    this.inFlight++;
    await new Promise((r) => setTimeout(r, ms));
    this.inFlight--;
    return ms;
  }
  override async refuse(reason: string): Promise<string> {
    throw Object.assign(new Error(`refused: ${reason}`), { javaClass: 'java.lang.IllegalStateException' });
  }
}

@Module({ imports: [SalutationModule], providers: [GreeterImpl] })
class GreeterModule {}

async function exportingApp(url: string, extra: DynamicModule[] = [], options: { discover?: boolean } = {}) {
  @Module({ imports: [MeshletModule.forRoot({ application: 'nest-provider', registry: url, server, ...options }), GreeterModule, ...extra] })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

function plainConsumer(url: string): MeshletApp {
  return createMeshlet({ application: 'plain-consumer', registry: url, timeout: 5000 });
}

/** The RpcError `fn` rejects with, checked to be one. */
async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(() => assert.fail('expected a failure'), (e: unknown) => e);
  assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
  return err;
}

test('a Nest provider is exported with its injected dependency; a plain consumer calls it over Dubbo and Bolt', async () => {
  const url = registry();
  const app = await exportingApp(url);
  const consumer = plainConsumer(url);
  try {
    const overDubbo = consumer.refer(Greeter);
    const overBolt = consumer.refer(Greeter, { protocol: 'bolt' });
    assert.equal(await overDubbo.greet('dubbo'), 'Hello dubbo');
    assert.equal(await overBolt.greet('bolt'), 'Hello bolt');
    // The same Nest singleton served both, through the dependency Nest injected.
    assert.deepEqual(app.get(Salutation, { strict: false }).seen, ['dubbo', 'bolt']);
    const mesh = app.get<MeshletApp>(MESHLET);
    assert.equal(mesh.address('dubbo')?.host, '127.0.0.1');
    assert.ok(mesh.address('bolt')!.port > 0);
  } finally {
    await consumer.stop();
    await app.close();
  }
});

// ---- the consuming app: a Nest service with injected references to a plain provider.

class LedgerImpl extends Ledger {
  override async credit(account: string, cents: bigint): Promise<bigint> {
    if (account === 'closed') throw Object.assign(new Error('account closed'), { javaClass: 'com.meshlet.nest.AccountClosedException' });
    return cents * 2n;
  }
}

@Injectable()
class Settings {
  constructor(readonly registry: string) {}
}

@Injectable()
class Billing {
  constructor(
    @InjectReference(Ledger) readonly ledger: Reference<typeof Ledger>,
    @InjectReference(Ledger, { protocol: 'motan2' }) readonly ledgerOverMotan: Reference<typeof Ledger>,
    @InjectReference(Missing) readonly missing: Reference<typeof Missing>,
    @InjectMeshlet() readonly mesh: MeshletApp,
  ) {}

  /** Credits twice, once per protocol: the Nest code sees only typed methods. */
  async creditBoth(account: string, cents: bigint): Promise<[bigint, bigint]> {
    return [await this.ledger.credit(account, cents), await this.ledgerOverMotan.credit(account, cents)];
  }
}

async function consumingApp(url: string) {
  @Module({ providers: [{ provide: Settings, useValue: new Settings(url) }], exports: [Settings] })
  class SettingsModule {}

  @Module({
    imports: [MeshletModule.forFeature({ references: [Ledger, { contract: Ledger, options: { protocol: 'motan2' } }, { contract: Missing, options: { timeout: 300, retries: 0 } }] })],
    providers: [Billing],
    exports: [Billing],
  })
  class BillingModule {}

  @Module({
    imports: [
      MeshletModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (s: Settings) => ({ application: 'nest-consumer', registry: s.registry }),
      }),
      BillingModule,
    ],
  })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

test('a Nest service calls a plain Meshlet provider through injected references over Dubbo and Motan2 (forRootAsync)', async () => {
  const url = registry();
  const provider = createMeshlet({ application: 'plain-provider', registry: url, server });
  provider.provide(new LedgerImpl());
  await provider.start();
  const app = await consumingApp(url);
  try {
    const billing = app.get(Billing, { strict: false });
    assert.deepEqual(await billing.creditBoth('alice', 2n ** 40n + 1n), [2n ** 41n + 2n, 2n ** 41n + 2n]);
    assert.equal(billing.mesh, app.get(MESHLET));
    // A reference is one proxy per token, shared by every injection point.
    assert.equal(app.get(referenceToken(Ledger), { strict: false }), billing.ledger);
    assert.notEqual(billing.ledger, billing.ledgerOverMotan);

    const business = await rpcError(billing.ledger.credit('closed', 1n));
    assert.equal(business.code, Code.Business);
    assert.equal(business.remoteClass, 'com.meshlet.nest.AccountClosedException');
    assert.match(business.message, /account closed/);
    const overMotan = await rpcError(billing.ledgerOverMotan.credit('closed', 1n));
    assert.equal(overMotan.code, Code.Business);
    const nobody = await rpcError(billing.missing.ping());
    assert.equal(nobody.code, Code.Unavailable);
  } finally {
    await app.close();
    await provider.stop();
  }
  // Closing the app stopped its runtime: the references are closed with it.
  assert.throws(() => app.get<MeshletApp>(MESHLET).refer(Ledger), (e: unknown) => e instanceof RpcError && e.code === Code.Shutdown);
});

test('close() drains: 16 slow calls in flight when the app closes all succeed; then the provider is gone', async () => {
  const url = registry();
  const app = await exportingApp(url);
  const consumer = plainConsumer(url);
  try {
    const greeter = consumer.refer(Greeter, { retries: 0 });
    const impl = app.get(GreeterImpl, { strict: false });
    const calls = Array.from({ length: 16 }, () => greeter.slow(400));
    const deadline = Date.now() + 10_000;
    while (impl.inFlight < 16 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(impl.inFlight, 16, 'all 16 calls reached the Nest provider before close()');
    const started = Date.now();
    await app.close();
    // close() returned only after the calls finished, and every one of them succeeded.
    assert.equal(impl.inFlight, 0);
    assert.deepEqual(await Promise.all(calls), Array(16).fill(400));
    // The grace period is the default 10 s: 6 s leaves a loaded machine room and still tells them apart.
    assert.ok(Date.now() - started < 6000, `the drain waited for the calls, not for the grace period (${Date.now() - started} ms)`);
    const after = await rpcError(greeter.greet('late'));
    assert.ok([Code.Unavailable, Code.ConnectionClosed].includes(after.code as never), `got ${after.code}`);
  } finally {
    await consumer.stop();
    await app.close();
  }
});

test('errors: a business exception is BUSINESS with its Java class; an unexported service is SERVICE_NOT_FOUND', async () => {
  const url = registry();
  const app = await exportingApp(url);
  const consumer = plainConsumer(url);
  try {
    const err = await rpcError(consumer.refer(Greeter).refuse('no'));
    assert.equal(err.code, Code.Business);
    assert.equal(err.remoteClass, 'java.lang.IllegalStateException');
    assert.match(err.message, /refused: no/);
    const { host, port } = app.get<MeshletApp>(MESHLET).address('dubbo')!;
    const notExported = await rpcError(consumer.refer(Missing, { url: `${host}:${port}` }).ping());
    assert.equal(notExported.code, Code.ServiceNotFound);
  } finally {
    await consumer.stop();
    await app.close();
  }
});

test('discover: false exports only the providers forFeature lists', async () => {
  @Injectable()
  class ListedGreeter extends Greeter {
    override async greet(name: string): Promise<string> {
      return `listed ${name}`;
    }
  }
  const url = registry();
  // GreeterModule's GreeterImpl is an @RpcService provider too, but not listed: not exported.
  const app = await exportingApp(url, [MeshletModule.forFeature({ providers: [ListedGreeter] })], { discover: false });
  const consumer = plainConsumer(url);
  try {
    assert.equal(await consumer.refer(Greeter).greet('x'), 'listed x');
  } finally {
    await consumer.stop();
    await app.close();
  }
});

test('usage errors are RpcErrors coded INVALID_ARGUMENT, before anything listens', async () => {
  class Plain {}
  assert.throws(() => MeshletModule.forFeature({ references: [Plain] }), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /Plain has no @RpcService/.test(e.message));

  @Injectable()
  class NotAService {}
  const listed = await rpcError(exportingApp(registry(), [MeshletModule.forFeature({ providers: [NotAService] })], { discover: false }));
  assert.equal(listed.code, Code.InvalidArgument);
  assert.match(listed.message, /NotAService, which is not an @RpcService class/);

  @Injectable({ scope: Scope.REQUEST })
  class PerRequestGreeter extends Greeter {}
  const scoped = await rpcError(exportingApp(registry(), [MeshletModule.forFeature({ providers: [PerRequestGreeter] })]));
  assert.equal(scoped.code, Code.InvalidArgument);
  assert.match(scoped.message, /PerRequestGreeter is request-scoped or transient/);
});


test('enableShutdownHooks(): SIGTERM to a Nest app process drains its 16 in-flight calls before it exits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-nest-'));
  const url = `local://${dir}`;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./shutdown-app.test-support.js', import.meta.url)), url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const lines = createInterface({ input: child.stdout! });
  const said = (line: string) => new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l === line && resolve());
    void exited.then((how) => reject(new Error(`the app exited (${String(how)}) before saying ${line}`)));
  });
  const consumer = plainConsumer(url);
  try {
    const inFlight = said('in-flight 16');
    await said('ready');
    const greeter = consumer.refer(Greeter, { retries: 0 });
    // The local registry is files: wait until the consumer sees the provider.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await greeter.greet('probe');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const calls = Array.from({ length: 16 }, () => greeter.slow(500));
    await inFlight;
    child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(calls), Array(16).fill(500));
    // Nest re-raises the signal once its hooks (our drain among them) have run.
    assert.equal(await exited, 'SIGTERM');
  } finally {
    child.kill('SIGKILL');
    await consumer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
