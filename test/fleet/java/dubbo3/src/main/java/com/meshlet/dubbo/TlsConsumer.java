package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.peer.Args;
import com.meshlet.peer.Cases;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * The Dubbo 3 consumer (Consumer) with TLS: the `--tls-*` flags of Tls, then Consumer's suites, or
 * `--suite refused`: one echo call that must fail, printed with the failure's cause chain so the
 * test can say which refusal it was (a closed connection, a handshake alert, a timeout), with
 * Dubbo's warnings as `LOG` lines (the handshake's own failure is only logged).
 * java … com.meshlet.dubbo.TlsConsumer --target host:port [--tls-ca ca.pem] [--tls-cert c.pem --tls-key k.pem]
 *      [--tls-no-client-cert] [--tls-netty-verify] [--suite kit|refused|…]
 */
public final class TlsConsumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Tls.consumer(args);
        if (!"refused".equals(args.get("suite"))) {
            Consumer.main(argv);
            return;
        }
        // Dubbo logs why a handshake failed (SslClientTlsHandler) but the call only sees a closed
        // channel: its JDK logger's warnings go to stdout as `LOG` lines with their causes.
        System.setProperty("dubbo.application.logger", "jdk");
        logCauses();
        Fleet.loopbackOnly();
        DubboBootstrap.getInstance().application(Fleet.application(Line.MODULE + "-fleet-consumer")).start();
        DubboPeer peer = new DubboPeer(args, Fleet.registry(args));
        Cases cases = new Cases();
        // The reference first (Dubbo connects in the background), then the call is timed alone.
        EchoService echo = peer.echo(args.getInt("timeout", 5000));
        long start = System.nanoTime();
        try {
            String got = echo.echo("x");
            cases.bad("refused", "answered " + got);
        } catch (Throwable t) {
            StringBuilder chain = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                chain.append(chain.length() == 0 ? "" : " <- ").append(c.getClass().getName()).append(": ").append(c.getMessage());
            }
            System.out.println("REFUSED " + (System.nanoTime() - start) / 1_000_000 + " ms " + chain.toString().replace('\n', ' '));
            cases.ok("refused");
        }
        System.out.flush();
        Runtime.getRuntime().halt(cases.finish());
    }

    /** Every JDK-logged warning as one stdout line: `LOG logger: message <- cause <- cause …`. */
    private static void logCauses() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() < Level.WARNING.intValue()) return;
                StringBuilder line = new StringBuilder("LOG ").append(r.getLoggerName()).append(": ").append(r.getMessage());
                for (Throwable c = r.getThrown(); c != null; c = c.getCause() == c ? null : c.getCause()) {
                    line.append(" <- ").append(c.getClass().getName()).append(": ").append(c.getMessage());
                }
                System.out.println(line.toString().replace('\n', ' '));
            }

            @Override
            public void flush() { System.out.flush(); }

            @Override
            public void close() {}
        });
    }
}
