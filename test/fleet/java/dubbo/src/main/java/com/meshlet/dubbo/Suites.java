package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.User;
import com.meshlet.fleet.FleetException;
import com.meshlet.fleet.FleetService;
import com.meshlet.peer.Args;
import com.meshlet.peer.Cases;
import com.meshlet.peer.Load;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.remoting.RemotingException;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.service.GenericService;

/** The consumer's suites beyond the kit (see Consumer). */
final class Suites {
    private Suites() {}

    static void run(String suite, Cases cases, DubboPeer peer, Args args) throws Exception {
        switch (suite) {
            case "kit":
                cases.conformance(peer);
                cases.fleet(peer);
                break;
            case "probe":
                probe(cases, peer, args);
                break;
            case "idle":
                idle(cases, peer, args);
                break;
            case "capture":
                capture(cases, peer, args);
                break;
            case "generic":
                generic(cases, args);
                break;
            case "drain":
                drain(cases, peer, args);
                break;
            case "load":
                load(cases, peer, args);
                break;
            default:
                throw new IllegalArgumentException("unknown suite " + suite);
        }
    }

    /** Group/version selection and the errors for an unknown service and an unknown method. */
    static void probe(Cases cases, DubboPeer peer, Args args) {
        EchoService g2 = peer.ref(EchoService.class, "g2", "2.0", 5000);
        cases.expect("select/g2-2.0", "g2:x", () -> g2.echo("x"));
        cases.expect("select/default-1.0", "x", () -> peer.echo(5000).echo("x"));
        String target = args.get("target");
        cases.expectThrow("unknown/service", RpcException.class, null,
                () -> probe(target, "com.meshlet.Missing", "1.0").nope("x"));
        cases.expectThrow("unknown/method", RpcException.class, null,
                () -> probe(target, EchoService.class.getName(), "1.0").nope("x"));
    }

    /**
     * A proxy for Probe whose calls go to `service` at `target`, built from Dubbo's SPI directly. A
     * failure other than an RpcException caused by the remoting error of a non-OK status that names
     * what was missing (the service, or the method) is turned into an IllegalStateException, so
     * expectThrow(RpcException) fails on a timeout or a decode error.
     */
    static Probe probe(String target, String service, String version) {
        Probe p = Line.refer(Probe.class, "dubbo://" + target + "/" + service + "?interface=" + service + "&version=" + version
                + "&timeout=5000&side=consumer&check=false");
        return s -> {
            try {
                return p.nope(s);
            } catch (RpcException e) {
                String text = String.valueOf(e.getMessage());
                if (!causedByRemoting(e) || e.isTimeout() || !text.contains(service.equals(EchoService.class.getName()) ? "nope" : service)) {
                    System.err.println("probe " + service + ": wrong failure: " + e + " cause " + e.getCause());
                    throw new IllegalStateException("wrong failure: " + e + " cause " + e.getCause(), e);
                }
                System.err.println("probe " + service + ": " + text);
                throw e;
            }
        };
    }

    /**
     * One of each kind of exchange, small, for the golden fixtures the test records through a relay:
     * values, null, a POJO, the business and the custom exceptions, an attachment, an overload, the
     * g2/2.0 variant, an unknown service and method, and heartbeats on a connection left idle.
     */
    static void capture(Cases cases, DubboPeer peer, Args args) throws InterruptedException {
        EchoService s = peer.echo(5000);
        FleetService f = peer.fleet();
        cases.expect("capture/echo", "hello", () -> s.echo("hello"));
        cases.expect("capture/addLong", 9007199254740993L, () -> s.addLong(9007199254740993L, 0L));
        User u = new User(9007199254740993L, "Zoë 😀", Arrays.asList("a", "b"), new LinkedHashMap<>(), true, -12.5);
        cases.expect("capture/echoUser", u, () -> s.echoUser(u));
        cases.expect("capture/nullable", null, () -> s.nullable(null));
        cases.expectThrow("capture/fail", IllegalStateException.class, "boom", () -> { s.fail("boom"); return null; });
        cases.expect("capture/attachment", "fleet-42", () -> { peer.attach("x-fleet-key", "fleet-42"); return f.attachment("x-fleet-key"); });
        cases.expectThrow("capture/raise", FleetException.class, "fleet says no", () -> { f.raise("fleet says no"); return null; });
        cases.expect("capture/describe-long", "long:7", () -> f.describe(7L));
        cases.expect("capture/g2", "g2:x", () -> peer.ref(EchoService.class, "g2", "2.0", 5000).echo("x"));
        probe(cases, peer, args);
        cases.expectThrow("capture/version-9.9", RpcException.class, null, () -> peer.ref(EchoService.class, null, "9.9", 5000).echo("x"));
        Thread.sleep(args.getInt("idle", 1300));
        cases.expect("capture/after-idle", "b", () -> s.echo("b"));
    }

