package com.meshlet.dubbo;

import com.google.protobuf.ByteString;
import com.meshlet.peer.Args;
import com.meshlet.peer.Cases;
import com.meshlet.triple.Greeter;
import com.meshlet.triple.HelloReply;
import com.meshlet.triple.HelloRequest;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.common.stream.StreamObserver;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.config.nested.TripleConfig;
import org.apache.dubbo.rpc.protocol.tri.CancelableStreamObserver;
import org.apache.dubbo.rpc.protocol.tri.observer.ClientCallToObserverAdapter;

/**
 * Apache Dubbo 3 consumer over Triple. Suites (`--suite`, comma-separated): `idl` (greeter.proto: the
 * four call shapes, error status, deadlines, cancellation, 16 MiB), `kit` (the conformance kit's 29 and
 * the fleet cases, Java interfaces in Triple's wrapped mode with hessian2). Default: both.
 * Error statuses are printed as `OBSERVED <case> <status> <description>` lines for the caller to assert
 * exactly (what the description looks like is the provider's doing). Dubbo's consumer puts no deadline
 * on streaming calls (no grpc-timeout header, no timer), so there is no deadline-mid-stream case here.
 * java … com.meshlet.dubbo.TriConsumer (--target host:port | --registry zookeeper://…) [--suite idl,kit] [--skip c1,c2]
 */
