package crm.support;

import crm.socket.SocketRuntime;
import crm.socket.io.Namespace;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Test handlers on namespace {@code /} of a running app, standing in for the bridge: they use only the public
 * server API (namespace-wide {@code on}, emit, ack, emitWithAck, rooms, disconnect listeners).
 */
public final class SocketHooks {
  /** socket id -> reason, for every disconnect seen by the listener each socket registers on connection. */
  private final Map<String, String> disconnects = new ConcurrentHashMap<>();

  private SocketHooks() {}

  public static SocketHooks install(TestApp app) {
    SocketHooks hooks = new SocketHooks();
    // the admin is online from the start, so the bridge's presence announces nothing into the protocol tests' streams
    try {
      app.vertx.eventBus().request(crm.bus.Addresses.AGENT_SET_STATUS, new io.vertx.core.json.JsonObject()
          .put("agentId", app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD).getJsonObject("agent").getString("id"))
          .put("status", "online")).await(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the admin's status was not set within 10 s", e);
    }
    Namespace ns = SocketRuntime.of(app.vertx).io().namespace("/");
    ns.onConnection(s -> s.onDisconnect(reason -> hooks.disconnects.put(s.id(), reason)));
    ns.on("echo", (s, args, ack) -> s.emitArgs("echo-back", args));
    ns.on("ack", (s, args, ack) -> ack.sendArgs(args));
    ns.on("size", (s, args, ack) -> ack.send(args.getBuffer(0).length()));
    ns.on("whoami", (s, args, ack) -> ack.send(s.data(), s.transport()));
    ns.on("join", (s, args, ack) -> {
      s.join(args.getString(0));
      ack.send("joined");
    });
    ns.on("leave", (s, args, ack) -> {
      s.leave(args.getString(0));
      ack.send("left");
    });
    ns.on("to-room", (s, args, ack) -> ack.send(ns.emitToRoom(args.getString(0), "news", args.getValue(1))));
    ns.on("ask", (s, args, ack) -> s.emitWithAck("question", 5000, args.getValue(0))
        .onComplete(ar -> s.emit("answer", ar.succeeded() ? ar.result() : ar.cause().getClass().getSimpleName())));
    ns.on("flood", (s, args, ack) -> {
      for (int i = 0; i < args.getInteger(0); i++) s.emit("drop", i);
    });
    // [count, size]: count messages of size characters each, in one turn of the loop
    ns.on("floodBig", (s, args, ack) -> {
      String big = "x".repeat(args.getInteger(1));
      for (int i = 0; i < args.getInteger(0); i++) s.emit("big", i, big);
    });
    ns.on("boom", (s, args, ack) -> {
      throw new IllegalStateException("a handler bug");
    });
    ns.on("bye", (s, args, ack) -> s.disconnect(Boolean.TRUE.equals(args.getValue(0))));
    return hooks;
  }

  /** The reason the socket {@code socketId} disconnected with (waits up to 10 s). */
  public String disconnectReason(String socketId) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      while (System.nanoTime() < deadline) {
        String reason = disconnects.get(socketId);
        if (reason != null) return reason;
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("socket " + socketId + " did not disconnect within 10 s");
  }

  /** The sid of a {@code 40{"sid":...}} answer. */
  public static String sidOf(String connectPacket) {
    int brace = connectPacket.indexOf('{');
    return new JsonObject(connectPacket.substring(brace)).getString("sid");
  }
}
