package com.meshlet.triple;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.dubbo.common.stream.StreamObserver;
import org.apache.dubbo.remoting.http12.h2.Http2CancelableStreamObserver;
import org.apache.dubbo.rpc.CancellationContext;
import org.apache.dubbo.rpc.TriRpcStatus;

/** greeter.proto's behaviour (the comments there); Meshlet's provider in dubbo3-triple.test.js mirrors it. */
public final class GreeterImpl implements Greeter {
    private final AtomicInteger cancelled = new AtomicInteger();

    private static HelloReply reply(String message, int index) {
        return HelloReply.newBuilder().setMessage(message).setIndex(index).build();
    }

    @Override
    public HelloReply sayHello(HelloRequest request) {
        return HelloReply.newBuilder().setMessage("hello " + request.getName()).setBlob(request.getBlob()).build();
    }

    @Override
    public void sayHelloServerStream(HelloRequest request, StreamObserver<HelloReply> replies) {
        // Triple's server observer carries the stream's cancellation (RST_STREAM from the client).
        CancellationContext ctx = replies instanceof Http2CancelableStreamObserver
                ? ((Http2CancelableStreamObserver<?>) replies).getCancellationContext() : null;
        try {
            for (int i = 0; i < request.getCount(); i++) {
                if (i > 0 && request.getDelayMs() > 0) Thread.sleep(request.getDelayMs());
                if (ctx != null && ctx.isCancelled()) {
                    cancelled.incrementAndGet();
                    return;
                }
                replies.onNext(reply("hello " + request.getName() + " #" + i, i));
            }
            replies.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A write to a stream the client reset: that too is a cancellation seen.
            cancelled.incrementAndGet();
        }
    }

    @Override
    public StreamObserver<HelloRequest> sayHelloClientStream(StreamObserver<HelloReply> reply) {
        List<String> names = new ArrayList<>();
        return new StreamObserver<HelloRequest>() {
            @Override
            public void onNext(HelloRequest r) { names.add(r.getName()); }

            @Override
            public void onError(Throwable t) { cancelled.incrementAndGet(); }

            @Override
            public void onCompleted() {
                reply.onNext(reply("hello " + String.join(",", names), names.size()));
                reply.onCompleted();
            }
        };
    }

    @Override
    public StreamObserver<HelloRequest> sayHelloBidi(StreamObserver<HelloReply> replies) {
        AtomicInteger n = new AtomicInteger();
        return new StreamObserver<HelloRequest>() {
            @Override
            public void onNext(HelloRequest r) { replies.onNext(reply("hello " + r.getName(), n.getAndIncrement())); }

            @Override
            public void onError(Throwable t) { cancelled.incrementAndGet(); }

            @Override
            public void onCompleted() { replies.onCompleted(); }
        };
    }

    @Override
    public HelloReply sayHelloError(HelloRequest request) {
        int code = request.getCount() == 0 ? TriRpcStatus.Code.INVALID_ARGUMENT.code : request.getCount();
        throw TriRpcStatus.fromCode(code).withDescription("bad name: " + request.getName()).asException();
    }

    @Override
    public HelloReply sayHelloSlow(HelloRequest request) {
        try {
            Thread.sleep(request.getDelayMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reply("slept " + request.getDelayMs(), 0);
    }

    @Override
    public HelloReply cancelledStreams(HelloRequest request) { return reply("cancelled", cancelled.get()); }
}