public final class TriConsumer {
    static final int MIB16 = 16 * 1024 * 1024;
    /** UTF-8 whatever the platform's default (the descriptions carry non-ASCII). */
    static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        if (!args.has("target") && !args.has("registry")) throw new IllegalArgumentException("--target or --registry is required");
        // The client's body limits come from the application's tri ProtocolConfig (8 MiB by default).
        ProtocolConfig protocol = new ProtocolConfig("tri");
        TripleConfig triple = new TripleConfig();
        triple.setMaxBodySize(TriProvider.MAX_BODY);
        triple.setMaxResponseBodySize(TriProvider.MAX_BODY);
        protocol.setTriple(triple);
        DubboBootstrap.getInstance().application(Fleet.application(Line.MODULE + "-triple-consumer")).protocol(protocol).start();
        TriPeer peer = new TriPeer(args, Fleet.registry(args));
        Cases cases = new Cases();
        // `--skip a,b`: cases the provider opposite cannot serve (the test file says why).
        if (args.has("skip")) cases.skip(Arrays.asList(args.get("skip").split(",")));
        List<String> suites = Arrays.asList(args.get("suite", "idl,kit").split(","));
        if (suites.contains("idl")) idl(cases, peer);
        if (suites.contains("kit")) {
            cases.conformance(peer);
            cases.fleet(peer);
        }
        Runtime.getRuntime().halt(cases.finish());
    }

    interface Call { Object run() throws Exception; }

    /** Runs a call that must fail; prints its status and description; returns the status name. */
    static String observeError(String name, Call call) {
        try {
            return "no error: " + call.run();
        } catch (Exception e) {
            OUT.println("OBSERVED " + name + " " + TriPeer.status(e) + " " + TriPeer.description(e));
            return TriPeer.status(e);
        }
    }

    /** Polls the provider's count of cancelled streams until it passes `before` (10 s at most). */
    static String awaitCancelled(Greeter g, int before) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end) {
            if (g.cancelledStreams(req("")).getIndex() > before) return "cancelled seen by the provider";
            Thread.sleep(50);
        }
        return "provider saw no cancel (before " + before + ")";
    }

    static HelloRequest req(String name) { return HelloRequest.newBuilder().setName(name).build(); }

    /** Collects a response stream: the replies' messages, then "!<STATUS> <description>" if it failed. */
    static final class Collect extends CancelableStreamObserver<HelloReply> {
        final List<String> got = new ArrayList<>();
        final CompletableFuture<List<String>> done = new CompletableFuture<>();
        final CompletableFuture<Void> first = new CompletableFuture<>();

        @Override
        public synchronized void onNext(HelloReply r) {
            got.add(r.getMessage() + "/" + r.getIndex());
            first.complete(null);
        }

        @Override
        public synchronized void onError(Throwable t) {
            got.add("!" + TriPeer.status(t) + " " + TriPeer.description(t));
            done.complete(got);
        }

        @Override
        public synchronized void onCompleted() { done.complete(got); }

        List<String> await() throws Exception { return done.get(20, TimeUnit.SECONDS); }
    }

    static void idl(Cases cases, TriPeer peer) throws Exception {
        Greeter g = peer.ref(Greeter.class, null, null, 10_000);
        cases.expect("idl/unary", "hello world/0", () -> { HelloReply r = g.sayHello(req("world")); return r.getMessage() + "/" + r.getIndex(); });
        cases.expect("idl/unary-unicode", "hello héllo 😀", () -> g.sayHello(req("héllo 😀")).getMessage());
        cases.expect("idl/server-stream", List.of("hello w #0/0", "hello w #1/1", "hello w #2/2"), () -> {
            Collect c = new Collect();
            g.sayHelloServerStream(HelloRequest.newBuilder().setName("w").setCount(3).build(), c);
            return c.await();
        });
        cases.expect("idl/server-stream-empty", List.of(), () -> {
            Collect c = new Collect();
            g.sayHelloServerStream(HelloRequest.newBuilder().setName("w").setCount(0).build(), c);
            return c.await();
        });
        cases.expect("idl/client-stream", List.of("hello a,b,c/3"), () -> {
            Collect c = new Collect();
            StreamObserver<HelloRequest> in = g.sayHelloClientStream(c);
            for (String n : List.of("a", "b", "c")) in.onNext(req(n));
            in.onCompleted();
            return c.await();
        });
        cases.expect("idl/bidi", List.of("hello x/0", "hello y/1", "hello z/2"), () -> {
            Collect c = new Collect();
            StreamObserver<HelloRequest> in = g.sayHelloBidi(c);
            in.onNext(req("x"));
            // Interleaved: the first reply arrives before the next request is sent.
            c.first.get(10, TimeUnit.SECONDS);
            in.onNext(req("y"));
            in.onNext(req("z"));
            in.onCompleted();
            return c.await();
        });
        cases.expect("idl/error", "INVALID_ARGUMENT", () -> observeError("idl/error", () -> g.sayHelloError(req("eé😀"))));
        cases.expect("idl/error-code", "PERMISSION_DENIED", () -> observeError("idl/error-code",
                () -> g.sayHelloError(HelloRequest.newBuilder().setName("p").setCount(7).build())));
        Greeter quick = peer.ref(Greeter.class, null, null, 300);
        cases.expect("idl/deadline", "DEADLINE_EXCEEDED", () -> {
            long t0 = System.nanoTime();
            try {
                quick.sayHelloSlow(HelloRequest.newBuilder().setDelayMs(3000).build());
                return "no error";
            } catch (Exception e) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                return ms < 2500 ? TriPeer.status(e) : "after " + ms + " ms: " + e;
            }
        });
        cases.expect("idl/slow-ok", "slept 50", () -> g.sayHelloSlow(HelloRequest.newBuilder().setDelayMs(50).build()).getMessage());
        cases.expect("idl/cancel-server-stream", "cancelled seen by the provider", () -> {
            int before = g.cancelledStreams(req("")).getIndex();
            Collect c = new Collect();
            g.sayHelloServerStream(HelloRequest.newBuilder().setName("c").setCount(100).setDelayMs(50).build(), c);
            c.first.get(10, TimeUnit.SECONDS);
            // A CancelableStreamObserver gets the call's CancellationContext from Dubbo; cancelling it resets the stream.
            c.getCancellationContext().cancel(new RuntimeException("consumer cancels"));
            return awaitCancelled(g, before);
        });
        cases.expect("idl/cancel-bidi", "cancelled seen by the provider", () -> {
            int before = g.cancelledStreams(req("")).getIndex();
            Collect c = new Collect();
            StreamObserver<HelloRequest> in = g.sayHelloBidi(c);
            in.onNext(req("k"));
            c.first.get(10, TimeUnit.SECONDS);
            // Dubbo's client request observer: cancel() resets the HTTP/2 stream (RST_STREAM CANCEL).
            ((ClientCallToObserverAdapter<HelloRequest>) in).cancel(new RuntimeException("consumer cancels"));
            return awaitCancelled(g, before);
        });
        byte[] big = new byte[MIB16];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
        cases.expect("idl/16MiB", "hello big " + MIB16, () -> {
            HelloReply r = g.sayHello(HelloRequest.newBuilder().setName("big").setBlob(ByteString.copyFrom(big)).build());
            return r.getMessage() + " " + (Arrays.equals(r.getBlob().toByteArray(), big) ? r.getBlob().size() : -1);
        });
    }
}
