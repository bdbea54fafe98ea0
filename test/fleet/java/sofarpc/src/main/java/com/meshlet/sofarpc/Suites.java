package com.meshlet.sofarpc;

import com.alipay.sofa.rpc.context.RpcInvokeContext;
import com.alipay.sofa.rpc.message.ResponseFuture;
import com.alipay.sofa.rpc.core.exception.RpcErrorType;
import com.alipay.sofa.rpc.core.exception.SofaRpcException;
import com.google.protobuf.ByteString;
import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.User;
import com.meshlet.fleet.FleetException;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.proto.EchoReply;
import com.meshlet.fleet.proto.EchoRequest;
import com.meshlet.peer.Args;
import com.meshlet.peer.Cases;
import com.meshlet.peer.Load;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The consumer's suites beyond the kit (see Consumer). */
final class Suites {
    private Suites() {}

    static void run(String suite, Cases cases, SofaPeer peer, Args args) throws Exception {
        switch (suite) {
            case "kit":
                cases.conformance(peer);
                cases.fleet(peer);
                break;
            case "probe":
                probe(cases, peer);
                break;
            case "proto":
                proto(cases, peer);
                break;
            case "generic":
                generic(cases, peer);
                break;
            case "trace":
                trace(cases, peer);
                break;
            case "select":
                select(cases, peer);
                break;
            case "idle":
                idle(cases, peer, args);
                break;
            case "capture":
                capture(cases, peer, args);
                break;
            case "drain":
                drain(cases, peer, args);
                break;
            case "load":
                // `--calls` threads calling echo back to back until stdin has a line (`--target a,b`).
                EchoService s = peer.echo(30_000);
                Load.run(cases, args.getInt("calls", 128), () -> {
                    String got = s.echo("x");
                    if (!"x".equals(got)) throw new IllegalStateException("echo answered " + got);
                });
                break;
            default:
                throw new IllegalArgumentException("unknown suite " + suite);
        }
    }

    /**
     * SOFARPC's GenericService, as gateways call: $invoke with a String and longs beyond 2^53, and
     * $genericInvoke with a GenericObject (no User class needed) answered as a GenericObject.
     */
    static void generic(Cases cases, SofaPeer peer) {
        com.alipay.sofa.rpc.api.GenericService g = peer.generic(EchoService.class.getName());
        cases.expect("generic/echo", "hi 😀", () -> g.$invoke("echo", new String[] {"java.lang.String"}, new Object[] {"hi 😀"}));
        cases.expect("generic/addLong", 9007199254740993L,
                () -> g.$invoke("addLong", new String[] {"long", "long"}, new Object[] {9007199254740992L, 1L}));
        com.alipay.hessian.generic.model.GenericObject u = new com.alipay.hessian.generic.model.GenericObject(User.class.getName());
        u.putField("id", 9007199254740993L);
        u.putField("name", "Zoë");
        u.putField("tags", Arrays.asList("a", "b"));
        u.putField("attrs", new LinkedHashMap<String, String>());
        u.putField("active", true);
        u.putField("score", -12.5);
        cases.expect("generic/echoUser", "Zoë/9007199254740993", () -> {
            com.alipay.hessian.generic.model.GenericObject r = (com.alipay.hessian.generic.model.GenericObject)
                    g.$genericInvoke("echoUser", new String[] {User.class.getName()}, new Object[] {u});
            return r.getField("name") + "/" + r.getField("id");
        });
    }

    /** uniqueId selection, the errors for an unknown service and an unknown method, trace context. */
    static void probe(Cases cases, SofaPeer peer) {
        select(cases, peer);
        // What a SOFARPC consumer gets when the provider answers isError + errorMsg (the JDK proxy
        // and GenericService both throw SofaRpcException(SERVER_UNDECLARED_ERROR, errorMsg)); the
        // texts are a SOFARPC 5.13.2 provider's own (LogCodes: "RPC-<code>: <text> " + empty note).
        cases.expect("unknown/service", "RPC-020100010: RPC cannot find service: [com.meshlet.Missing:1.0] ",
                () -> framework(() -> peer.generic("com.meshlet.Missing").$invoke("nope", new String[] {"java.lang.String"}, new Object[] {"x"})));
        cases.expect("unknown/method", "RPC-020100011: Cannot find invoke method: [nope], service: [com.meshlet.conformance.EchoService:1.0] ",
                () -> framework(() -> peer.generic(EchoService.class.getName()).$invoke("nope", new String[] {"java.lang.String"}, new Object[] {"x"})));
        // A remote business exception behaves as a local one: no cause yet, so initCause() works
        // (Java's Throwable marks "no cause" with cause == this; a null cause would refuse it).
        cases.expect("exception/cause-unset", true, () -> {
            try {
                peer.echo(5000).fail("boom");
                return false;
            } catch (IllegalStateException e) {
                boolean unset = e.getCause() == null;
                e.initCause(new RuntimeException("local"));
                return unset && "local".equals(e.getCause().getMessage()) && e.getSuppressed().length == 0;
            }
        });
        trace(cases, peer);
    }

