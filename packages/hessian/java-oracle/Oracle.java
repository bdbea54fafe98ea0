package com.meshlet.conformance;

import com.caucho.hessian.io.Hessian2Input;
import com.caucho.hessian.io.Hessian2Output;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Java (Caucho Hessian 4) as an oracle for Meshlet's Hessian codec.
 *
 *   decode: reads hex lines from stdin; decodes each with Hessian2Input.readObject() (as many values
 *           as the line holds) and prints one JSON line: [rendering, ...] or {"error": "..."}.
 *   encode: writes a fixed list of Java values with Hessian2Output and prints "name<TAB>hex" lines.
 *
 * Rendering: null, or {"t": Java class name, "v": value}; longs, doubles and dates as strings
 * (exact), byte[] as hex, collections and arrays as lists, maps as [[key, value], ...], other
 * objects as {field: rendering} over their non-static, non-transient fields; Throwables also carry
 * "message": getMessage().
 */
public final class Oracle {
  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    if (mode.equals("decode")) decode();
    else if (mode.equals("encode")) encode();
    else {
      System.err.println("usage: Oracle decode|encode");
      System.exit(2);
    }
  }

  private static void decode() throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line;
    StringBuilder out = new StringBuilder();
    while ((line = in.readLine()) != null) {
      line = line.trim();
      if (line.isEmpty()) continue;
      byte[] bytes = hex(line);
      try {
        ByteArrayInputStream bin = new ByteArrayInputStream(bytes);
        Hessian2Input h = new Hessian2Input(bin);
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        while (bin.available() > 0 || !h.isEnd()) {
          if (!first) sb.append(',');
          first = false;
          render(h.readObject(), sb, new IdentityHashMap<Object, Boolean>());
          if (bin.available() == 0 && h.isEnd()) break;
        }
        out.append(sb.append(']')).append('\n');
      } catch (Throwable e) {
        StringBuilder sb = new StringBuilder("{\"error\":");
        str(e.toString(), sb);
        out.append(sb.append('}')).append('\n');
      }
    }
    System.out.print(out);
    System.out.flush();
  }

  private static void encode() throws Exception {
    LinkedHashMap<String, Object> values = new LinkedHashMap<>();
    values.put("int1", 1);
    values.put("intBig", -1234567);
    values.put("longSmall", 1L);
    values.put("longNeg", -8L);
    values.put("long2p53p1", 9007199254740993L);
    values.put("longMin", Long.MIN_VALUE);
    values.put("double1_5", 1.5);
    values.put("double0_1", 0.1);
    values.put("doubleNaN", Double.NaN);
    values.put("boolTrue", Boolean.TRUE);
    values.put("emoji", "a\uD83D\uDE00b");
    values.put("bytes", new byte[] {1, 2, 3});
    values.put("intArray", new int[] {1, 2});
    values.put("stringArray", new String[] {"x", "y"});
    ArrayList<Object> list = new ArrayList<>();
    list.add(1);
    list.add("two");
    values.put("arrayList", list);
    HashMap<String, Object> map = new HashMap<>();
    map.put("a", 1);
    map.put("b", "x");
    values.put("hashMap", map);
    values.put("date", new Date(1700000000000L));
    values.put("dateMinute", new Date(1700000040000L));
    User u = new User();
    u.id = 9007199254740993L;
    u.name = "Zoë 😀";
    u.tags = new ArrayList<>(Arrays.asList("a", "b"));
    u.attrs = new HashMap<>();
    u.attrs.put("k", "v");
    u.active = true;
    u.score = 99.5;
    values.put("user", u);
    values.put("exception", new RuntimeException("boom"));
    values.put("enum", TimeUnit.SECONDS);
    ArrayList<Object> circular = new ArrayList<>();
    circular.add("self");
    circular.add(circular);
    values.put("circular", circular);
    StringBuilder longString = new StringBuilder();
    for (int i = 0; i < 40000; i++) longString.append(i % 1000 == 999 ? '\u4e2d' : (char) ('a' + i % 26));
    values.put("longString", longString.toString());
    byte[] big = new byte[70000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7);
    values.put("bigBinary", big);
    values.put("bigDecimal", new BigDecimal("12.34"));

    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      Hessian2Output h = new Hessian2Output(bos);
      h.writeObject(e.getValue());
      h.flush();
      out.append(e.getKey()).append('\t').append(toHex(bos.toByteArray())).append('\n');
    }
    System.out.print(out);
    System.out.flush();
  }

  // ---------------------------------------------------------------- rendering

  private static void render(Object o, StringBuilder sb, IdentityHashMap<Object, Boolean> seen) throws Exception {
    if (o == null) {
      sb.append("null");
      return;
    }
    Class<?> cl = o.getClass();
    sb.append("{\"t\":");
    str(cl.getName(), sb);
    sb.append(",\"v\":");
    if (o instanceof String) {
      str((String) o, sb);
    } else if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
      sb.append(o);
    } else if (o instanceof Long || o instanceof Double || o instanceof Float || o instanceof BigDecimal) {
      str(o.toString(), sb);
    } else if (o instanceof Boolean) {
      sb.append(o);
    } else if (o instanceof Character) {
      str(o.toString(), sb);
    } else if (o instanceof Date) {
      str(Long.toString(((Date) o).getTime()), sb);
    } else if (o instanceof byte[]) {
      str(toHex((byte[]) o), sb);
    } else if (o instanceof Enum) {
      str(((Enum<?>) o).name(), sb);
    } else if (seen.containsKey(o)) {
      str("<cycle>", sb);
    } else {
      seen.put(o, Boolean.TRUE);
      if (cl.isArray()) {
        sb.append('[');
        for (int i = 0; i < Array.getLength(o); i++) {
          if (i > 0) sb.append(',');
          render(Array.get(o, i), sb, seen);
        }
        sb.append(']');
      } else if (o instanceof Collection) {
        sb.append('[');
        boolean first = true;
        for (Object item : (Collection<?>) o) {
          if (!first) sb.append(',');
          first = false;
          render(item, sb, seen);
        }
        sb.append(']');
      } else if (o instanceof Map) {
        sb.append('[');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
          if (!first) sb.append(',');
          first = false;
          sb.append('[');
          render(e.getKey(), sb, seen);
          sb.append(',');
          render(e.getValue(), sb, seen);
          sb.append(']');
        }
        sb.append(']');
      } else if (o instanceof Throwable) {
        sb.append("{}");
        sb.append(",\"message\":");
        String m = ((Throwable) o).getMessage();
        if (m == null) sb.append("null");
        else str(m, sb);
      } else {
        sb.append('{');
        boolean first = true;
        for (Class<?> c = cl; c != null && c != Object.class; c = c.getSuperclass()) {
          for (Field f : c.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isTransient(mod)) continue;
            f.setAccessible(true);
            if (!first) sb.append(',');
            first = false;
            str(f.getName(), sb);
            sb.append(':');
            render(f.get(o), sb, seen);
          }
        }
        sb.append('}');
      }
      seen.remove(o);
    }
    sb.append('}');
  }

  private static void str(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    sb.append('"');
  }

  private static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return out;
  }

  private static String toHex(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 2);
    for (byte x : b) sb.append(String.format("%02x", x & 0xff));
    return sb.toString();
  }

  private Oracle() {}
}
