package com.meshlet.peer;

import java.util.HashMap;
import java.util.Map;

/** `--flag value` pairs and bare `--flag` booleans, as the conformance kit's scripts take them. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + argv[i]);
            String key = argv[i].substring(2);
            if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) values.put(key, argv[++i]);
            else values.put(key, "true");
        }
    }

    public String get(String key, String fallback) { return values.getOrDefault(key, fallback); }
    public String get(String key) { return values.get(key); }
    public int getInt(String key, int fallback) { return values.containsKey(key) ? Integer.parseInt(values.get(key)) : fallback; }
    public boolean has(String key) { return values.containsKey(key); }
}
