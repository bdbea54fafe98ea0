package com.meshlet.lb;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test oracle for @meshlet/lb, written from the documented behaviour of Dubbo's consumer-side
 * ConsistentHashLoadBalance and warm-up weight (not from its source): a ring of MD5 points in a
 * java.util.TreeMap, keys built by StringBuilder.append of the real Java argument objects (so Java's
 * own Integer/Long/Double/Float/List toString decide the key), and the warm-up ramp in float
 * arithmetic. Running it on the JVM is the point: Java's own formatting, TreeMap ceiling and
 * integer/float semantics are what our TypeScript must agree with.
 *
 * Reads tab-separated commands on stdin, answers one line per command:
 *   ring  NODES ADDR...         build a ring ("host:port" addresses, in list order) -> "points N"
 *   index I,J,...               argument indexes for keys -> "ok"
 *   select ARG...               typed args (S:str I:int J:long D:double F:float Z:bool N  LS:a|b  LI:1|2)
 *                               -> "ADDRESS<TAB>KEY"
 *   warmup UPTIME WARMUP WEIGHT -> ramped weight
 */
public final class DubboRingOracle {
    private static TreeMap<Long, String> ring = new TreeMap<>();
    private static int[] indexes = {0};

    public static void main(String[] argv) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "ring": {
                    int nodes = Integer.parseInt(f[1]);
                    ring = new TreeMap<>();
                    for (int i = 2; i < f.length; i++) place(f[i], nodes);
                    out.println("points " + ring.size());
                    break;
                }
                case "index": {
                    String[] parts = f[1].split(",");
                    indexes = new int[parts.length];
                    for (int i = 0; i < parts.length; i++) indexes[i] = Integer.parseInt(parts[i].trim());
                    out.println("ok");
                    break;
                }
                case "select": {
                    Object[] args = new Object[f.length - 1];
                    for (int i = 1; i < f.length; i++) args[i - 1] = parse(f[i]);
                    String key = key(args);
                    out.println(lookup(firstWord(md5(key))) + "\t" + key);
                    break;
                }
                case "warmup": {
                    int uptime = Integer.parseInt(f[1]);
                    int warmup = Integer.parseInt(f[2]);
                    int weight = Integer.parseInt(f[3]);
                    int ramped = (int) (uptime / ((float) warmup / weight));
                    out.println(ramped < 1 ? 1 : Math.min(ramped, weight));
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown command: " + f[0]);
            }
        }
    }

    /** nodes/4 digests of address+i, each giving four little-endian 32-bit points. */
    private static void place(String address, int nodes) throws Exception {
        for (int i = 0; i < nodes / 4; i++) {
            byte[] d = md5(address + i);
            for (int w = 0; w < 4; w++) ring.put(word(d, w), address);
        }
    }

    private static String lookup(long point) {
        Map.Entry<Long, String> e = ring.ceilingEntry(point);
        return (e != null ? e : ring.firstEntry()).getValue();
    }

    private static String key(Object[] args) {
        StringBuilder sb = new StringBuilder();
        for (int i : indexes) if (i >= 0 && i < args.length) sb.append(args[i]);
        return sb.toString();
    }

    private static long firstWord(byte[] d) {
        return word(d, 0);
    }

    private static long word(byte[] d, int w) {
        long v = 0;
        for (int b = 3; b >= 0; b--) v = (v << 8) | (d[w * 4 + b] & 0xFFL);
        return v;
    }

    private static byte[] md5(String s) throws Exception {
        return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Object parse(String typed) {
        if (typed.equals("N")) return null;
        int colon = typed.indexOf(':');
        String type = typed.substring(0, colon);
        String v = typed.substring(colon + 1);
        switch (type) {
            case "S": return v;
            case "I": return Integer.valueOf(v);
            case "J": return Long.valueOf(v);
            case "D": return Double.valueOf(v);
            case "F": return Float.valueOf(v);
            case "Z": return Boolean.valueOf(v);
            case "LS": case "LI": {
                List<Object> list = new ArrayList<>();
                if (!v.isEmpty()) for (String item : v.split("\\|", -1)) list.add(type.equals("LI") ? (Object) Integer.valueOf(item) : item);
                return list;
            }
            default: throw new IllegalArgumentException("unknown arg type: " + type);
        }
    }
}
