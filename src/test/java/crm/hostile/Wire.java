package crm.hostile;

import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 over a raw TCP connection, one per request ({@code Connection: close}): the request line, headers and
 * body go out exactly as given (a URI with {@code %zz} or a NUL escape is not parsed or re-encoded by a client
 * library, no header is added but Host, Content-Length and Connection), and the answer is read while the body is
 * still being written (the server may answer 413 early). Never throws: a request that gets no complete answer in
 * time is an {@link Outcome} too, so a hang of the server shows as one, never as a client pool waiting.
 */
final class Wire implements AutoCloseable {
  static final long ANSWER_WITHIN_MS = 15_000;

  private final NetClient client;
  private final int port;

  Wire(Vertx vertx, int port) {
    this.port = port;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  /** One request: what is sent, and who sends it (the token is resolved when it is sent). */
  record Req(String cls, String route, String mutation, HttpMethod method, String uri, Map<String, String> headers,
             byte[] body, String actor) {
    String describe() {
      String b = body == null ? "<no body>" : preview(body, 200);
      String hs = headers.isEmpty() ? "" : " headers=" + headers.keySet().stream()
          .filter(h -> !h.equalsIgnoreCase("Authorization")).map(h -> h + ": " + shorten(headers.get(h), 80)).toList();
      return method + " " + shorten(uri, 160) + " as " + actor + hs + " body[" + (body == null ? 0 : body.length) + " bytes]="
          + b + "  {" + cls + " / " + mutation + "}";
    }
  }

  record Outcome(int status, MultiMap headers, byte[] body, long millis, String error) {
    boolean answered() {
      return error == null;
    }

    boolean ok() {
      return answered() && status >= 200 && status < 300;
    }

    String text() {
      return body == null ? "" : new String(body, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      try {
        return new JsonObject(text());
      } catch (RuntimeException e) {
        return null;
      }
    }

    String describe() {
      if (!answered()) return "no answer: " + error + " after " + millis + " ms";
      return status + " in " + millis + " ms: " + shorten(text().replace('\n', ' '), 300);
    }
  }

  Outcome send(HttpMethod method, String uri, Map<String, String> headers, byte[] body) {
    long start = System.nanoTime();
    NetSocket socket;
    try {
      socket = client.connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return new Outcome(-1, MultiMap.caseInsensitiveMultiMap(), null, elapsed(start), "no connection: " + e);
    }
    Promise<Outcome> answer = Promise.promise();
    Buffer received = Buffer.buffer();
    socket.handler(buf -> {
      received.appendBuffer(buf);
      Outcome o = parse(received, false, start);
      if (o != null && answer.tryComplete(o)) socket.close();
    });
    socket.closeHandler(v -> {
      Outcome o = parse(received, true, start);
      answer.tryComplete(o != null ? o : new Outcome(-1, MultiMap.caseInsensitiveMultiMap(), received.getBytes(), elapsed(start),
          "connection closed without a complete answer (" + received.length() + " bytes received)"));
    });
    socket.exceptionHandler(err -> { }); // a reset after an early answer: the close handler decides
    StringBuilder head = new StringBuilder();
    head.append(method.name()).append(' ').append(uri).append(" HTTP/1.1\r\n").append("Host: 127.0.0.1:").append(port).append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    socket.write(Buffer.buffer(head.toString().getBytes(StandardCharsets.UTF_8)));
    if (body != null && body.length > 0) socket.write(Buffer.buffer(body));
    try {
      return answer.future().await(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      socket.close();
      return new Outcome(-1, MultiMap.caseInsensitiveMultiMap(), received.getBytes(), elapsed(start),
          "no complete answer within " + ANSWER_WITHIN_MS + " ms (" + received.length() + " bytes received)");
    }
  }

  /** The response once complete (Content-Length or chunked; or everything when the connection closed), else null. */
  private static Outcome parse(Buffer buf, boolean closed, long start) {
    byte[] all = buf.getBytes();
    int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
    if (end < 0) return null;
    String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (RuntimeException e) {
      return closed ? new Outcome(-1, MultiMap.caseInsensitiveMultiMap(), all, elapsed(start), "not an HTTP answer: " + lines[0]) : null;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
    }
    int bodyStart = end + 4;
    String length = headers.get("Content-Length");
    if (length != null) {
      int n = Integer.parseInt(length.trim());
      if (all.length - bodyStart < n) return null;
      byte[] body = new byte[n];
      System.arraycopy(all, bodyStart, body, 0, n);
      return new Outcome(status, headers, body, elapsed(start), null);
    }
    if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
      Buffer body = Buffer.buffer();
      int i = bodyStart;
      while (true) {
        int crlf = indexOf(all, "\r\n".getBytes(StandardCharsets.ISO_8859_1), i);
        if (crlf < 0) return null;
        int size = Integer.parseInt(new String(all, i, crlf - i, StandardCharsets.ISO_8859_1).split(";")[0].trim(), 16);
        if (size == 0) return new Outcome(status, headers, body.getBytes(), elapsed(start), null);
        if (all.length < crlf + 2 + size + 2) return null;
        body.appendBytes(all, crlf + 2, size);
        i = crlf + 2 + size + 2;
      }
    }
    if (!closed) return null;
    byte[] body = new byte[all.length - bodyStart];
    System.arraycopy(all, bodyStart, body, 0, body.length);
    return new Outcome(status, headers, body, elapsed(start), null);
  }

  /** Where {@code needle} first stands in {@code hay} from {@code from}, or -1. */
  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  private static long elapsed(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) if (kv[i + 1] != null) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static String preview(byte[] body, int max) {
    int n = Math.min(body.length, max);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int c = body[i] & 0xff;
      if (c >= 0x20 && c < 0x7f) sb.append((char) c);
      else sb.append(String.format("\\x%02x", c));
    }
    if (body.length > max) sb.append("...");
    return sb.toString();
  }

  static String shorten(String s, int max) {
    if (s == null) return "null";
    return s.length() <= max ? s : s.substring(0, max) + "...(" + s.length() + " chars)";
  }

  @Override
  public void close() {
    client.close();
  }
}
