package com.meshlet.dubbo;

import com.meshlet.peer.Args;
import com.meshlet.peer.Cases;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * The Dubbo 3 consumer (Consumer) with TLS: the `--tls-*` flags of Tls, then Consumer's suites, or
 * `--suite refused`: one echo call that must fail, printed with the failure's cause chain so the
 * test can say which refusal it was (a closed connection, a handshake alert, a timeout).
 * java … com.meshlet.dubbo.TlsConsumer --target host:port [--tls-ca ca.pem] [--tls-cert c.pem --tls-key k.pem]
 *      [--tls-no-client-cert] [--suite kit|refused|…]
 */
public final class TlsConsumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Tls.consumer(args);
        if (!"refused".equals(args.get("suite"))) {
            Consumer.main(argv);
            return;
        }
        Fleet.loopbackOnly();
        DubboBootstrap.getInstance().application(Fleet.application(Line.MODULE + "-fleet-consumer")).start();
        DubboPeer peer = new DubboPeer(args, Fleet.registry(args));
        Cases cases = new Cases();
        long start = System.nanoTime();
        try {
            String got = peer.echo(args.getInt("timeout", 5000)).echo("x");
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
}
