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

    /**
     * True when `t` is what this framework's consumer gets for a remote business exception of
     * `type` with `message` (null: any). By default the exception itself, as Hessian carries it.
     */
    default boolean isBusiness(Throwable t, Class<? extends Throwable> type, String message) {
        return t.getClass() == type && (message == null || message.equals(t.getMessage()));
    }
}
