package com.meshlet.motan;

import com.meshlet.conformance.EchoService;
import com.meshlet.fleet.FleetService;
import com.meshlet.peer.Peer;
import com.weibo.api.motan.config.RefererConfig;
import com.weibo.api.motan.exception.MotanBizException;
import com.weibo.api.motan.exception.MotanErrorMsgConstant;
import com.weibo.api.motan.exception.MotanServiceException;
import com.weibo.api.motan.rpc.RpcContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The shared case runner's view of a motan consumer: RefererConfig clients, RpcContext attachments. */
final class MotanPeer implements Peer {
    /** What a Java motan provider puts before a business exception's message (DefaultProvider). */
    static final String JAVA_BIZ_PREFIX = "provider call process error, org err:";

    private final MotanSetup setup;
    private final String target;
    private final Map<Integer, EchoService> echoClients = new ConcurrentHashMap<>();
    private FleetService fleet;

    MotanPeer(MotanSetup setup, String target) {
        this.setup = setup;
        this.target = target;
    }

    /** A referer of `type` (or of the service named `path`, when given) in the peer's group. */
    <T> RefererConfig<T> referer(Class<T> type, String path, int timeoutMs) {
        RefererConfig<T> r = new RefererConfig<>();
        r.setInterface(type);
        if (path != null) {
            r.setServiceInterface(path);
            r.setProxy("jdk"); // a typed interface for a service path of another name, not CommonClient
        }
        r.setGroup(setup.group);
        r.setVersion(MotanSetup.VERSION);
        r.setApplication("motan-java-consumer");
        r.setModule("fleet");
        r.setProtocol(setup.protocol);
        r.setRequestTimeout(timeoutMs);
        r.setRetries(0); // a non-idempotent call is sent once, as the kit's cases assume
        r.setCheck("false");
        if (target != null) r.setDirectUrl(target);
        else r.setRegistry(setup.registry);
        return r;
    }

    <T> T client(Class<T> type, String path, int timeoutMs) {
        return clearingAttachments(type, referer(type, path, timeoutMs).getRef());
    }

    @Override
    public EchoService echo(int timeoutMs) {
        return echoClients.computeIfAbsent(timeoutMs, t -> client(EchoService.class, null, t));
    }

    @Override
    public synchronized FleetService fleet() {
        if (fleet == null) fleet = client(FleetService.class, null, 30_000);
        return fleet;
    }

    @Override
    public void attach(String key, String value) {
        RpcContext.getContext().setRpcAttachment(key, value);
    }

    @Override
    public boolean isTimeout(Throwable t) {
        return t instanceof MotanServiceException
            && ((MotanServiceException) t).getErrorCode() == MotanErrorMsgConstant.SERVICE_TIMEOUT_ERROR_CODE;
    }

    /**
     * Motan2's M_e carries no exception class: a Java consumer gets MotanBizException (errtype 2),
     * whose message is what the provider put in errmsg. A Java provider writes its DefaultProvider
     * prefix before the thrown message (errcode 30001); motan-go and Meshlet write the message alone
     * (errcode 500). Both are real fleet providers, so both forms are the business exception.
     */
    @Override
    public boolean isBusiness(Throwable t, Class<? extends Throwable> type, String message) {
        if (!(t instanceof MotanBizException)) return false;
        String got = ((MotanBizException) t).getOriginMessage();
        return message == null || got.equals(message) || got.equals(JAVA_BIZ_PREFIX + message);
    }

    /** motan keeps RpcContext attachments on the thread; the kit's attach() is for the next call only. */
    @SuppressWarnings("unchecked")
    static <T> T clearingAttachments(Class<T> type, T ref) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return method.invoke(ref, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                RpcContext.getContext().getRpcAttachments().clear();
            }
        });
    }
}
