package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.peer.Args;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo 3 consumer for routing rules: refers EchoService 1.0 at interface level through
 * --registry (ZooKeeper, also its config centre, as Dubbo 3 makes a registry by default, so it
 * reads /dubbo/config/dubbo/{key} rules), prints `READY 0`, then per stdin line `CALLS n text`
 * makes n calls of echo(text) and prints `ANSWERS a,b,...` (an error as `ERR:<class>`); `QUIT` ends.
 * java … com.meshlet.dubbo.RuleConsumer --registry zookeeper://127.0.0.1:P [--app name]
 */
public final class RuleConsumer {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        ApplicationConfig app = Fleet.application(args.get("app", "java-rule-consumer"));
        System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
        RegistryConfig registry = Fleet.registry(args);
        // The fleet's peers keep the registry a registry only (Line.configure); here it is also the
        // config centre, as Dubbo 3 makes it by default.
        registry.setUseAsConfigCenter(true);
        DubboBootstrap.getInstance().application(app).registry(registry).start();
        ReferenceConfig<EchoService> ref = new ReferenceConfig<>();
        ref.setInterface(EchoService.class);
        ref.setVersion(Fleet.VERSION);
        ref.setCheck(false);
        ref.setTimeout(3000);
        EchoService echo = ref.get();
        System.out.println("READY 0");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.trim().split(" ", 4);
            if (parts[0].equals("QUIT")) break;
            if (!parts[0].equals("CALLS") || parts.length < 3) continue;
            int n = Integer.parseInt(parts[1]);
            StringBuilder answers = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) answers.append(',');
                try {
                    if (parts.length > 3) Line.attach("dubbo.tag", parts[3]);
                    answers.append(echo.echo(parts[2]));
                } catch (Throwable e) {
                    answers.append("ERR:").append(e.getClass().getSimpleName());
                }
            }
            System.out.println("ANSWERS " + answers);
            System.out.flush();
        }
        Runtime.getRuntime().halt(0);
    }
}
