package com.meshlet.motan;

import com.meshlet.conformance.EchoService;
import com.meshlet.peer.Args;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load mode, as examples/conformance/bench.js: `--concurrency` threads each calling `--method`
 * (echo) with a `--payload`-byte string for `--seconds`, over `--connections` motan connections;
 * prints one JSON line {"calls","errors","qps","p50_ms","p99_ms","rss_mb"}.
 */
final class Bench {
    private Bench() {}

    static void run(Args args) throws Exception {
        String method = args.get("method", "echo");
        if (!method.equals("echo")) throw new IllegalArgumentException("--method: only echo is benched, not " + method);
        int payload = args.getInt("payload", 1024);
        int concurrency = args.getInt("concurrency", 128);
        int seconds = args.getInt("seconds", 5);
        int connections = args.getInt("connections", 1);
        MotanSetup setup = new MotanSetup(args);
        MotanPeer peer = new MotanPeer(setup, args.get("target"));
        com.weibo.api.motan.config.RefererConfig<EchoService> r = peer.referer(EchoService.class, null, 10_000);
        r.getProtocols().get(0).setMinClientConnection(connections);
        r.getProtocols().get(0).setMaxClientConnection(connections);
        EchoService s = r.getRef();
        String value = "x".repeat(payload);
        for (int i = 0; i < 2000; i++) s.echo(value); // warm the JIT and the connection

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        Thread[] threads = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            final int id = t;
            latencies[id] = new long[1 << 16];
            threads[t] = new Thread(() -> {
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        if (!value.equals(s.echo(value))) errors.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                    if (counts[id] == latencies[id].length) latencies[id] = Arrays.copyOf(latencies[id], counts[id] * 2);
                    latencies[id][counts[id]++] = System.nanoTime() - start;
                }
            });
        }
        long begin = System.nanoTime();
        for (Thread t : threads) t.start();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - begin) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        double p50 = total == 0 ? 0 : all[total / 2] / 1e6;
        double p99 = total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
        System.out.println(String.format(Locale.ROOT, "{\"calls\":%d,\"errors\":%d,\"qps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"rss_mb\":%.1f}",
            total, errors.get(), total / elapsed, p50, p99, rssMb()));
    }

    /** Resident set size from /proc, as the Node bench reports process.memoryUsage().rss. */
    private static double rssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (java.io.IOException ignored) {
            // not Linux: fall through
        }
        return 0;
    }
}
