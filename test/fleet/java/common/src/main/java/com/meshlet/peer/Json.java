package com.meshlet.peer;

/** The few JSON strings the case lines need. */
final class Json {
    private Json() {}

    static String str(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 200);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        if (s.length() > n) b.append("…(").append(s.length()).append(" chars)");
        return b.append('"').toString();
    }
}
