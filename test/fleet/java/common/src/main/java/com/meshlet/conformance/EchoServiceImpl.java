package com.meshlet.conformance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The reference behaviour of CONFORMANCE.md, for Java providers. */
public class EchoServiceImpl implements EchoService {
    public String echo(String s) { return s; }
    public int addInt(int a, int b) { return a + b; }
    public long addLong(long a, long b) { return a + b; }
    public double mulDouble(double a, double b) { return a * b; }
    public boolean negate(boolean b) { return !b; }
    public byte[] reverseBytes(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
        return r;
    }
    public List<String> reverseList(List<String> l) {
        List<String> r = new ArrayList<>(l);
        Collections.reverse(r);
        return r;
    }
    public Map<String, String> swapMap(Map<String, String> m) {
        Map<String, String> r = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : m.entrySet()) r.put(e.getValue(), e.getKey());
        return r;
    }
    public User echoUser(User u) { return u; }
    public String nullable(String s) { return s; }
    public void fail(String message) { throw new IllegalStateException(message); }
    public String sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "slept";
    }
}
