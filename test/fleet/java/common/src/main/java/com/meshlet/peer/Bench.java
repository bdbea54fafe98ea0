package com.meshlet.peer;

import com.meshlet.conformance.EchoService;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load mode, as examples/conformance/bench.js: `--concurrency` threads calling for `--seconds`;
 * prints {"calls","errors","qps","p50_ms","p99_ms","rss_mb"}. The Java frameworks' clients are
 * synchronous per thread, so one thread per call in flight.
 */
public final class Bench {
    private Bench() {}

    /** Drives `s` (a client of the framework under test); returns the exit code. */
    public static int run(EchoService s, Args args) throws Exception {
        String method = args.get("method", "echo");
        if (!method.equals("echo")) throw new IllegalArgumentException("--method " + method + ": only echo is benched");
        int payload = args.getInt("payload", 1024);
        int concurrency = args.getInt("concurrency", 128);
        int seconds = args.getInt("seconds", 5);
        String arg = "x".repeat(payload);
        // Warm up: the connection, the JIT.
        long warmEnd = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < warmEnd) s.echo(arg);

        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[][] samples = new long[concurrency][];
        int[] counts = new int[concurrency];
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] threads = new Thread[concurrency];
        long start = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            final int me = t;
            samples[t] = new long[1 << 16];
            threads[t] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        s.echo(arg);
                        long n = calls.incrementAndGet();
                        if ((n & 7) == 0 && counts[me] < samples[me].length) samples[me][counts[me]++] = System.nanoTime() - t0;
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all = new long[Arrays.stream(counts).sum()];
        int k = 0;
        for (int t = 0; t < concurrency; t++) for (int i = 0; i < counts[t]; i++) all[k++] = samples[t][i];
        Arrays.sort(all);
        System.out.println("{\"calls\":" + calls.get() + ",\"errors\":" + errors.get()
                + ",\"qps\":" + Math.round(calls.get() / elapsed)
                + ",\"p50_ms\":" + quantile(all, 0.5) + ",\"p99_ms\":" + quantile(all, 0.99)
                + ",\"rss_mb\":" + rssMb() + "}");
        return 0;
    }

    private static String quantile(long[] sorted, double p) {
        if (sorted.length == 0) return "null";
        long ns = sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
        return String.format(java.util.Locale.ROOT, "%.3f", ns / 1e6);
    }

    /** VmRSS of this process from /proc (Linux), in MiB. */
    private static long rssMb() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }
}
