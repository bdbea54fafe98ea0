package com.meshlet.peer;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.User;
import com.meshlet.fleet.Address;
import com.meshlet.fleet.Blobs;
import com.meshlet.fleet.Customer;
import com.meshlet.fleet.FleetException;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.Line;
import com.meshlet.fleet.Order;
import com.meshlet.fleet.Status;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The conformance kit's cases (examples/conformance/cases.js) and the fleet cases, run by a Java
 * consumer against any provider; one JSON line per case, then `N passed, N failed`, as the kit's
 * Node consumer prints them. Values are asserted exactly: equals() on every POJO, bit-exact doubles.
 */
public final class Cases {
    /** Just under the 8 MiB default frame and payload limits of Dubbo, Bolt and Meshlet. */
    public static final int BIG = 8 * 1024 * 1024 - 64 * 1024;

    private final PrintStream out;
    private final Set<String> skipped = new HashSet<>();
    private int passed;
    private int failed;

    public Cases() {
        try {
            this.out = new PrintStream(System.out, true, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    public interface Check { Object run() throws Throwable; }

    /**
     * Cases this peer's framework cannot express (e.g. classes under a serialization without them);
     * the caller says why beside its list. Skipped cases print nothing and count for nothing.
     */
    public Cases skip(Collection<String> names) {
        skipped.addAll(names);
        return this;
    }

    /** Runs one case: `expected` compared with deepEquals (arrays by content, doubles bit-exact). */
    public void expect(String name, Object expected, Check call) {
        if (skipped.contains(name)) return;
        try {
            Object got = call.run();
            if (Objects.deepEquals(expected, got) || sameDouble(expected, got)) ok(name);
            else bad(name, "expected " + show(expected) + ", got " + show(got));
        } catch (Throwable t) {
            bad(name, "expected " + show(expected) + ", threw " + t);
        }
    }

    /** Runs one case that must throw `type` (exactly that class) with `message` (when not null). */
    public void expectThrow(String name, Class<? extends Throwable> type, String message, Check call) {
        expectThrow(name, null, type, message, call);
    }

    /**
     * As above, but the peer judges what its framework makes of a remote business exception
     * (Peer.isBusiness): frameworks that do not carry the class (Motan2's M_e) wrap it in their own.
     */
    public void expectThrow(String name, Peer peer, Class<? extends Throwable> type, String message, Check call) {
        if (skipped.contains(name)) return;
        try {
            Object got = call.run();
            bad(name, "expected " + type.getName() + ", got " + show(got));
        } catch (Throwable t) {
            boolean same = peer != null ? peer.isBusiness(t, type, message)
                : t.getClass() == type && (message == null || message.equals(t.getMessage()));
            if (same) ok(name);
            else bad(name, "expected " + type.getName() + "(" + message + "), threw " + t.getClass().getName() + "(" + t.getMessage() + ")");
        }
    }

    /** Runs one case that must end in the framework's timeout. */
    public void expectTimeout(String name, Peer peer, Check call) {
        if (skipped.contains(name)) return;
        try {
            Object got = call.run();
            bad(name, "expected a timeout, got " + show(got));
        } catch (Throwable t) {
            if (peer.isTimeout(t)) ok(name);
            else bad(name, "expected a timeout, threw " + t);
        }
    }

    public void ok(String name) {
        passed++;
        out.println("{\"case\":" + Json.str(name) + ",\"ok\":true}");
    }

    public void bad(String name, String why) {
        failed++;
        out.println("{\"case\":" + Json.str(name) + ",\"ok\":false,\"error\":" + Json.str(why) + "}");
    }

    /** Prints the summary line; returns the process exit code. */
    public int finish() {
        out.println(passed + " passed, " + failed + " failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    /** The 29 cases of the conformance kit, in its order. */
    public void conformance(Peer peer) {
        EchoService s = peer.echo(10_000);
        StringBuilder mib = new StringBuilder();
        for (int i = 0; i < 1024 * 1024 - 3; i++) mib.append('x');
        String big = mib.append("\uD83D\uDE00z").toString();
        expect("echo/ascii", "hello", () -> s.echo("hello"));
        expect("echo/empty", "", () -> s.echo(""));
        expect("echo/unicode", "héllo, 世界 😀𝄞", () -> s.echo("héllo, 世界 😀𝄞"));
        expect("echo/1MiB", big, () -> s.echo(big));
        expect("addInt/basic", 5, () -> s.addInt(2, 3));
        expect("addInt/wrap", Integer.MIN_VALUE, () -> s.addInt(Integer.MAX_VALUE, 1));
        expect("addInt/min", Integer.MIN_VALUE, () -> s.addInt(Integer.MIN_VALUE, 0));
        expect("addLong/2^53+1", 9007199254740993L, () -> s.addLong(9007199254740993L, 0L));
        expect("addLong/wrap", Long.MIN_VALUE, () -> s.addLong(Long.MAX_VALUE, 1L));
        expect("addLong/small", 1L, () -> s.addLong(-1L, 2L));
        expect("mulDouble/basic", -3.0, () -> s.mulDouble(1.5, -2));
        expect("mulDouble/nan", Double.NaN, () -> s.mulDouble(Double.NaN, 1));
        expect("mulDouble/inf", Double.NEGATIVE_INFINITY, () -> s.mulDouble(Double.POSITIVE_INFINITY, -1));
        expect("mulDouble/tiny", Double.MIN_VALUE, () -> s.mulDouble(Double.MIN_VALUE, 1));
        expect("negate/true", false, () -> s.negate(true));
        expect("negate/false", true, () -> s.negate(false));
        expect("reverseBytes/basic", new byte[] {(byte) 255, 3, 2, 1}, () -> s.reverseBytes(new byte[] {1, 2, 3, (byte) 255}));
        expect("reverseBytes/empty", new byte[0], () -> s.reverseBytes(new byte[0]));
        expect("reverseList/basic", Arrays.asList("c", "b", "a"), () -> s.reverseList(Arrays.asList("a", "b", "c")));
        expect("reverseList/empty", Collections.emptyList(), () -> s.reverseList(new ArrayList<>()));
        expect("swapMap/basic", map("1", "a", "2", "b"), () -> s.swapMap(map("a", "1", "b", "2")));
        expect("swapMap/empty", Collections.emptyMap(), () -> s.swapMap(new LinkedHashMap<>()));
        User user = user(Arrays.asList("a", "b", ""), map("k", "v", "empty", ""));
        expect("echoUser/full", user, () -> s.echoUser(user));
        User bare = user(new ArrayList<>(), new LinkedHashMap<>());
        expect("echoUser/empty-collections", bare, () -> s.echoUser(bare));
        expect("nullable/null", null, () -> s.nullable(null));
        expect("nullable/value", "x", () -> s.nullable("x"));
        expectThrow("fail/business", peer, IllegalStateException.class, "boom 😀", () -> { s.fail("boom 😀"); return null; });
        expect("sleep/ok", "slept", () -> s.sleep(10));
        EchoService quick = peer.echo(200);
        expectTimeout("sleep/timeout", peer, () -> quick.sleep(2000));
    }

    /** What fleets send beyond the kit: nested POJOs, enum, Date, BigDecimal, Set, overloads, more. */
    public void fleet(Peer peer) throws InterruptedException {
        FleetService f = peer.fleet();
        Order full = fullOrder();
        expect("order/full", full, () -> f.echoOrder(full));
        Order nulls = new Order();
        nulls.setId(-1L);
        expect("order/nulls", nulls, () -> f.echoOrder(nulls));
        expect("overload/int", "int:7", () -> f.describe(7));
        expect("overload/long", "long:9007199254740993", () -> f.describe(9007199254740993L));
        expect("overload/string", "string:7", () -> f.describe("7"));
        expect("attachment/sent", "fleet-42", () -> { peer.attach("x-fleet-key", "fleet-42"); return f.attachment("x-fleet-key"); });
        expect("attachment/absent", null, () -> f.attachment("x-fleet-absent"));
        expectThrow("exception/custom-class", peer, FleetException.class, "fleet says no", () -> { f.raise("fleet says no"); return null; });
        expect("payload/8MiB-result", Blobs.pattern(BIG), () -> f.blob(BIG));
        expect("payload/8MiB-argument", BIG, () -> f.sizeOf(Blobs.pattern(BIG)));
        inFlight(peer.echo(30_000), 128);
    }

    /** 128 calls in flight at once, each answered with its own value. */
    public void inFlight(EchoService s, int n) throws InterruptedException {
        if (skipped.contains("inflight/" + n)) return;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String v = "call-" + i + "-" + "y".repeat(i * 16);
                calls.add(() -> s.echo(v));
            }
            List<Future<String>> results = pool.invokeAll(calls, 60, TimeUnit.SECONDS);
            int wrong = 0;
            String first = null;
            for (int i = 0; i < n; i++) {
                try {
                    String expected = "call-" + i + "-" + "y".repeat(i * 16);
                    if (!expected.equals(results.get(i).get())) wrong++;
                } catch (Exception e) {
                    wrong++;
                    if (first == null) first = e.toString();
                }
            }
            if (wrong == 0) ok("inflight/" + n);
            else bad("inflight/" + n, wrong + " of " + n + " wrong or failed; first: " + first);
        } finally {
            pool.shutdownNow();
        }
    }

    public static Order fullOrder() {
        Order o = new Order();
        o.setId(9007199254740993L);
        o.setCustomer(new Customer("Zoë 😀", new Address("杭州", "310000")));
        o.setLines(Arrays.asList(new Line("sku-1", 2, new BigDecimal("19.90")), new Line("sku-2", 1, new BigDecimal("-0.001"))));
        o.setStatus(Status.PAID);
        o.setCreatedAt(new Date(1733318400123L));
        o.setTotal(new BigDecimal("39.799"));
        o.setLabels(new LinkedHashSet<>(Arrays.asList("urgent", "gift")));
        o.setBlob(new byte[] {0, 1, -1, 127, -128});
        o.setParent(42L);
        return o;
    }

    static User user(List<String> tags, Map<String, String> attrs) {
        return new User(9007199254740993L, "Zoë 😀", tags, attrs, true, -12.5);
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static boolean sameDouble(Object a, Object b) {
        return a instanceof Double && b instanceof Double && Double.doubleToLongBits((Double) a) == Double.doubleToLongBits((Double) b);
    }

    private static String show(Object v) {
        if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            return b.length > 16 ? "byte[" + b.length + "]" : Arrays.toString(b);
        }
        String s = String.valueOf(v);
        return s.length() > 200 ? s.substring(0, 200) + "…(" + s.length() + " chars)" : s;
    }
}
