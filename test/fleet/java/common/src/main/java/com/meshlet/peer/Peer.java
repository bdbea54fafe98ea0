package com.meshlet.peer;

import com.meshlet.conformance.EchoService;
import com.meshlet.fleet.FleetService;

/** What a framework module gives the shared case runner: clients, attachments, its timeout type. */
public interface Peer {
    /** An EchoService client whose calls time out after `timeoutMs`. */
    EchoService echo(int timeoutMs);

    /** A FleetService client. */
    FleetService fleet();

    /** Sets an attachment (implicit parameter) on the next call made from this thread. */
    void attach(String key, String value);

    /** True when `t` is the framework's client-side timeout. */
    boolean isTimeout(Throwable t);
}
