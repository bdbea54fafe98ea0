package com.meshlet.motan;

import java.util.Map;

/**
 * How a Java motan user calls a `simple` service's class-typed method: simple has no classes, so
 * the User travels as a Map of its fields. Referred with setServiceInterface(EchoService's name).
 */
public interface SimpleEchoUser {
    Map<String, Object> echoUser(Map<String, Object> u);
}
