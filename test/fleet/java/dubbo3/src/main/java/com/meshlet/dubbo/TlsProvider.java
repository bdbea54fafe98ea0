package com.meshlet.dubbo;

import com.meshlet.peer.Args;

/**
 * The Dubbo 3 provider (Provider) with TLS: the `--tls-*` flags of Tls, then Provider as it is.
 * java … com.meshlet.dubbo.TlsProvider --port 0 --tls-cert c.pem --tls-key k.pem [--tls-ca ca.pem]
 *      [--tls-advertise] [--registry zookeeper://…]
 */
public final class TlsProvider {
    public static void main(String[] argv) throws Exception {
        if (!Tls.provider(new Args(argv))) throw new IllegalArgumentException("--tls-cert and --tls-key are required");
        Provider.main(argv);
    }
}
