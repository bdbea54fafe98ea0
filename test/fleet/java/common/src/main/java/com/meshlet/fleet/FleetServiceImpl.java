package com.meshlet.fleet;

import java.util.function.Function;

/** The reference behaviour; how attachments are read is the framework's, so it is given. */
public class FleetServiceImpl implements FleetService {
    private final Function<String, String> attachments;

    public FleetServiceImpl(Function<String, String> attachments) { this.attachments = attachments; }

    public Order echoOrder(Order o) { return o; }
    public String describe(int x) { return "int:" + x; }
    public String describe(long x) { return "long:" + x; }
    public String describe(String s) { return "string:" + s; }
    public String attachment(String key) { return attachments.apply(key); }
    public void raise(String message) { throw new FleetException(message); }
    public byte[] blob(int size) { return Blobs.pattern(size); }
    public int sizeOf(byte[] b) { return b.length; }
}
