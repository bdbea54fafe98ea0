package com.meshlet.flow;

import com.alibaba.csp.sentinel.node.ClusterNode;
import com.alibaba.csp.sentinel.slotchain.ResourceWrapper;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRule;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRuleManager;
import com.alibaba.csp.sentinel.slots.clusterbuilder.ClusterBuilderSlot;
import com.alibaba.fastjson2.JSON;
import java.io.BufferedReader;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.RpcException;

/**
 * provider PORT: FlowEcho over dubbo on 127.0.0.1:PORT with Sentinel's provider filter (it is
 * activated by the adapter's jar). Prints `READY PORT`, then reads commands on stdin, one a line:
 *   rules JSON   - FlowRuleManager.loadRules(JSON array of FlowRule, as a datasource parses it) → `RULES n`
 *   resources    - `RESOURCES {name: {pass, block}}` for every resource Sentinel has counted
 * consumer URL APP N: calls FlowEcho.echo N times at URL as application APP; one JSON line per call
 * ({"ok": value} or {"class", "message", "code", "cause"}), then `DONE n ok n refused`.
 */
public final class SentinelPeer {
    public static void main(String[] args) throws Exception {
        loopbackOnly();
        if ("provider".equals(args[0])) provider(Integer.parseInt(args[1]));
        else consumer(args[1], args[2], Integer.parseInt(args[3]));
    }

    static void provider(int port) throws Exception {
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        ServiceConfig<FlowEcho> service = new ServiceConfig<>();
        service.setInterface(FlowEcho.class);
        service.setRef(new FlowEcho() {
            public String echo(String s) { return s; }
            public String place(String item, int count, String[] tags) { return item + "x" + count + ":" + tags.length; }
        });
        DubboBootstrap.getInstance()
                .application(application("sentinel-provider"))
                .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
                .protocol(protocol)
                .service(service)
                .start();
        System.out.println("READY " + port);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("rules ")) {
                List<FlowRule> rules = JSON.parseArray(line.substring(6), FlowRule.class);
                FlowRuleManager.loadRules(rules);
                System.out.println("RULES " + FlowRuleManager.getRules().size());
            } else if (line.equals("resources")) {
                Map<String, Map<String, Long>> seen = new TreeMap<>();
                for (Map.Entry<ResourceWrapper, ClusterNode> e : ClusterBuilderSlot.getClusterNodeMap().entrySet()) {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    counts.put("pass", e.getValue().totalPass());
                    counts.put("block", e.getValue().blockRequest());
                    seen.put(e.getKey().getName(), counts);
                }
                System.out.println("RESOURCES " + JSON.toJSONString(seen));
            }
        }
        System.exit(0);
    }

    static void consumer(String url, String app, int n) {
        ReferenceConfig<FlowEcho> ref = new ReferenceConfig<>();
        ref.setInterface(FlowEcho.class);
        ref.setUrl(url);
        ref.setRetries(0);
        ref.setTimeout(10_000);
        DubboBootstrap.getInstance().application(application(app)).reference(ref).start();
        FlowEcho echo = ref.get();
        int ok = 0;
        int failed = 0;
        for (int i = 0; i < n; i++) {
            Map<String, Object> line = new LinkedHashMap<>();
            try {
                line.put("ok", echo.echo("x" + i));
                ok++;
            } catch (Throwable t) {
                line.put("class", t.getClass().getName());
                line.put("message", t.getMessage());
                if (t instanceof RpcException) line.put("code", ((RpcException) t).getCode());
                if (t.getCause() != null) line.put("cause", t.getCause().getClass().getName());
                failed++;
            }
            System.out.println(JSON.toJSONString(line));
        }
        System.out.println("DONE " + ok + " ok " + failed + " refused");
        System.exit(0);
    }

    /**
     * Dubbo replaces 127.0.0.1 in a direct URL by the host's first address, which a test machine's
     * firewall or namespace may not serve: pin its notion of "this host" to loopback.
     */
    static void loopbackOnly() throws Exception {
        Field host = NetUtils.class.getDeclaredField("HOST_ADDRESS");
        host.setAccessible(true);
        host.set(null, "127.0.0.1");
        Field local = NetUtils.class.getDeclaredField("LOCAL_ADDRESS");
        local.setAccessible(true);
        local.set(null, InetAddress.getByName("127.0.0.1"));
    }

    static ApplicationConfig application(String name) {
        ApplicationConfig app = new ApplicationConfig(name);
        app.setQosEnable(false);
        return app;
    }
}
