package com.meshlet.dubbo;

import com.meshlet.peer.Args;
import com.meshlet.peer.Bench;
import com.meshlet.peer.Cases;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo consumer (2.7 or 3, by the module that builds it: see Line). Suites (`--suite`): `kit` (default: the conformance kit's 29 cases and
 * the fleet cases), `probe` (group/version selection, unknown service and method), `idle` (a
 * connection left idle past the heartbeat), `drain` (calls in flight while the provider stops),
 * `load` (`--calls` threads calling until stdin has a line, `--target a,b` for two providers).
 * `--bench` drives load instead and prints one JSON line.
 * java … com.meshlet.dubbo.Consumer (--target host:port | --registry zookeeper://…) [--suite s]
 *      [--heartbeat ms] [--bench --method echo --payload N --concurrency C --seconds S --connections 1]
 */
public final class Consumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        if (!args.has("target") && !args.has("registry")) throw new IllegalArgumentException("--target or --registry is required");
        DubboBootstrap.getInstance().application(Fleet.application(Line.MODULE + "-fleet-consumer")).start();
        DubboPeer peer = new DubboPeer(args, Fleet.registry(args));
        int code;
        if (args.has("bench")) {
            code = Bench.run(peer.echo(10_000), args);
        } else {
            Cases cases = new Cases();
            Suites.run(args.get("suite", "kit"), cases, peer, args);
            code = cases.finish();
        }
        // Exit without Dubbo's shutdown hook: its 10 s graceful wait only slows the suite down.
        Runtime.getRuntime().halt(code);
    }
}