    /** The remoting error of a non-OK status, anywhere in the cause chain (sync calls wrap it in an ExecutionException). */
    private static boolean causedByRemoting(Throwable t) {
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) if (c instanceof RemotingException) return true;
        return false;
    }

    /**
     * Generic invocation (GenericService.$invoke, no interface class needed), as gateways and
     * admin consoles call: a String, int64s beyond 2^53, and a POJO sent as a Map with its class.
     */
    static void generic(Cases cases, Args args) {
        ReferenceConfig<GenericService> r = new ReferenceConfig<>();
        r.setId("generic-echo");
        r.setInterface(EchoService.class.getName());
        r.setVersion("1.0");
        r.setGeneric("true");
        r.setTimeout(5000);
        r.setRetries(0);
        r.setCheck(false);
        r.setUrl("dubbo://" + args.get("target") + "/" + EchoService.class.getName());
        GenericService g = r.get();
        cases.expect("generic/echo", "hi 😀", () -> g.$invoke("echo", new String[] {"java.lang.String"}, new Object[] {"hi 😀"}));
        cases.expect("generic/addLong", 9007199254740993L,
                () -> g.$invoke("addLong", new String[] {"long", "long"}, new Object[] {9007199254740992L, 1L}));
        // $invokeAsync: what async gateways call; the provider answers it as $invoke.
        cases.expect("generic/invokeAsync", "async",
                () -> g.$invokeAsync("echo", new String[] {"java.lang.String"}, new Object[] {"async"}).get(5, java.util.concurrent.TimeUnit.SECONDS));
        Map<String, Object> u = new HashMap<>();
        u.put("class", User.class.getName());
        u.put("id", 9007199254740993L);
        u.put("name", "Zoë");
        u.put("tags", Arrays.asList("a", "b"));
        u.put("attrs", new HashMap<>());
        u.put("active", true);
        u.put("score", -12.5);
        // Java providers answer a generalized Map; the POJO itself is just as readable here.
        cases.expect("generic/echoUser", "Zoë/9007199254740993", () -> {
            Object o = g.$invoke("echoUser", new String[] {User.class.getName()}, new Object[] {u});
            if (o instanceof Map) return ((Map<?, ?>) o).get("name") + "/" + ((Map<?, ?>) o).get("id");
            return ((User) o).getName() + "/" + ((User) o).getId();
        });
    }

    /** A connection left idle for `--idle` ms (past `--heartbeat`) still carries calls. */
    static void idle(Cases cases, DubboPeer peer, Args args) throws InterruptedException {
        EchoService s = peer.echo(5000);
        cases.expect("idle/before", "a", () -> s.echo("a"));
        Thread.sleep(args.getInt("idle", 3500));
        cases.expect("idle/after", "b", () -> s.echo("b"));
    }

    /**
     * `--calls` threads calling echo back to back (`--target a,b`: both providers, Dubbo's failover
     * cluster with no retries) until stdin has a line: the test stops a provider meanwhile.
     */
    static void load(Cases cases, DubboPeer peer, Args args) throws Exception {
        EchoService s = peer.echo(30_000);
        Load.run(cases, args.getInt("calls", 128), () -> {
            String got = s.echo("x");
            if (!"x".equals(got)) throw new IllegalStateException("echo answered " + got);
        });
    }

    /**
     * `--calls` sleep(`--ms`) calls in flight, announced with `INFLIGHT n` on stdout so the test can
     * stop the provider then: every call must still be answered.
     */
    static void drain(Cases cases, DubboPeer peer, Args args) throws Exception {
        int n = args.getInt("calls", 64);
        int ms = args.getInt("ms", 1500);
        EchoService s = peer.echo(30_000);
        cases.expect("drain/warm", "w", () -> s.echo("w"));
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) calls.add(CompletableFuture.supplyAsync(() -> s.sleep(ms), r -> new Thread(r).start()));
        Thread.sleep(Math.min(300, ms / 3));
        System.out.println("INFLIGHT " + n);
        System.out.flush();
        int ok = 0;
        String first = null;
        for (CompletableFuture<String> c : calls) {
            try {
                if ("slept".equals(c.get(60, TimeUnit.SECONDS))) ok++;
            } catch (Exception e) {
                if (first == null) first = e.toString();
            }
        }
        if (ok == n) cases.ok("drain/" + n);
        else cases.bad("drain/" + n, (n - ok) + " of " + n + " calls lost; first: " + first);
    }
}
