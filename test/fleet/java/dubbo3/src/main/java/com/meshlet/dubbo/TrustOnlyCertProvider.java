package com.meshlet.dubbo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.common.extension.Activate;
import org.apache.dubbo.common.ssl.Cert;
import org.apache.dubbo.common.ssl.CertProvider;
import org.apache.dubbo.common.ssl.ProviderCert;

/**
 * A Dubbo CertProvider (the SPI Dubbo's own SslConfig and its mesh certificates plug into) that
 * gives a consumer TLS with trusted roots and no certificate of its own: what a client without a
 * client certificate presents to a server that requires one. Inactive until `trust` is called.
 * Registered in META-INF/dubbo/org.apache.dubbo.common.ssl.CertProvider; ordered before Dubbo's.
 */
@Activate(order = -1000)
public final class TrustOnlyCertProvider implements CertProvider {
    private static volatile byte[] roots;

    static void trust(String caPath) {
        try {
            roots = Files.readAllBytes(Paths.get(caPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isSupport(URL address) { return roots != null; }

    @Override
    public ProviderCert getProviderConnectionConfig(URL localAddress) { return null; }

    @Override
    public Cert getConsumerConnectionConfig(URL remoteAddress) { return new Cert(null, null, roots); }
}