    /**
     * SOFARPC's tracer sends its context as request props, in one of two spellings chosen by the
     * provider's advertised rpcVer (RpcSofaTracer.clientBeforeSend): `rpc_trace_context.*` keys when
     * it does not know the provider (direct URLs), one `new_rpc_trace_context` string
     * ("tcid=…&spid=…&pspid=…&sample=…&") for providers of rpcVer >= 50100 found in a registry.
     * The provider must see a trace id in the spelling sent, and only that one.
     */
    static void trace(Cases cases, SofaPeer peer) {
        FleetService f = peer.fleet();
        cases.expect("trace/rpc_trace_context", true, () -> {
            String old = f.attachment("rpc_trace_context.sofaTraceId");
            String neu = f.attachment("new_rpc_trace_context");
            System.err.println("provider saw rpc_trace_context.sofaTraceId=" + old + " new_rpc_trace_context=" + neu);
            boolean direct = peer.direct();
            return direct ? old != null && old.matches("[0-9a-f]{8}\\d{17,}") && neu == null
                    : neu != null && neu.matches("tcid=[0-9a-f]{8}\\d{17,}&spid=0&pspid=&sample=true&.*") && old == null;
        });
    }

    /** uniqueId selection: g2's echo answers "g2:" + s, the default one s. */
    static void select(Cases cases, SofaPeer peer) {
        EchoService g2 = peer.ref(EchoService.class, "g2", "hessian2", 5000);
        cases.expect("select/g2", "g2:x", () -> g2.echo("x"));
        cases.expect("select/default", "x", () -> peer.echo(5000).echo("x"));
    }

    /** The message of the SofaRpcException(SERVER_UNDECLARED_ERROR) a call ends in; anything else fails. */
    private static String framework(Cases.Check call) throws Throwable {
        try {
            Object got = call.run();
            throw new IllegalStateException("expected a SofaRpcException, got " + got);
        } catch (SofaRpcException e) {
            if (e.getClass() != SofaRpcException.class || e.getErrorType() != RpcErrorType.SERVER_UNDECLARED_ERROR) {
                throw new IllegalStateException("wrong failure: " + e.getClass().getName() + " type " + e.getErrorType() + ": " + e.getMessage(), e);
            }
            System.err.println("framework error: " + e.getMessage());
            return e.getMessage();
        }
    }

    /** The protobuf service: every scalar kind, a repeated field, bytes, int64 beyond 2^53, an error. */
    static void proto(Cases cases, SofaPeer peer) {
        ProtoService p = peer.proto();
        EchoRequest req = EchoRequest.newBuilder().setText("héllo 😀").setBig(9007199254740993L).addTags("a").addTags("")
                .setBlob(ByteString.copyFrom(new byte[] {0, 1, -1})).setScore(-12.5).setFlag(true).build();
        EchoReply want = EchoReply.newBuilder().setText("héllo 😀").setBig(9007199254740993L).addTags("a").addTags("")
                .setBlob(ByteString.copyFrom(new byte[] {0, 1, -1})).setScore(-12.5).setFlag(true).setCount(2).build();
        cases.expect("proto/echo", want, () -> p.echo(req));
        // Fields at their defaults are absent on the wire. An all-default message is 0 bytes, which
        // SOFARPC itself cannot carry (its provider refuses an empty request content, its consumer
        // reads an empty response as null), so one field is set.
        cases.expect("proto/defaults", EchoReply.newBuilder().setFlag(true).build(), () -> p.echo(EchoRequest.newBuilder().setFlag(true).build()));
        // SOFARPC's ProtobufSerializer carries a business error as errorMsg text only (no class).
        cases.expect("proto/error", true, () -> {
            try {
                p.fail(EchoRequest.newBuilder().setText("proto says no").build());
                return false;
            } catch (SofaRpcException e) {
                System.err.println("proto error: " + e.getClass().getName() + " " + e.getErrorType() + ": " + e.getMessage());
                return String.valueOf(e.getMessage()).contains("proto says no");
            }
        });
    }

    /**
     * One of each kind of exchange, small, for the golden fixtures the test records through a relay:
     * values, null, a POJO, the business and the custom exceptions, an attachment, an overload, the
     * g2 variant, an unknown service and method, protobuf, and heartbeats on a connection left idle.
     */
    static void capture(Cases cases, SofaPeer peer, Args args) throws InterruptedException {
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
        probe(cases, peer);
        proto(cases, peer);
        Thread.sleep(args.getInt("idle", 2500));
        cases.expect("capture/after-idle", "b", () -> s.echo("b"));
    }

    /** A connection left idle for `--idle` ms (past the heartbeat interval) still carries calls. */
    static void idle(Cases cases, SofaPeer peer, Args args) throws InterruptedException {
        EchoService s = peer.echo(5000);
        cases.expect("idle/before", "a", () -> s.echo("a"));
        Thread.sleep(args.getInt("idle", 3500));
        cases.expect("idle/after", "b", () -> s.echo("b"));
    }

    /**
     * `--calls` sleep(`--ms`) calls in flight, announced with `INFLIGHT n` on stdout so the test can
     * stop the provider then: every call must still be answered. The calls are SOFARPC "future"
     * calls made from this thread, so all of them have been written to the connection before the
     * announcement (with one thread per sync call, a thread scheduled late on a busy machine could
     * send its call after the provider had drained and closed).
     */
    static void drain(Cases cases, SofaPeer peer, Args args) throws Exception {
        int n = args.getInt("calls", 64);
        int ms = args.getInt("ms", 1500);
        cases.expect("drain/warm", "w", () -> peer.echo(30_000).echo("w"));
        EchoService s = peer.ref(EchoService.class, null, "hessian2", 30_000, "future");
        List<ResponseFuture<?>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.sleep(ms);
            calls.add(RpcInvokeContext.getContext().getFuture());
        }
        System.out.println("INFLIGHT " + n);
        System.out.flush();
        int ok = 0;
        String first = null;
        for (ResponseFuture<?> c : calls) {
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
