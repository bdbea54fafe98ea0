// A Nest app as production runs one: its own process, `enableShutdownHooks()`, stopped by
// SIGTERM. Exports Greeter through the registry given as argv[2]; reports on stdout when it is
// ready and when 16 calls are in flight, so the test can signal it mid-calls.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Greeter } from './fixture.test-support.js';
import { MeshletModule } from './index.js';

@Injectable()
class SlowGreeter extends Greeter {
  private inFlight = 0;
  override async greet(name: string): Promise<string> {
    return `Hello ${name}`;
  }
  override async slow(ms: number): Promise<number> {
    if (++this.inFlight === 16) process.stdout.write('in-flight 16\n');
    await new Promise((r) => setTimeout(r, ms));
    this.inFlight--;
    return ms;
  }
}

@Module({
  imports: [MeshletModule.forRoot({ application: 'nest-sigterm', registry: process.argv[2]!, server: { host: '127.0.0.1', port: 0 } })],
  providers: [SlowGreeter],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
app.enableShutdownHooks();
process.stdout.write('ready\n');
