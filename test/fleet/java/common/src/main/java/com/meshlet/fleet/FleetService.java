package com.meshlet.fleet;

/** The fleet cases beyond the conformance kit: what Java services send each other every day. */
public interface FleetService {
    Order echoOrder(Order o);
    /** Overloads: Java picks one by the exact parameter types. Returns "int:x", "long:x", "string:x". */
    String describe(int x);
    String describe(long x);
    String describe(String s);
    /** The value of the incoming attachment (implicit parameter) `key`, or null. */
    String attachment(String key);
    /** Throws FleetException(message). */
    void raise(String message);
    /** `size` bytes, byte i = (byte) (i * 31). */
    byte[] blob(int size);
    /** b.length. */
    int sizeOf(byte[] b);
}
