package com.meshlet.motan;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.FleetServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import com.weibo.api.motan.common.MotanConstants;
import com.weibo.api.motan.config.ServiceConfig;
import com.weibo.api.motan.rpc.Request;
import com.weibo.api.motan.rpc.RpcContext;
import com.weibo.api.motan.util.MotanSwitcherUtil;
import java.net.ServerSocket;

/**
 * The motan provider: EchoService and FleetService exported on motan2 as a plain motan user does
 * (ServiceConfig, no Spring), in group `conformance`, version 1.0.
 * java com.meshlet.motan.Provider --port 0 [--serialization simple|breeze] [--registry zookeeper://h:p] [--group g]
 *      [--host h] [--mingz bytes] (gzip replies longer than that)
 * Prints READY <port>; SIGTERM: unregister, let in-flight calls finish, unexport, exit 0.
 */
public final class Provider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        MotanSetup setup = new MotanSetup(args);
        int port = args.getInt("port", 0);
        // motan exports on a fixed port (the registry URL carries it): pick a free one for port 0.
        if (port == 0) {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
        }
        InFlight inFlight = new InFlight();
        ServiceConfig<EchoService> echo = service(setup, EchoService.class, inFlight.wrap(EchoService.class, new EchoServiceImpl()), port, args);
        ServiceConfig<FleetService> fleet = service(setup, FleetService.class,
            inFlight.wrap(FleetService.class, new FleetServiceImpl(Provider::attachment)), port, args);
        echo.export();
        fleet.export();
        // motan registers services as unavailable until this switcher opens them (its warm-up gate).
        MotanSwitcherUtil.setSwitcherValue(MotanConstants.REGISTRY_HEARTBEAT_SWITCHER, true);
        Lifecycle.serve(port, () -> {
            // motan's own graceful path: close the gate (unregister), then drain, then unexport.
            MotanSwitcherUtil.setSwitcherValue(MotanConstants.REGISTRY_HEARTBEAT_SWITCHER, false);
            inFlight.drain(20_000);
            echo.unexport();
            fleet.unexport();
        });
    }

    private static <T> ServiceConfig<T> service(MotanSetup setup, Class<T> type, T impl, int port, Args args) {
        ServiceConfig<T> s = new ServiceConfig<>();
        s.setInterface(type);
        s.setRef(impl);
        s.setGroup(setup.group);
        s.setVersion(setup.version);
        s.setApplication("motan-java-provider");
        s.setModule("fleet");
        s.setProtocol(setup.protocol);
        s.setRegistry(setup.registry);
        s.setExport("motan2:" + port);
        if (args.has("host")) s.setHost(args.get("host"));
        // motan2 gzips bodies longer than mingzSize (MotanV2Codec reads it from the server URL).
        if (args.has("mingz")) s.setMingzSize(args.getInt("mingz", 0));
        s.setShareChannel(true);
        return s;
    }

    /** The request's attachments, as motan hands them to a provider (meta keys other than M_p/M_m/M_md). */
    private static String attachment(String key) {
        Request request = RpcContext.getContext().getRequest();
        return request == null ? null : request.getAttachments().get(key);
    }
}
