package com.meshlet.fleet;

/** A business exception of the fleet's own: consumers catch it by this type. */
public class FleetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FleetException() {}
    public FleetException(String message) { super(message); }
}
