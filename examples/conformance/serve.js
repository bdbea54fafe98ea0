// A provider's life as the kit defines it: start, print `READY <port>` once calls are accepted, and
// on SIGTERM/SIGINT stop gracefully (deregister, drain in-flight calls, close), then exit 0.
export async function serve(mesh) {
  await mesh.start();
  console.log(`READY ${mesh.address().port}`);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      await mesh.stop();
      process.exit(0);
    });
  }
}
