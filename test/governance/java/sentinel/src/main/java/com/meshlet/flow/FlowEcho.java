package com.meshlet.flow;

/** The service both sides use: Meshlet defines the same interface name and signatures. */
public interface FlowEcho {
    String echo(String s);

    String place(String item, int count, String[] tags);
}
