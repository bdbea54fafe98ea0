package com.meshlet.motan;

import com.meshlet.conformance.EchoService;
import com.meshlet.fleet.FleetService;
import com.meshlet.peer.Peer;
import com.weibo.api.motan.config.RefererConfig;
import com.weibo.api.motan.exception.MotanErrorMsgConstant;
import com.weibo.api.motan.exception.MotanServiceException;
import com.weibo.api.motan.proxy.CommonClient;
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

    /**
     * A referer of `type` in the peer's group; with `path`, motan's generic CommonClient for the
     * service of that name (how a Java user calls a service whose interface it does not have).
     */
    <T> RefererConfig<T> referer(Class<T> type, String path, int timeoutMs) {
        RefererConfig<T> r = new RefererConfig<>();
        r.setInterface(type);
        if (path != null) r.setServiceInterface(path);
        r.setGroup(setup.group);
        r.setVersion(setup.version);
        r.setApplication("motan-java-consumer");
        r.setModule("fleet");
        r.setProtocol(setup.protocol);
        r.setRequestTimeout(timeoutMs);
        r.setRetries(0); // a non-idempotent call is sent once, as the kit's cases assume
        r.setCheck("false");
        // Connect before the first call: motan's default async init fails an immediate call with
        // "No available referers".
        r.setAsyncInitConnection(false);
        if (target != null) r.setDirectUrl(target);
        else r.setRegistry(setup.registry);
        return r;
    }

    <T> T client(Class<T> type, int timeoutMs) {
        return clearingAttachments(type, referer(type, null, timeoutMs).getRef());
    }

    CommonClient generic(String path) {
        return referer(CommonClient.class, path, 10_000).getRef();
    }

    @Override
    public EchoService echo(int timeoutMs) {
        return echoClients.computeIfAbsent(timeoutMs, t -> client(EchoService.class, t));
    }

    /**
     * An EchoService client whose endpoint turns unavailable after one failed call (motan's fusing):
     * only then does motan's HeartbeatClientEndpointManager send heartbeats, every 500 ms, until
     * one is answered and the endpoint is back.
     */
    EchoService fusingEcho(int timeoutMs) {
        RefererConfig<EchoService> r = referer(EchoService.class, null, timeoutMs);
        r.setFusingThreshold(1);
        return r.getRef();
    }

    @Override
    public synchronized FleetService fleet() {
        if (fleet == null) fleet = client(FleetService.class, 30_000);
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
     * Motan2's M_e carries no exception class: the codec makes errtype 2 a MotanBizException without
     * a cause, which motan's referer (AbstractRefererHandler.call) rethrows as
     * MotanServiceException("biz exception cause is null. origin error msg : error_message: <errmsg>,
     * status: <errcode>, …,r=<request id>"). That is what a Java consumer catches from a Java
     * provider. A Java provider's errmsg is its DefaultProvider prefix + the thrown message
     * (errcode 30001); motan-go and Meshlet send the message alone (errcode 500): both are real fleet
     * providers, so both forms are the business exception.
     */
    @Override
    public boolean isBusiness(Throwable t, Class<? extends Throwable> type, String message) {
        if (!(t instanceof MotanServiceException)) return false;
        String got = t.getMessage();
        String head = "error_message: biz exception cause is null. origin error msg : error_message: ";
        if (!got.startsWith(head)) return false;
        String rest = got.substring(head.length());
        return message == null || rest.startsWith(message + ", status: ") || rest.startsWith(JAVA_BIZ_PREFIX + message + ", status: ");
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
