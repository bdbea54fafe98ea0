package com.meshlet.conformance;

import java.util.List;
import java.util.Map;

/** The conformance kit's service (CONFORMANCE.md), as Java fleets declare it. */
public interface EchoService {
    String echo(String s);
    int addInt(int a, int b);
    long addLong(long a, long b);
    double mulDouble(double a, double b);
    boolean negate(boolean b);
    byte[] reverseBytes(byte[] b);
    List<String> reverseList(List<String> l);
    Map<String, String> swapMap(Map<String, String> m);
    User echoUser(User u);
    String nullable(String s);
    void fail(String message);
    String sleep(int ms);
}
