package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.peer.Args;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo 3 consumer that finds EchoService 1.0 by application-level discovery alone
 * (migration FORCE_APPLICATION, or --migration APPLICATION_FIRST as Dubbo 3 defaults to): the
 * mapping, the instances, the provider's MetadataService. Calls
 * echo(--text) until it answers (the provider may register after this starts) and prints
 * `ECHO <answer>`, or `FAILED <error>` after --wait ms; exits 0 on success.
 * java … com.meshlet.dubbo.AppConsumer --registry zookeeper://127.0.0.1:P [--text s] [--wait ms] [--migration m] [--protocol tri]
 */
public final class AppConsumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        ApplicationConfig app = Fleet.application("dubbo3-app-consumer");
        app.setRegisterMode("instance");
        System.setProperty("dubbo.application.service-discovery.migration", args.get("migration", "FORCE_APPLICATION"));
        DubboBootstrap.getInstance().application(app).registry(AppProvider.registry(args)).start();
        ReferenceConfig<EchoService> ref = new ReferenceConfig<>();
        ref.setInterface(EchoService.class);
        ref.setVersion(Fleet.VERSION);
        // --protocol tri: the instance's tri services, at the port its dubbo.endpoints lists for tri.
        if (args.has("protocol")) ref.setProtocol(args.get("protocol"));
        ref.setCheck(false);
        ref.setTimeout(3000);
        EchoService echo = ref.get();
        long deadline = System.currentTimeMillis() + args.getInt("wait", 20_000);
        Throwable last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                System.out.println("ECHO " + echo.echo(args.get("text", "app-level")));
                System.out.flush();
                Runtime.getRuntime().halt(0);
            } catch (Throwable e) {
                last = e;
                Thread.sleep(200);
            }
        }
        System.out.println("FAILED " + last);
        System.out.flush();
        Runtime.getRuntime().halt(1);
    }
}
