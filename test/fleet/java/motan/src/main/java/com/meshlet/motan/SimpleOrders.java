package com.meshlet.motan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cases.fullOrder() as a Java motan user sends it under `simple`, which has no classes: a Map of the
 * fields, in the types simple carries (Date as epoch millis, BigDecimal and enum as their text, a
 * Set as a String list, nested classes as Maps), as Meshlet's simple codec maps them.
 */
final class SimpleOrders {
    private SimpleOrders() {}

    static Map<String, Object> full() {
        Map<String, Object> address = map("city", "杭州", "zip", "310000");
        Map<String, Object> customer = map("name", "Zoë 😀", "address", address);
        List<Object> lines = new ArrayList<>();
        lines.add(map("sku", "sku-1", "qty", 2, "price", "19.90"));
        lines.add(map("sku", "sku-2", "qty", 1, "price", "-0.001"));
        return map("id", 9007199254740993L, "customer", customer, "lines", lines, "status", "PAID",
            "createdAt", 1733318400123L, "total", "39.799", "labels", Arrays.asList("urgent", "gift"),
            "blob", new byte[] {0, 1, -1, 127, -128}, "parent", 42L);
    }

    /** byte[] compares by reference inside a Map: replace it by its contents' text. */
    static Object comparable(Object m) {
        if (!(m instanceof Map)) return m;
        Map<Object, Object> out = new LinkedHashMap<>((Map<?, ?>) m);
        out.replaceAll((k, v) -> v instanceof byte[] ? Arrays.toString((byte[]) v) : v);
        return out;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
