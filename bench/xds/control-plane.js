// The go-control-plane peer (test/xds/go, built once per content into the fleet cache) for the
// xDS bench rows: one process per harness run, killed when the harness exits. Each consumer puts
// its own snapshot in (bench/xds/client.js), so rows and runs share it without seeing each other.
import { startControlPlane } from '../../test/xds/control-plane.js';

let starting;

/** Resolves with the running control plane (built and started on first use). */
export function benchControlPlane() {
  starting ??= startControlPlane({ node: 'bench-unused' }).then((cp) => {
    // kill() sends SIGKILL synchronously before awaiting the exit: enough in an 'exit' handler.
    process.once('exit', () => void cp.kill());
    return cp;
  });
  return starting;
}
