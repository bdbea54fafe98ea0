package com.meshlet.sofarpc;

import com.alipay.common.tracer.core.holder.SofaTraceContextHolder;
import com.alipay.common.tracer.core.span.SofaTracerSpan;
import com.alipay.sofa.rpc.core.exception.SofaRpcException;
import com.alipay.sofa.rpc.core.request.SofaRequest;
import com.alipay.sofa.rpc.core.response.SofaResponse;
import com.alipay.sofa.rpc.filter.Filter;
import com.alipay.sofa.rpc.filter.FilterInvoker;
import java.util.Map;

/**
 * How a SOFARPC provider reads what a consumer attached: SOFARPC's public RpcInvokeContext has no
 * getter for a request's props (only baggage, off by default), but a provider Filter sees the
 * SofaRequest, whose requestProps hold what Java's addCustomHeader sent and what Bolt's header
 * carried (SofaRpcSerialization merges the header into them). The filter exposes them to the
 * service implementation on its thread for the duration of the call.
 */
final class RequestProps extends Filter {
    private static final ThreadLocal<SofaRequest> CURRENT = new ThreadLocal<>();

    @Override
    public SofaResponse invoke(FilterInvoker invoker, SofaRequest request) throws SofaRpcException {
        CURRENT.set(request);
        try {
            return invoker.invoke(request);
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * The current request's prop `key` as a string, or null. SOFARPC folds the header keys
     * `rpc_trace_context.x` (and `rpc_req_baggage.x`) into a nested map under the prefix, so a
     * dotted key is looked up there too. `tracer:traceId` is the trace id of the provider's own
     * SOFA tracer span: proof that the trace context arrived where SOFARPC's tracer reads it.
     */
    static String get(String key) {
        if (key.equals("tracer:traceId")) return traceId();
        SofaRequest request = CURRENT.get();
        if (request == null) return null;
        Object value = request.getRequestProp(key);
        int dot = key.indexOf('.');
        if (value == null && dot > 0 && request.getRequestProp(key.substring(0, dot)) instanceof Map) {
            value = ((Map<?, ?>) request.getRequestProp(key.substring(0, dot))).get(key.substring(dot + 1));
        }
        return value == null ? null : String.valueOf(value);
    }

    private static String traceId() {
        SofaTracerSpan span = SofaTraceContextHolder.getSofaTraceContext().getCurrentSpan();
        return span == null ? null : span.getSofaTracerSpanContext().getTraceId();
    }
}
