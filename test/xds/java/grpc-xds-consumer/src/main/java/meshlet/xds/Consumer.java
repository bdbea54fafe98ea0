package meshlet.xds;

import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * grpc-java's proxyless xDS client (io.grpc:grpc-xds) calling meshlet.test.XdsWho/Who through
 * xds:///&lt;service&gt;, bootstrap from GRPC_XDS_BOOTSTRAP. Same line protocol as test/xds/go's
 * xds-grpc-consumer: {"op":"calls","n":..,"inflight":..,"delayMs":..,"timeoutMs":..} in, one JSON
 * answer out ({"counts","codes","ms","messages"}, statuses named as grpc-go names them).
 * Messages by hand (no protoc): WhoReq { int32 delay_ms = 1; }, WhoRep { string name = 1; }.
 */
public final class Consumer {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override public InputStream stream(byte[] value) { return new ByteArrayInputStream(value); }
    @Override public byte[] parse(InputStream in) {
      try { return in.readAllBytes(); } catch (IOException e) { throw new RuntimeException(e); }
    }
  };

  static byte[] request(int delayMs) {
    if (delayMs == 0) return new byte[0];
    List<Byte> out = new ArrayList<>();
    out.add((byte) 0x08);
    long v = delayMs;
    while ((v & ~0x7FL) != 0) { out.add((byte) ((v & 0x7F) | 0x80)); v >>>= 7; }
    out.add((byte) v);
    byte[] b = new byte[out.size()];
    for (int i = 0; i < b.length; i++) b[i] = out.get(i);
    return b;
  }

  /** WhoRep.name: field 1, length-delimited; other fields skipped. */
  static String name(byte[] b) {
    int i = 0;
    while (i < b.length) {
      long key = 0; int shift = 0;
      while (true) { byte x = b[i++]; key |= (long) (x & 0x7F) << shift; if (x >= 0) break; shift += 7; }
      int type = (int) (key & 7);
      if (type == 0) { while (b[i++] < 0) { } continue; }
      if (type == 1) { i += 8; continue; }
      if (type == 5) { i += 4; continue; }
      if (type != 2) throw new IllegalArgumentException("wire type " + type);
      long len = 0; shift = 0;
      while (true) { byte x = b[i++]; len |= (long) (x & 0x7F) << shift; if (x >= 0) break; shift += 7; }
      if ((key >>> 3) == 1) return new String(b, i, (int) len, StandardCharsets.UTF_8);
      i += (int) len;
    }
    return "";
  }

  /** DEADLINE_EXCEEDED -> DeadlineExceeded, as grpc-go prints a code. */
  static String goName(Status.Code code) {
    if (code == Status.Code.OK) return "OK";
    StringBuilder s = new StringBuilder();
    for (String part : code.name().split("_")) s.append(part.charAt(0)).append(part.substring(1).toLowerCase());
    return s.toString();
  }

  static int field(String line, String name, int dflt) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(-?\\d+)").matcher(line);
    return m.find() ? Integer.parseInt(m.group(1)) : dflt;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "";
    String service = args.length > 1 ? args[1] : "meshlet.test.XdsWho";
    if (!target.startsWith("xds:")) {
      System.err.println("usage: Consumer xds:///<service> [service]");
      System.exit(2);
    }
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Who"))
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    // Leave idle now: the resolver subscribes before the first call, so the test can await this node's ACKs.
    ConnectivityState unused = channel.getState(true);
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (!line.contains("\"calls\"")) {
        System.out.println("{\"error\":\"unknown op\"}");
        System.out.flush();
        continue;
      }
      int n = field(line, "n", 0), inflight = Math.max(1, field(line, "inflight", 1));
      int delayMs = field(line, "delayMs", 0), timeoutMs = field(line, "timeoutMs", 3000);
      Map<String, Integer> counts = new TreeMap<>(), codes = new TreeMap<>();
      Map<String, long[]> ms = new TreeMap<>();
      Map<String, String> messages = new TreeMap<>();
      AtomicInteger next = new AtomicInteger();
      byte[] req = request(delayMs);
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < inflight; w++) {
        Thread t = new Thread(() -> {
          while (next.getAndIncrement() < n) {
            long t0 = System.nanoTime();
            String code = "OK", who = null, message = null;
            try {
              byte[] rep = ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS), req);
              who = name(rep);
            } catch (RuntimeException e) {
              Status st = Status.fromThrowable(e);
              code = goName(st.getCode());
              message = String.valueOf(st.getDescription());
            }
            long took = (System.nanoTime() - t0) / 1_000_000;
            synchronized (codes) {
              codes.merge(code, 1, Integer::sum);
              if (who != null) counts.merge(who, 1, Integer::sum);
              if (message != null) messages.putIfAbsent(code, message);
              long[] r = ms.computeIfAbsent(code, k -> new long[] {took, took});
              r[0] = Math.min(r[0], took);
              r[1] = Math.max(r[1], took);
            }
          }
        });
        t.start();
        workers.add(t);
      }
      for (Thread t : workers) t.join();
      StringBuilder out = new StringBuilder("{\"counts\":{");
      String sep = "";
      for (var e : counts.entrySet()) { out.append(sep).append(quote(e.getKey())).append(':').append(e.getValue()); sep = ","; }
      out.append("},\"codes\":{");
      sep = "";
      for (var e : codes.entrySet()) { out.append(sep).append(quote(e.getKey())).append(':').append(e.getValue()); sep = ","; }
      out.append("},\"ms\":{");
      sep = "";
      for (var e : ms.entrySet()) { out.append(sep).append(quote(e.getKey())).append(":[").append(e.getValue()[0]).append(',').append(e.getValue()[1]).append(']'); sep = ","; }
      out.append("},\"messages\":{");
      sep = "";
      for (var e : messages.entrySet()) { out.append(sep).append(quote(e.getKey())).append(':').append(quote(e.getValue())); sep = ","; }
      System.out.println(out.append("}}"));
      System.out.flush();
    }
    channel.shutdownNow();
  }
}
