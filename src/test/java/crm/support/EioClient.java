package crm.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw Engine.IO client for tests, speaking the wire format by hand: long-polling through the app's web client,
 * WebSocket through Vert.x's WebSocketClient. Calls block the JUnit thread (never an event loop) with timeouts
 * that only turn a hang into a failure.
 */
public final class EioClient {
  public static final char RS = '\u001e';
  private static final long WAIT_SECONDS = 10;

  private final TestApp app;
  private final String path;

  public EioClient(TestApp app, String path) {
    this.app = app;
    this.path = path;
  }

  public static EioClient socketIo(TestApp app) {
    return new EioClient(app, "/socket.io/");
  }

  public String url(String query) {
    return path + "?" + query;
  }

  // ------------------------------------------------------------------------------------------------------ polling

  /** Opens a polling session and returns the handshake JSON (after the {@code 0}). */
  public JsonObject openPolling() {
    HttpResponse<Buffer> res = await(request(HttpMethod.GET, "EIO=4&transport=polling", null).send());
    if (res.statusCode() != 200) throw new AssertionError("handshake answered " + res.statusCode() + " " + res.bodyAsString());
    String body = res.bodyAsString();
    if (!body.startsWith("0")) throw new AssertionError("not an open packet: " + body);
    return new JsonObject(body.substring(1));
  }

  public HttpRequest<Buffer> request(HttpMethod method, String query, MultiMap headers) {
    HttpRequest<Buffer> req = app.client.request(method, url(query));
    if (headers != null) req.putHeaders(headers);
    return req;
  }

  /** Starts a poll; the answer may take until the server has something to say. */
  public Future<HttpResponse<Buffer>> poll(String sid) {
    return request(HttpMethod.GET, "EIO=4&transport=polling&sid=" + sid, null).send();
  }

  public HttpResponse<Buffer> post(String sid, String body) {
    return await(request(HttpMethod.POST, "EIO=4&transport=polling&sid=" + sid, null)
        .putHeader("Content-Type", "text/plain;charset=UTF-8").sendBuffer(Buffer.buffer(body)));
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within " + WAIT_SECONDS + " s: " + e, e);
    }
  }

  // ---------------------------------------------------------------------------------------------------- websocket

  /** Opens a WebSocket with this query (and headers); no packet is read yet. */
  public Ws webSocket(String query, MultiMap headers) {
    return Ws.connect(app.vertx, app.port, url(query), headers);
  }

  /** The same from a Vert.x instance of the caller's (a client whose misbehaviour must not touch the others). */
  public Ws webSocket(Vertx on, String query, MultiMap headers) {
    return Ws.connect(on, app.port, url(query), headers);
  }

  /** A WebSocket whose received messages (String, or Buffer for binary) and close queue up in order. */
  public static final class Ws implements AutoCloseable {
    public static final Object CLOSED = new Object() {
      @Override public String toString() { return "<closed>"; }
    };

    private final WebSocketClient client;
    private final WebSocket socket;
    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();

    private Ws(WebSocketClient client, WebSocket socket) {
      this.client = client;
      this.socket = socket;
      socket.textMessageHandler(received::add);
      socket.binaryMessageHandler(received::add);
      socket.closeHandler(v -> received.add(CLOSED));
      socket.exceptionHandler(err -> { });
    }

    static Ws connect(Vertx vertx, int port, String uri, MultiMap headers) {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxFrameSize(4 * 1024 * 1024).setMaxMessageSize(4 * 1024 * 1024));
      // no Origin unless the test gives one (as a non-browser client): Vert.x would send its own by default
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
          .setAllowOriginHeader(headers != null && headers.contains("Origin"));
      if (headers != null) options.setHeaders(headers);
      // the handlers are set before the connection exists: set when its future completes, they could come after the
      // server's first frame (the Engine.IO open packet), which was then lost, once in a while, on a busy machine
      ClientWebSocket socket = client.webSocket();
      Ws ws = new Ws(client, socket);
      try {
        await(socket.connect(options));
        return ws;
      } catch (AssertionError e) {
        client.close();
        throw e;
      }
    }

    /**
     * The next message or {@link #CLOSED}; fails after 10 s of silence. Skips the presence announcements the bridge
     * sends every socket (agent:status_change when the test's agent comes online): these tests are about the protocol.
     */
    public Object next() {
      try {
        Object o;
        do {
          o = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
          if (o == null) throw new AssertionError("nothing received within " + WAIT_SECONDS + " s");
        } while (o instanceof String text && text.startsWith("42[\"agent:status_change\""));
        return o;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** The next text message, answering (and skipping) server pings. */
    public String nextText() {
      while (true) {
        Object o = next();
        if ("2".equals(o)) {
          send("3");
          continue;
        }
        if (o instanceof String s) return s;
        throw new AssertionError("expected a text message, got " + o);
      }
    }

    public Buffer nextBinary() {
      Object o = next();
      if (o instanceof Buffer b) return b;
      throw new AssertionError("expected a binary message, got " + o);
    }

    /** Waits for the close, ignoring what comes before it. */
    public void awaitClose() {
      while (next() != CLOSED) {
        // skip
      }
    }

    public void send(String text) {
      await(socket.writeTextMessage(text));
    }

    /** Sends one text message as several frames (a first text frame, then continuations). */
    public void sendFragmented(String text, int parts) {
      int size = (text.length() + parts - 1) / parts;
      for (int i = 0; i < parts; i++) {
        String part = text.substring(i * size, Math.min(text.length(), (i + 1) * size));
        boolean last = i == parts - 1;
        await(socket.writeFrame(i == 0 ? io.vertx.core.http.WebSocketFrame.textFrame(part, last)
            : io.vertx.core.http.WebSocketFrame.continuationFrame(Buffer.buffer(part), last)));
      }
    }

    public void send(Buffer data) {
      await(socket.writeBinaryMessage(data));
    }

    /** Stops reading from the server (a slow or stuck client): what it sends piles up in the TCP buffers. */
    public void stopReading() {
      socket.pause();
    }

    /** Reads again (what piled up is delivered): a paused client cannot finish a closing handshake. */
    public void resumeReading() {
      socket.resume();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (RuntimeException ignored) {
        // already closed
      }
      client.close();
    }
  }
}
