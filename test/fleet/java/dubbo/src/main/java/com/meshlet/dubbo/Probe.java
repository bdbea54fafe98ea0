package com.meshlet.dubbo;

/**
 * An interface the providers do not export, pointed by URL at a service name of our choice: how a
 * Java consumer ends up calling a service or a method the provider does not have (a stale jar).
 */
public interface Probe {
    String nope(String s);
}
