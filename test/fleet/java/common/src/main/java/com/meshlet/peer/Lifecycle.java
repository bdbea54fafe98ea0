package com.meshlet.peer;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/** A provider's life as the conformance kit defines it: `READY <port>`, graceful stop on SIGTERM, exit 0. */
public final class Lifecycle {
    private Lifecycle() {}

    public interface Stop { void run() throws Exception; }

    /** Prints READY, then parks the main thread until SIGTERM/SIGINT has run `stop`, then exits 0. */
    public static void serve(int port, Stop stop) throws InterruptedException {
        Object done = new Object();
        SignalHandler handler = sig -> {
            int code = 0;
            try {
                stop.run();
            } catch (Throwable t) {
                t.printStackTrace();
                code = 1;
            }
            Runtime.getRuntime().halt(code);
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
        System.out.println("READY " + port);
        System.out.flush();
        synchronized (done) {
            done.wait();
        }
    }
}
