package com.meshlet.dubbo;

import com.meshlet.peer.Args;
import org.apache.dubbo.config.SslConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * TLS for the Dubbo 3 peers, set the way a Dubbo 3 application sets it: one SslConfig (what
 * `dubbo.ssl.*` properties fill) on the bootstrap. PEM paths: `--tls-cert` and `--tls-key` (PKCS#8,
 * as netty reads them), `--tls-ca` (the roots the peer's certificate must chain to).
 *
 * Provider: `--tls-cert --tls-key` turns TLS on for the whole `dubbo` port; `--tls-ca` adds mTLS
 * (netty's ClientAuth.REQUIRE: Dubbo asks for a client certificate only when it has roots to check
 * it against). `--tls-advertise` sets ProtocolConfig's sslEnabled (`dubbo.protocol.ssl-enabled`),
 * which writes `ssl-enabled=true` into the provider URL; the `dubbo` protocol itself never reads it.
 *
 * Consumer: `--tls-ca` with `--tls-cert --tls-key` (see consumer() for netty 4.2's host check). Dubbo's own SslConfig provider
 * (SSLConfigCertProvider) turns TLS on only when the client has a certificate and key: with roots
 * alone it connects in plaintext. `--tls-no-client-cert` gets a TLS client without a certificate
 * through Dubbo's CertProvider SPI instead (TrustOnlyCertProvider).
 */
final class Tls {
    private Tls() {}

    /** Applies the provider's flags; true when TLS is on. */
    static boolean provider(Args args) {
        if (!args.has("tls-cert")) return false;
        SslConfig ssl = new SslConfig();
        ssl.setServerKeyCertChainPath(args.get("tls-cert"));
        ssl.setServerPrivateKeyPath(args.get("tls-key"));
        if (args.has("tls-ca")) ssl.setServerTrustCertCollectionPath(args.get("tls-ca"));
        DubboBootstrap.getInstance().ssl(ssl);
        // A property, not a setter: the shared Provider builds the ProtocolConfig, and Dubbo's
        // config refresh overrides its fields from `dubbo.protocol.*` system properties.
        if (args.has("tls-advertise")) System.setProperty("dubbo.protocol.ssl-enabled", "true");
        return true;
    }

    /**
     * Applies the consumer's flags; true when some TLS setting was given.
     *
     * Dubbo 3.3.6 ships netty 4.2, whose client contexts check the server's host name by default
     * (endpoint identification HTTPS), but Dubbo's SslClientTlsHandler makes its SSLEngine without
     * the peer's host: every handshake fails with "Hostname or IP address is undefined". A Dubbo
     * 3.3.6 application gets TLS only with netty's own switch, set here before netty's SslUtils
     * loads; the server's certificate is then checked against the roots only, as on netty 4.1.
     * `--tls-netty-verify` leaves netty's default, to show the failure.
     */
    static boolean consumer(Args args) {
        if (!args.has("tls-netty-verify")) System.setProperty("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm", "NONE");
        if (args.has("tls-no-client-cert")) {
            TrustOnlyCertProvider.trust(args.get("tls-ca"));
            return true;
        }
        if (!args.has("tls-ca") && !args.has("tls-cert")) return false;
        SslConfig ssl = new SslConfig();
        if (args.has("tls-ca")) ssl.setClientTrustCertCollectionPath(args.get("tls-ca"));
        if (args.has("tls-cert")) {
            ssl.setClientKeyCertChainPath(args.get("tls-cert"));
            ssl.setClientPrivateKeyPath(args.get("tls-key"));
        }
        DubboBootstrap.getInstance().ssl(ssl);
        return true;
    }
}
