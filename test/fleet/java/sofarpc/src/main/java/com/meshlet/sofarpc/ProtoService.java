package com.meshlet.sofarpc;

import com.meshlet.fleet.proto.EchoReply;
import com.meshlet.fleet.proto.EchoRequest;

/**
 * A service that travels as protobuf (Bolt codec 11): SOFARPC's ProtobufSerializer takes one
 * generated message in and one out (src/main/proto/echo.proto, read by Meshlet with protobufjs).
 */
public interface ProtoService {
    /** The request's fields back, with count = tags.size(). */
    EchoReply echo(EchoRequest request);

    /** Throws IllegalArgumentException(request.text): what a protobuf business error looks like. */
    EchoReply fail(EchoRequest request);

    final class Impl implements ProtoService {
        @Override
        public EchoReply echo(EchoRequest r) {
            return EchoReply.newBuilder().setText(r.getText()).setBig(r.getBig()).addAllTags(r.getTagsList())
                    .setBlob(r.getBlob()).setScore(r.getScore()).setFlag(r.getFlag()).setCount(r.getTagsCount()).build();
        }

        @Override
        public EchoReply fail(EchoRequest r) {
            throw new IllegalArgumentException(r.getText());
        }
    }
}
