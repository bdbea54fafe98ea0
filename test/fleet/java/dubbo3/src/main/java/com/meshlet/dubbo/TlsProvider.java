package com.meshlet.dubbo;

import com.meshlet.peer.Args;

/**
 * The Dubbo 3 provider (Provider) with TLS: the `--tls-*` flags of Tls, then Provider as it is.
 * java … com.meshlet.dubbo.TlsProvider --port 0 --tls-cert c.pem --tls-key k.pem [--tls-ca ca.pem]
 *      [--tls-advertise] [--registry zookeeper://…] [--shutdown-wait ms]
 */
public final class TlsProvider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        if (!Tls.provider(args)) throw new IllegalArgumentException("--tls-cert and --tls-key are required");
        // Dubbo's own setting: how long a graceful stop waits for connections and calls (10 s).
        if (args.has("shutdown-wait")) System.setProperty("dubbo.service.shutdown.wait", args.get("shutdown-wait"));
        Provider.main(argv);
    }
}
