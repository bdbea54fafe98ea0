package com.meshlet.sofarpc;

import com.meshlet.peer.Args;
import com.meshlet.peer.Bench;
import com.meshlet.peer.Cases;

/**
 * SOFARPC 5 consumer on Bolt. Suites (`--suite`): `kit` (default: the conformance kit's 29 cases and
 * the fleet cases), `probe` (uniqueId selection, unknown service and method, trace context), `trace`, `select`,
 * `proto` (the protobuf service), `idle` (a connection left idle past the heartbeat), `drain`
 * (calls in flight while the provider stops). `--bench` drives load instead and prints one JSON line.
 * java … com.meshlet.sofarpc.Consumer (--target host:port | --registry zookeeper://… | nacos://…) [--suite s]
 *      [--bench --method echo --payload N --concurrency C --seconds S --connections 1]
 */
public final class Consumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        if (!args.has("target") && !args.has("registry")) throw new IllegalArgumentException("--target or --registry is required");
        SofaPeer peer = new SofaPeer(args, Sofa.registry(args));
        int code;
        if (args.has("bench")) {
            code = Bench.run(peer.echo(10_000), args);
        } else {
            Cases cases = new Cases();
            Suites.run(args.get("suite", "kit"), cases, peer, args);
            code = cases.finish();
        }
        // Exit without SOFARPC's shutdown hook: nothing is left to drain on a consumer.
        Runtime.getRuntime().halt(code);
    }
}
