package com.meshlet.peer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load mode for graceful-stop tests (suite `load`): `--calls` threads (128) each calling `call`
 * back to back, the frameworks' clients being synchronous per thread. Prints `LOADING n` once every
 * thread has had an outcome, keeps going until stdin has a line or ends (the test stops a provider
 * meanwhile, as long as a loaded machine takes), then prints `LOAD {"calls","failed","first","kinds"}`
 * (kinds: failures by the class of their innermost cause) and
 * one case: ok when no call failed.
 */
public final class Load {
    private Load() {}

    public interface Call { void run() throws Throwable; }

    public static void run(Cases cases, int threads, Call call) throws Exception {
        AtomicLong calls = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> first = new AtomicReference<>();
        AtomicLong warm = new AtomicLong();
        Object announced = new Object();
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, AtomicLong> kinds = new ConcurrentHashMap<>();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                boolean warmed = false;
                while (!stop.get()) {
                    try {
                        call.run();
                        calls.incrementAndGet();
                    } catch (Throwable e) {
                        failed.incrementAndGet();
                        kinds.computeIfAbsent(kind(e), k -> new AtomicLong()).incrementAndGet();
                        if (first.compareAndSet(null, e.toString())) e.printStackTrace();
                    }
                    // Announced once every thread has had an outcome: a failing setup shows in LOAD.
                    if (!warmed) {
                        warmed = true;
                        if (warm.incrementAndGet() == threads) synchronized (announced) { announced.notifyAll(); }
                    }
                }
            });
            workers[t].start();
        }
        synchronized (announced) {
            while (warm.get() < threads) announced.wait(1000);
        }
        System.out.println("LOADING " + threads);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine(); // a line or the end of stdin
        stop.set(true);
        for (Thread w : workers) w.join(60_000);
        String why = first.get();
        System.out.println("LOAD {\"calls\":" + calls.get() + ",\"failed\":" + failed.get()
                + ",\"first\":" + (why == null ? "null" : Json.str(why)) + ",\"kinds\":" + kinds(kinds) + "}");
        String name = "load/" + threads;
        if (failed.get() == 0 && calls.get() > 0) cases.ok(name);
        else cases.bad(name, failed.get() + " of " + (calls.get() + failed.get()) + " calls failed; first: " + why);
    }

    /** The class of the innermost cause: what went wrong (a send that failed, a closed connection), not its wrappers. */
    private static String kind(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getClass().getSimpleName();
    }

    private static String kinds(Map<String, AtomicLong> kinds) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, AtomicLong> k : new TreeMap<>(kinds).entrySet()) {
            if (b.length() > 1) b.append(',');
            b.append(Json.str(k.getKey())).append(':').append(k.getValue().get());
        }
        return b.append('}').toString();
    }
}
