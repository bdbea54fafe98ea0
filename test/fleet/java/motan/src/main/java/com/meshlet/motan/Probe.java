package com.meshlet.motan;

/** A method no provider has, referred under an existing and a missing service path. */
public interface Probe {
    String nope(String s);
}
