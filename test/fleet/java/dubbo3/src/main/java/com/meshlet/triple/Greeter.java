package com.meshlet.triple;

import org.apache.dubbo.common.stream.StreamObserver;

/**
 * greeter.proto's service as Dubbo 3 declares a protobuf service without its code generator: a Java
 * interface named as the proto service (package + name), protobuf messages in and out, StreamObserver
 * for streams. Triple sends such methods unwrapped (application/grpc+proto), as gRPC does. Dubbo cannot
 * tell client streaming from bidi by signature: both are StreamObserver in, StreamObserver out.
 */
public interface Greeter {
    HelloReply sayHello(HelloRequest request);

    void sayHelloServerStream(HelloRequest request, StreamObserver<HelloReply> replies);

    StreamObserver<HelloRequest> sayHelloClientStream(StreamObserver<HelloReply> reply);

    StreamObserver<HelloRequest> sayHelloBidi(StreamObserver<HelloReply> replies);

    HelloReply sayHelloError(HelloRequest request);

    HelloReply sayHelloSlow(HelloRequest request);

    HelloReply cancelledStreams(HelloRequest request);
}
