package com.meshlet.motan;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts calls inside the service implementations, so a graceful stop can wait for them: motan's
 * unexport closes the server at once, and a reply still being computed would be lost.
 */
final class InFlight {
    private final AtomicInteger running = new AtomicInteger();

    @SuppressWarnings("unchecked")
    <T> T wrap(Class<T> type, T impl) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            running.incrementAndGet();
            try {
                return method.invoke(impl, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                running.decrementAndGet();
            }
        });
    }

    /** Waits until no call is running (after a short grace for calls already on the wire), at most `ms`. */
    void drain(long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        Thread.sleep(200);
        while (running.get() > 0 && System.currentTimeMillis() < end) Thread.sleep(20);
    }
}
