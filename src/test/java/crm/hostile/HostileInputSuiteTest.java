package crm.hostile;

import crm.hostile.Attacks.Attack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Generated hostile input against the whole application (one embedded database, one server): every /api/v2 route of
 * the real router, the WhatsApp webhook, and the Socket.IO server. Per request: no 5xx, an answer within 15 s, and the
 * error envelope on every refusal, plus what the contract says that request must get. After each class: /ready, a
 * write and a login still work, and the database holds nothing the class was not allowed to write.
 *
 * <p>Seeded ({@code -Dhostile.seed=N}, default {@link #SEED}); a failing class lists every violation with the seed
 * and the request (method, URI, headers, body prefix) and what came back, also in {@code target/hostile-findings.txt}.
 * A request that leaves the server unusable is reported, and the application is started afresh so the class goes on.
 *
 * <p>Socket.IO: a packet for a real event that asks for an ack must get an error ack or a closed connection; an unknown
 * event or a malformed packet (nothing to acknowledge; the README says they are logged and ignored) must leave the
 * connection serving (a probe on it is answered) or closed. Run with {@code -Dtest='crm.hostile.**'}
 * ({@code crm.hostile.*} selects nothing with surefire 3.5).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputSuiteTest {
  static final long SEED = Long.getLong("hostile.seed", 20260131L);

  static Env env;

  @BeforeAll
  static void start() {
    env = Env.start();
  }

  @AfterAll
  static void stop() {
    if (env != null) env.close();
  }

  // ------------------------------------------------------------------------------------------------- REST classes
  @Test
  @Order(0)
  void the_database_comparison_sees_a_write_no_accepted_request_explains() {
    // the after-class check can fail: a document written behind the API's back between two snapshots is flagged
    DbSnapshot before = settle();
    String id = "0000000000000000000cafe1";
    try {
      env.db.insert("customers", new JsonObject().put("_id", id).put("phoneNumber", "520000000000").put("hostileMarker", Attacks.SMUGGLED))
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      Findings f = new Findings("self-check", SEED);
      compare(f, before, settle(), new Ledger(Set.of()));
      org.assertj.core.api.Assertions.assertThat(f.report()).contains("database changed where no accepted request explains it")
          .contains(id);
      Findings explained = new Findings("self-check", SEED);
      compare(explained, before, settle(), new Ledger(Set.of(id)));
      org.assertj.core.api.Assertions.assertThat(explained.report()).contains("stored a smuggled value");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      try {
        env.db.removeDocuments("customers", new JsonObject().put("_id", id)).await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }


  @Test
  @Order(0)
  void the_same_seed_generates_the_same_requests() {
    // what makes a reported seed worth anything, and what the restart after a fatal request relies on
    Routes routes = new Routes(env);
    for (String cls : List.of("size", "wrong-types", "extra-fields", "unknown-ids")) {
      Function<Attacks, List<Attack>> which = switch (cls) {
        case "size" -> Attacks::size;
        case "wrong-types" -> Attacks::wrongTypes;
        case "extra-fields" -> Attacks::extra;
        default -> Attacks::unknownIds;
      };
      List<String> first = describe(which.apply(new Attacks(env, routes, new Gen(seedOf(cls)), cls)));
      List<String> second = describe(which.apply(new Attacks(env, routes, new Gen(seedOf(cls)), cls)));
      org.assertj.core.api.Assertions.assertThat(second).as(cls).isEqualTo(first);
    }
  }

  private static List<String> describe(List<Attack> attacks) {
    // the digits of new phones and emails differ per request by design: compared without them
    return attacks.stream().map(a -> a.req().describe().replaceAll("\\d{8}", "#") + " " + java.util.Arrays.hashCode(
        a.req().body() == null ? null : new String(a.req().body(), java.nio.charset.StandardCharsets.UTF_8).replaceAll("\\d{8}", "#")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8))).toList();
  }

  @Test
  @Order(1)
  void json_nested_past_32_levels_is_refused_with_400_naming_the_field() {
    restClass("depth", Attacks::depth);
  }

  @Test
  @Order(2)
  void long_strings_huge_arrays_and_oversized_bodies_uris_and_headers() {
    restClass("size", Attacks::size);
  }

  @Test
  @Order(3)
  void every_field_of_every_body_with_a_wrong_type() {
    restClass("wrong-types", Attacks::wrongTypes);
  }

  @Test
  @Order(4)
  void required_fields_missing_and_empty_bodies() {
    restClass("missing-fields", Attacks::missing);
  }

  @Test
  @Order(5)
  void unknown_and_server_owned_keys_are_never_stored_and_change_no_privilege() {
    restClass("extra-fields", Attacks::extra);
  }

  @Test
  @Order(6)
  void broken_encodings_and_bodies_not_declared_json() {
    restClass("encodings", Attacks::encodings);
  }

  @Test
  @Order(7)
  void operator_keys_and_operator_style_query_parameters() {
    restClass("operator-keys", Attacks::operators);
  }

  @Test
  @Order(8)
  void ids_that_name_nothing_are_refused() {
    restClass("unknown-ids", Attacks::unknownIds);
  }

  // ------------------------------------------------------------------------------------------------------ webhook

  @Test
  @Order(20)
  void webhook_bodies_with_a_hostile_message_still_record_their_ordinary_one() {
    long seed = seedOf("webhook");
    Findings f = new Findings("webhook", seed);
    ensureHealthy(f, "before the webhook class");
    long started = System.nanoTime();
    String good = crm.support.Inbox.phone();
    List<WebhookAttacks.Body> bodies = new WebhookAttacks(new Gen(seed), good, crm.support.Inbox::phone).all();
    Map<String, List<WebhookAttacks.Body>> byCategory = new LinkedHashMap<>();
    for (String c : List.of("wrong-types", "operators", "context", "huge", "many", "deep")) byCategory.put(c, new java.util.ArrayList<>());
    for (WebhookAttacks.Body b : bodies) byCategory.computeIfAbsent(b.category(), k -> new java.util.ArrayList<>()).add(b);
    for (Map.Entry<String, List<WebhookAttacks.Body>> e : byCategory.entrySet()) {
      if (e.getKey().equals("deep")) {
        // one at a time: a body that takes the database down is named, and the application started afresh
        for (WebhookAttacks.Body b : e.getValue()) webhookRound(f, good, List.of(b), 6_000);
      } else {
        webhookRound(f, good, e.getValue(), 15_000);
      }
    }
    System.out.printf("[hostile] webhook: %d bodies, %d violation(s), %.1f s%n", bodies.size(), f.size(),
        (System.nanoTime() - started) / 1e9);
    f.assertNone();
  }

  /**
   * Posts the bodies signed; each must be answered 200, and once processed (bounded wait) the ordinary message of
   * each must be in the inbox (through the API), nothing may stay pending, and the server must still work.
   */
  private void webhookRound(Findings f, String goodPhone, List<WebhookAttacks.Body> bodies, long waitMs) {
    for (WebhookAttacks.Body b : bodies) {
      byte[] bytes = b.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Wire.Req req = new Wire.Req("webhook", "POST /webhooks/whatsapp", b.label(), io.vertx.core.http.HttpMethod.POST,
          "/webhooks/whatsapp", Wire.headers("Content-Type", "application/json",
          "X-Hub-Signature-256", crm.whatsapp.WebhookSignature.sign(crm.support.Wa.APP_SECRET, bytes)), bytes, "meta");
      Wire.Outcome out = env.wire.send(req.method(), req.uri(), req.headers(), bytes);
      if (out.status() != 200) f.request("a signed webhook of the right shape was not answered 200", req, out);
    }
    Set<String> wanted = new java.util.HashSet<>();
    for (WebhookAttacks.Body b : bodies) wanted.add(b.goodWamid());
    long deadline = System.nanoTime() + waitMs * 1_000_000L;
    Set<String> seen = inboxWamids(goodPhone);
    while (!seen.containsAll(wanted) && System.nanoTime() < deadline) {
      Env.sleep(150);
      seen = inboxWamids(goodPhone);
    }
    for (WebhookAttacks.Body b : bodies) {
      if (!seen.contains(b.goodWamid())) {
        f.add("the ordinary message of a body was not in the inbox " + waitMs / 1000 + " s later",
            "hostile part: " + b.label() + " [" + b.category() + "]; good message " + b.goodWamid() + "; body prefix "
                + Wire.shorten(b.json(), 300));
      }
    }
    // the conversation holding each hostile message must still open (an agent reads it next)
    for (WebhookAttacks.Body b : bodies) {
      Wire.Outcome list = env.wire.send(io.vertx.core.http.HttpMethod.GET, "/api/v2/conversations?search=" + b.hostilePhone(),
          Wire.headers("Authorization", "Bearer " + env.adminToken), null);
      JsonArray convs = list.json() == null ? null : list.json().getJsonArray("conversations");
      if (list.status() != 200 || convs == null) {
        f.add("the conversation list failed after a hostile webhook message", b.label() + " -> " + list.describe());
        continue;
      }
      for (Object c : convs) {
        String id = ((JsonObject) c).getString("_id");
        Wire.Outcome msgs = env.wire.send(io.vertx.core.http.HttpMethod.GET, "/api/v2/conversations/" + id + "/messages",
            Wire.headers("Authorization", "Bearer " + env.adminToken), null);
        if (msgs.status() != 200) {
          f.add("the conversation holding a hostile webhook message cannot be read", b.label() + ": GET /api/v2/conversations/" + id
              + "/messages -> " + msgs.describe());
        }
      }
    }
    String problem = unusable();
    if (problem != null) {
      f.add("server unusable after processing webhook bodies: application restarted", problem + "; bodies: "
          + bodies.stream().map(WebhookAttacks.Body::label).toList());
      restart();
      return;
    }
    // a body is removed once all of it is recorded (statuses and media jobs after the messages): bounded wait
    Wire.Outcome stats;
    Long pending;
    long until = System.nanoTime() + 15_000_000_000L;
    do {
      stats = env.wire.send(io.vertx.core.http.HttpMethod.GET, "/api/v2/whatsapp/stats",
          Wire.headers("Authorization", "Bearer " + env.adminToken), null);
      pending = stats.json() == null ? null : stats.json().getLong("webhooksPending");
      if (pending == null || pending == 0) break;
      Env.sleep(200);
    } while (System.nanoTime() < until);
    if (pending == null && statsBroken) return; // reported once, when it broke: what follows would only repeat it
    statsBroken = pending == null;
    if (pending == null || pending != 0) {
      f.add(pending == null ? "GET /api/v2/whatsapp/stats failed after webhook bodies"
              : "webhook bodies still pending 15 s after processing (neither recorded nor set aside)",
          (pending == null ? stats.describe() : pending + " pending") + " after bodies " + bodies.stream().map(WebhookAttacks.Body::label).toList());
      // what is left would fail the next rounds too: they start from an empty queue
      if (pending != null && pending > 0) {
        try {
          env.db.removeDocuments("webhook_events", new JsonObject()).await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** Whether GET /whatsapp/stats already failed in this application (reported once). */
  private static boolean statsBroken;

  /** The WhatsApp ids of every message of the customer's conversations, read through the API as the admin. */
  private static Set<String> inboxWamids(String phone) {
    Set<String> out = new java.util.HashSet<>();
    Wire.Outcome list = env.wire.send(io.vertx.core.http.HttpMethod.GET, "/api/v2/conversations?search=" + phone,
        Wire.headers("Authorization", "Bearer " + env.adminToken), null);
    if (list.status() != 200 || list.json() == null) return out;
    for (Object o : list.json().getJsonArray("conversations", new JsonArray())) {
      String id = ((JsonObject) o).getString("_id");
      for (int page = 1; page < 50; page++) {
        Wire.Outcome msgs = env.wire.send(io.vertx.core.http.HttpMethod.GET,
            "/api/v2/conversations/" + id + "/messages?limit=100&page=" + page, Wire.headers("Authorization", "Bearer " + env.adminToken), null);
        if (msgs.status() != 200 || msgs.json() == null) break;
        JsonArray arr = msgs.json().getJsonArray("messages", new JsonArray());
        for (Object m : arr) {
          String w = ((JsonObject) m).getString("whatsappMessageId");
          if (w != null) out.add(w);
        }
        if (arr.size() < 100) break;
      }
    }
    return out;
  }

  @Test
  @Order(21)
  void unsigned_or_badly_signed_webhooks_are_401_and_nothing_is_stored() {
    long seed = seedOf("webhook-signature");
    Findings f = new Findings("webhook-signature", seed);
    ensureHealthy(f, "before the signature class");
    String phone = crm.support.Inbox.phone();
    String wamid = crm.support.Inbox.wamid();
    byte[] body = crm.whatsapp.WebhookPayloads.text(Env.PHONE_ID, phone, "Forger", wamid, "forged", System.currentTimeMillis() / 1000)
        .encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String right = crm.whatsapp.WebhookSignature.sign(crm.support.Wa.APP_SECRET, body);
    byte[] other = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Map<String, String> signatures = new LinkedHashMap<>();
    signatures.put("no signature header", null);
    signatures.put("sha256= and 64 zeros", "sha256=" + "0".repeat(64));
    signatures.put("the signature of other bytes", crm.whatsapp.WebhookSignature.sign(crm.support.Wa.APP_SECRET, other));
    signatures.put("signed with another secret", crm.whatsapp.WebhookSignature.sign("not-the-app-secret", body));
    signatures.put("sha1= prefix", right.replace("sha256=", "sha1="));
    signatures.put("not hex", "sha256=" + "zz".repeat(32));
    signatures.put("empty", "");
    signatures.put("truncated", right.substring(0, right.length() - 2));
    signatures.put("10 KB", "sha256=" + "a".repeat(10_000));
    for (Map.Entry<String, String> s : signatures.entrySet()) {
      Wire.Req req = new Wire.Req("webhook-signature", "POST /webhooks/whatsapp", s.getKey(), io.vertx.core.http.HttpMethod.POST,
          "/webhooks/whatsapp", Wire.headers("Content-Type", "application/json", "X-Hub-Signature-256", s.getValue()), body, "forger");
      Attack a = new Attack(req, Expect.error(401, "AUTH_TOKEN_INVALID"));
      check(f, a, env.wire.send(req.method(), req.uri(), req.headers(), body));
    }
    byte[] tampered = body.clone();
    tampered[tampered.length - 3] ^= 1;
    Wire.Req req = new Wire.Req("webhook-signature", "POST /webhooks/whatsapp", "right signature, one byte changed",
        io.vertx.core.http.HttpMethod.POST, "/webhooks/whatsapp", Wire.headers("Content-Type", "application/json",
        "X-Hub-Signature-256", right), tampered, "forger");
    check(f, new Attack(req, Expect.error(401, "AUTH_TOKEN_INVALID")), env.wire.send(req.method(), req.uri(), req.headers(), tampered));
    // a signed body processed after them: had any forged one been stored, it would have been processed by now too
    String control = crm.support.Inbox.wamid();
    env.wa.post(crm.whatsapp.WebhookPayloads.text(Env.PHONE_ID, phone, "Control", control, "control", System.currentTimeMillis() / 1000));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!inboxWamids(phone).contains(control) && System.nanoTime() < deadline) Env.sleep(100);
    if (!inboxWamids(phone).contains(control)) f.add("a correctly signed control webhook was not recorded", control);
    if (inboxWamids(phone).contains(wamid) || !env.wa.find("messages", new JsonObject().put("whatsappMessageId", wamid)).isEmpty()) {
      f.add("a forged webhook's message was stored", wamid);
    }
    // the verification handshake with broken percent-encoding: 400 or 403, never 500
    for (String q : List.of("hub.mode=%zz", "hub.mode=subscribe&hub.verify_token=%zz&hub.challenge=1", "hub.challenge=%",
        "%zz=1", "hub.mode=subscribe&hub.verify_token=" + crm.support.Wa.VERIFY_TOKEN + "&hub.challenge=%E0%A4%A",
        "hub.mode=%00&hub.verify_token=%00")) {
      Wire.Req get = new Wire.Req("webhook-signature", "GET /webhooks/whatsapp", "verify with " + q, io.vertx.core.http.HttpMethod.GET,
          "/webhooks/whatsapp?" + q, Wire.headers(), null, "meta");
      check(f, new Attack(get, out -> out.status() == 400 || out.status() == 403 ? null : "expected 400 or 403"),
          env.wire.send(get.method(), get.uri(), get.headers(), null));
    }
    Wire.Outcome handshake = env.wire.send(io.vertx.core.http.HttpMethod.GET, "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token="
        + crm.support.Wa.VERIFY_TOKEN + "&hub.challenge=12345", Wire.headers(), null);
    if (handshake.status() != 200 || !handshake.text().equals("12345")) f.add("the right handshake no longer works", handshake.describe());
    f.assertNone();
  }

  // ------------------------------------------------------------------------------------------------------ sockets

  @Test
  @Order(30)
  void socket_packets_that_break_the_rules_get_an_error_ack_or_a_closed_connection() {
    long seed = seedOf("socket");
    Findings f = new Findings("socket", seed);
    ensureHealthy(f, "before the socket class");
    long started = System.nanoTime();
    crm.support.EioClient eio = crm.support.EioClient.socketIo(env.app);
    crm.support.EioClient.Ws observer = connectSocket(eio, env.adminToken);
    try {
      observer.send("42" + 1 + "[\"join:conversation\",{\"conversationId\":\"" + env.conversationId + "\"}]");
      String joined = awaitText(observer, t -> t.startsWith("431["), 10_000);
      if (joined == null || !joined.contains("\"success\":true")) f.add("the observer could not join the fixture conversation", String.valueOf(joined));
      List<SocketAttacks.Attack> attacks = new SocketAttacks(new Gen(seed), env.conversationId).all();
      crm.support.EioClient.Ws attacker = null;
      int closes = 0;
      for (SocketAttacks.Attack a : attacks) {
        if (attacker == null) attacker = connectSocket(eio, env.agent.token());
        long t0 = System.nanoTime();
        String problem = socketAttack(attacker, a, env.conversationId);
        long took = (System.nanoTime() - t0) / 1_000_000;
        if (took > 2_000) System.out.println("[hostile] socket attack took " + took + " ms: " + a.label() + " -> " + problem);
        if (problem != null && !problem.equals("closed")) f.add(problem, "seed " + seed + ": " + a.label() + " -> frames "
            + a.frames().stream().map(o -> o instanceof String str ? Wire.shorten(str, 160) : "<binary " + ((io.vertx.core.buffer.Buffer) o).length() + " bytes>").toList());
        if ("closed".equals(problem) || a.must() == SocketAttacks.Must.NOTHING) {
          closes++;
          attacker.close();
          attacker = null;
        }
      }
      if (attacker != null) attacker.close();
      // a flood: 2,000 joins of a conversation that does not exist, each asking for an ack, sent without waiting
      try (crm.support.EioClient.Ws flood = connectSocket(eio, env.agent.token())) {
        String nowhere = new Gen(seed).objectId();
        for (int i = 0; i < 2000; i++) flood.send("42" + (1000 + i) + "[\"join:conversation\",{\"conversationId\":\"" + nowhere + "\"}]");
        flood.send("42" + PROBE + "[\"leave:conversation\",{\"conversationId\":\"" + nowhere + "\"}]");
        long t0 = System.nanoTime();
        if (awaitText(flood, t -> t.startsWith("43" + PROBE + "["), 20_000) == null) {
          f.add("after a flood of 2,000 acked events the socket was neither answered within 20 s nor closed", "seed " + seed);
        }
        if ((System.nanoTime() - t0) / 1_000_000 > 10_000) f.add("a flood of 2,000 acked events took over 10 s to answer", "");
      } catch (AssertionError e) {
        // the server may close a flooding client: allowed
      }
      pollingAttacks(f, seed);
      // a fresh socket still connects, and the observer, connected all along, still gets the live events
      try (crm.support.EioClient.Ws fresh = connectSocket(eio, env.agent.token())) {
        fresh.send("42" + 2 + "[\"leave:conversation\",{\"conversationId\":\"" + env.conversationId + "\"}]");
        if (awaitText(fresh, t -> t.startsWith("432["), 10_000) == null) f.add("a fresh socket got no ack after the attacks", "");
      } catch (AssertionError e) {
        f.add("a fresh socket could not connect after the attacks", e.getMessage());
      }
      String marker = "after the socket attacks " + seed;
      env.wa.post(crm.whatsapp.WebhookPayloads.text(Env.PHONE_ID, env.customerPhone, "Fixture Customer", crm.support.Inbox.wamid(),
          marker, System.currentTimeMillis() / 1000));
      String event = awaitText(observer, t -> t.startsWith("42[\"conversation:new_message\"") && t.contains(marker), 15_000);
      if (event == null) f.add("the well-behaved socket connected all along no longer receives conversation:new_message", marker);
      String problem = unusable();
      if (problem != null) {
        f.add("server unusable after the socket attacks: application restarted", problem);
        restart();
      }
      System.out.printf("[hostile] socket: %d attacks, %d connections closed by the server or the namespace left, %d violation(s), %.1f s%n",
          attacks.size(), closes, f.size(), (System.nanoTime() - started) / 1e9);
    } finally {
      observer.close();
    }
    f.assertNone();
  }

  /** Engine.IO long-polling with broken sessions, payloads and parameters: never a 5xx, always an answer. */
  private static void pollingAttacks(Findings f, long seed) {
    crm.support.EioClient eio = crm.support.EioClient.socketIo(env.app);
    String sid = eio.openPolling().getString("sid");
    String base = "/socket.io/?EIO=4&transport=polling";
    List<String[]> requests = List.of(
        new String[] {"POST", base + "&sid=" + sid, "40" + new JsonObject().put("token", env.agent.token()).encode()},
        new String[] {"POST", base + "&sid=" + sid, "42[\"join:conversation\"," + Js.deepObject(600, "d", "1").text() + "]\u001e42["},
        new String[] {"POST", base + "&sid=" + sid, "4" + "\u001e".repeat(5000)},
        new String[] {"POST", base + "&sid=" + sid, "x".repeat(1_100_000)},
        new String[] {"POST", base + "&sid=doesnotexist000000000", "42[\"x\"]"},
        new String[] {"POST", base + "&sid=%zz", "42[\"x\"]"},
        new String[] {"GET", base + "&sid=%zz", null},
        new String[] {"GET", "/socket.io/?EIO=3&transport=polling", null},
        new String[] {"GET", "/socket.io/?EIO=4&transport=hostile", null},
        new String[] {"GET", "/socket.io/?EIO=%zz&transport=polling", null},
        new String[] {"GET", "/socket.io/?EIO=4&transport=polling&sid=" + "s".repeat(7000), null},
        new String[] {"POST", base, "40{}"},
        new String[] {"GET", base + "&sid=" + sid, null});
    for (String[] r : requests) {
      byte[] body = r[2] == null ? null : r[2].getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Wire.Req req = new Wire.Req("socket", r[0] + " /socket.io/", "polling " + Wire.shorten(r[1], 60),
          io.vertx.core.http.HttpMethod.valueOf(r[0]), r[1], body == null ? Wire.headers() : Wire.headers("Content-Type", "text/plain;charset=UTF-8"),
          body, "agent");
      Wire.Outcome out = env.wire.send(req.method(), req.uri(), req.headers(), body);
      if (!out.answered()) f.request("no answer within " + Wire.ANSWER_WITHIN_MS / 1000 + " s", req, out);
      else if (out.status() >= 500) f.request("5xx answer (" + out.status() + ")", req, out);
    }
  }

  /** A WebSocket connected to namespace / with a JWT (CONNECT answered with a sid). */
  private static crm.support.EioClient.Ws connectSocket(crm.support.EioClient eio, String token) {
    crm.support.EioClient.Ws ws = eio.webSocket("EIO=4&transport=websocket", null);
    String open = ws.nextText();
    if (!open.startsWith("0{")) throw new AssertionError("not an open packet: " + open);
    ws.send("40" + new JsonObject().put("token", token).encode());
    String connected = ws.nextText();
    if (!connected.startsWith("40{\"sid\":")) throw new AssertionError("CONNECT answered " + connected);
    return ws;
  }

  /** The first text message matching, answering pings, within the time (null if none came, or the socket closed). */
  private static String awaitText(crm.support.EioClient.Ws ws, java.util.function.Predicate<String> wanted, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    while (System.nanoTime() < deadline) {
      Object o;
      try {
        o = ws.next();
      } catch (AssertionError silence) {
        continue;
      }
      if (o == crm.support.EioClient.Ws.CLOSED) return null;
      if ("2".equals(o)) {
        ws.send("3");
        continue;
      }
      if (o instanceof String t && wanted.test(t)) return t;
    }
    return null;
  }

  private static final long PROBE = 424242;

  /**
   * Sends the attack's frames, then a probe (leave:conversation, answered at once) with its own ack id, and reads
   * until the probe's ack or the close: "closed", null when the rule held, else what went wrong. An ack of the
   * attack itself may come after the probe's (its handler may ask the bus): it is waited for a little longer.
   */
  private static String socketAttack(crm.support.EioClient.Ws ws, SocketAttacks.Attack a, String conversationId) {
    try {
      if (a.joinFirst()) {
        ws.send("428[\"join:conversation\",{\"conversationId\":\"" + conversationId + "\"}]");
        if (awaitText(ws, t -> t.startsWith("438["), 10_000) == null) return "closed";
      }
      for (Object frame : a.frames()) {
        if (frame instanceof String t) ws.send(t);
        else ws.send((io.vertx.core.buffer.Buffer) frame);
      }
    } catch (AssertionError e) {
      return "closed";
    }
    if (a.must() == SocketAttacks.Must.NOTHING) return null;
    String ackPrefix = a.ackId() == null || a.must() == SocketAttacks.Must.ALIVE_OR_CLOSE ? null : "43" + a.ackId() + "[";
    String attackAck = null;
    boolean probeAnswered = false;
    // probes (leave:conversation, answered at once) pace the wait: the attack's own ack may follow the first probe's,
    // since its handler may ask the bus; up to 6 probes, 250 ms apart
    for (int probe = 0; probe < 6 && (!probeAnswered || (ackPrefix != null && attackAck == null)); probe++) {
      if (probe > 0) Env.sleep(250);
      long id = PROBE + probe;
      try {
        ws.send("42" + id + "[\"leave:conversation\",{\"conversationId\":\"0123456789abcdef01234567\"}]");
      } catch (AssertionError e) {
        return "closed";
      }
      boolean answered = false;
      while (!answered) {
        Object o;
        try {
          o = ws.next();
        } catch (AssertionError silence) {
          break;
        }
        if (o == crm.support.EioClient.Ws.CLOSED) return "closed";
        if ("2".equals(o)) {
          ws.send("3");
          continue;
        }
        if (!(o instanceof String t)) continue;
        if (ackPrefix != null && t.startsWith(ackPrefix)) attackAck = t;
        if (t.startsWith("43" + id + "[")) answered = true;
      }
      if (!answered) break;
      probeAnswered = true;
    }
    if (!probeAnswered) return "the server neither answered a probe on the same socket within 10 s nor closed it (hung)";
    if (a.must() == SocketAttacks.Must.ALIVE_OR_CLOSE) return null;
    if (attackAck == null) return "no ack for a packet that asked for one, and the connection stays open";
    JsonArray args;
    try {
      args = new JsonArray(attackAck.substring(ackPrefix.length() - 1));
    } catch (RuntimeException e) {
      return "an ack that is not a JSON array: " + Wire.shorten(attackAck, 200);
    }
    JsonObject first = args.isEmpty() || !(args.getValue(0) instanceof JsonObject o) ? null : (JsonObject) args.getValue(0);
    if (first == null) return "an ack without an object: " + Wire.shorten(attackAck, 200);
    if (Boolean.TRUE.equals(first.getValue("success"))) {
      return a.must() == SocketAttacks.Must.ANY_ACK_OR_CLOSE ? null : "a hostile packet was acknowledged as a success: " + Wire.shorten(attackAck, 200);
    }
    JsonObject err = first.getJsonObject("error");
    if (!Boolean.FALSE.equals(first.getValue("success")) || err == null || !(err.getValue("code") instanceof String)) {
      return "an error ack not shaped {success:false, error:{code,...}}: " + Wire.shorten(attackAck, 200);
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------------------- runner

  private static long seedOf(String cls) {
    return SEED * 31 + cls.hashCode();
  }

  /** Sends every attack of one class, checking each answer; then what the class may have left behind. */
  private void restClass(String cls, Function<Attacks, List<Attack>> which) {
    long seed = seedOf(cls);
    Findings f = new Findings(cls, seed);
    ensureHealthy(f, "before the class");
    Supplier<List<Attack>> generate = () -> {
      Attacks a = new Attacks(env, new Routes(env), new Gen(seed), cls);
      a.refreshToken(env.freshSession().getString("refreshToken"));
      return which.apply(a);
    };
    List<Attack> attacks = generate.get();
    long started = System.nanoTime();
    DbSnapshot before = settle();
    Ledger ledger = new Ledger(env.sentinelWrites);
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    long slowest = 0;
    String slowestReq = "";
    for (int i = 0; i < attacks.size(); i++) {
      Attack a = attacks.get(i);
      Wire.Outcome out = send(a.req());
      statuses.merge(out.status(), 1, Integer::sum);
      if (out.millis() > slowest) {
        slowest = out.millis();
        slowestReq = a.req().method() + " " + Wire.shorten(a.req().uri(), 80) + " {" + a.req().mutation() + "}";
      }
      check(f, a, out);
      ledger.add(a.req(), out);
      boolean failed = !out.answered() || out.status() >= 500;
      boolean wrote = out.ok() && a.req().method() != io.vertx.core.http.HttpMethod.GET;
      String unusable = failed || (wrote && commitProblem() != null) ? unusable() : null;
      if (unusable != null) {
        f.request("server unusable afterwards (" + unusable + "): application restarted to go on", a.req(), out);
        if (unusable.contains("/ready still answered 200")) {
          f.request("GET /ready answered 200 while the database refused writes and reads", a.req(), out);
        }
        restart();
        attacks = generate.get();
        before = settle();
        ledger = new Ledger(env.sentinelWrites);
      }
    }
    afterClassChecks(f, before, ledger, "the class");
    System.out.printf("[hostile] %s: %d requests (%d accepted non-GET), statuses %s, %d violation(s), %.1f s; slowest %d ms: %s%n",
        cls, attacks.size(), ledger.accepted, statuses, f.size(), (System.nanoTime() - started) / 1e9, slowest, slowestReq);
    f.assertNone();
  }

  /**
   * Null when the server still works (its embedded database commits, a write, a read back, a login); else what failed,
   * and whether /ready still claimed to be ready (a readiness probe that says yes while every write fails is a defect
   * of its own).
   */
  static String unusable() {
    String commit = commitProblem();
    String problem = env.sentinelProblem();
    if (commit == null && problem == null) return null;
    String what = commit != null ? "the embedded database's commit failed (" + commit + ")" : "";
    if (problem != null) what += (what.isEmpty() ? "" : "; ") + problem;
    return what + (env.ready() ? "; GET /ready still answered 200" : "");
  }

  /**
   * Forces the embedded H2 store to commit now (the group commit the durable writes use). A poisoned document kills
   * the store when it is next committed, which H2 otherwise does on its own within about a second: forcing it names
   * the request that did it. Null when it committed (or nothing commits: the memory backend).
   */
  static String commitProblem() {
    try {
      env.app.vertx.eventBus().request(crm.bus.Addresses.STORAGE_SYNC, new JsonObject()).await(10, java.util.concurrent.TimeUnit.SECONDS);
      return null;
    } catch (io.vertx.core.eventbus.ReplyException e) {
      return e.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS ? null : e.getMessage();
    } catch (Exception e) {
      return e.toString();
    }
  }

  static Wire.Outcome send(Wire.Req req) {
    Map<String, String> headers = new LinkedHashMap<>(req.headers());
    String token = switch (req.actor()) {
      case "admin" -> env.adminToken;
      case "agent" -> env.agent.token();
      case "session" -> env.freshSession().getString("token");
      default -> null;
    };
    if (token != null) headers.put("Authorization", "Bearer " + token);
    return env.wire.send(req.method(), req.uri(), headers, req.body());
  }

  /** The checks every request gets, then its own expectation. */
  static void check(Findings f, Attack a, Wire.Outcome out) {
    if (!out.answered()) {
      f.request("no answer within " + Wire.ANSWER_WITHIN_MS / 1000 + " s", a.req(), out);
      return;
    }
    if (out.status() >= 500) {
      f.request("5xx answer (" + out.status() + ")", a.req(), out);
      return;
    }
    if (!out.ok()) {
      String p = Expect.envelopeProblem(out);
      if (p != null) f.request("refusal is not the error envelope: " + p, a.req(), out);
    }
    String e = a.expect().check(out);
    if (e != null) f.request(e, a.req(), out);
    if (out.ok() && a.req().route().equals("POST /auth/login")) {
      JsonObject agent = out.json() == null ? null : out.json().getJsonObject("agent");
      String role = agent == null ? null : agent.getString("role");
      String claimed = jwtRole(out.json() == null ? null : out.json().getString("token"));
      if (!"agent".equals(role) || !"agent".equals(claimed)) {
        f.request("login answered another role than the agent's (body role " + role + ", token role " + claimed + ")", a.req(), out);
      }
    }
  }

  private static String jwtRole(String token) {
    if (token == null || token.split("\\.").length < 2) return null;
    try {
      String payload = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8);
      return new JsonObject(payload).getString("role");
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * After a class (or the part of it before a restart): the database holds only what accepted requests explain, no
   * stored name is an operator or a path, no smuggled or wrong-typed marker was stored, nobody's privileges moved,
   * and the server still answers /ready, takes a write and a login.
   */
  private void afterClassChecks(Findings f, DbSnapshot before, Ledger ledger, String what) {
    if (before != null) {
      DbSnapshot after;
      try {
        after = settle();
      } catch (IllegalStateException e) {
        f.add("database unreadable after " + what, e.getMessage());
        after = null;
      }
      if (after != null) compare(f, before, after, ledger);
    }
    String problem = unusable();
    if (problem != null) {
      f.add("server unusable after " + what + ": application restarted", problem);
      restart();
    }
  }

  private static final Set<String> WATCHED_AGENT_FIELDS = Set.of("role", "permissions", "isActive", "tokensValidAfter", "passwordHash", "email");

  private void compare(Findings f, DbSnapshot before, DbSnapshot after, Ledger ledger) {
    for (DbSnapshot.Change c : before.diff(after)) {
      if (!ledger.explains(c)) {
        f.add("database changed where no accepted request explains it", c.describe());
        continue;
      }
      if (c.after() == null) continue;
      for (String bad : DbSnapshot.badNames(c.after())) f.add("stored an operator or dotted name", c.collection() + "/" + c.id() + ": " + bad);
      String text = c.after();
      String was = c.before() == null ? "" : c.before();
      for (String marker : List.of(Attacks.SMUGGLED, Attacks.SMUGGLED_ID, Attacks.SMUGGLED_DATE.substring(0, 10), "hostile_smuggled",
          "\"polluted\"")) {
        if (text.contains(marker) && !was.contains(marker)) f.add("stored a smuggled value (" + marker + ")", c.describe());
      }
      for (String marker : List.of(Attacks.WRONG, ":" + Attacks.WRONG_NUMBER)) {
        if (text.contains(marker) && !was.contains(marker)) f.add("stored a value of the wrong type (" + marker + ")", c.describe());
      }
    }
    // privileges: the admin, the agent, the sentinel and the sessions agent keep theirs; new agents are plain agents
    Map<String, String> ours = new HashMap<>();
    ours.put(env.adminId, "admin");
    ours.put(env.agent.id(), "agent");
    ours.put(env.sentinel.id(), "sentinel");
    ours.put(env.sessions.id(), "sessions");
    Map<String, String> was = before.docs.getOrDefault("agents", Map.of());
    Map<String, String> now = after.docs.getOrDefault("agents", Map.of());
    for (Map.Entry<String, String> e : ours.entrySet()) {
      JsonObject a = was.get(e.getKey()) == null ? null : new JsonObject(was.get(e.getKey()));
      JsonObject b = now.get(e.getKey()) == null ? null : new JsonObject(now.get(e.getKey()));
      if (a == null) continue;
      for (String field : WATCHED_AGENT_FIELDS) {
        Object x = a.getValue(field);
        Object y = b == null ? null : b.getValue(field);
        if (!java.util.Objects.equals(x, y)) {
          f.add("privileges changed", "agent " + e.getValue() + " (" + e.getKey() + ") field " + field + ": " + x + " -> " + y);
        }
      }
    }
    for (Map.Entry<String, String> e : now.entrySet()) {
      if (was.containsKey(e.getKey())) continue;
      JsonObject a = new JsonObject(e.getValue());
      JsonArray perms = a.getJsonArray("permissions", new JsonArray());
      if (!"agent".equals(a.getString("role")) || !env.agent.permissions().containsAll(perms.getList())) {
        f.add("a new agent with more than an agent's rights", Wire.shorten(e.getValue(), 400));
      }
    }
  }

  /** Two snapshots in a row that are the same (250 ms apart, at most 8 s): what the class started has finished. */
  static DbSnapshot settle() {
    DbSnapshot prev = DbSnapshot.take(env.db);
    long deadline = System.nanoTime() + 8_000_000_000L;
    while (true) {
      Env.sleep(250);
      DbSnapshot next = DbSnapshot.take(env.db);
      if (next.sameAs(prev)) return next;
      if (System.nanoTime() > deadline) {
        System.out.println("[hostile] database still changing after 8 s: " + prev.diff(next).stream()
            .map(c -> c.collection() + "/" + c.id() + " " + c.kind()).limit(10).toList());
        return next;
      }
      prev = next;
    }
  }

  private void ensureHealthy(Findings f, String when) {
    String problem;
    try {
      problem = env.sentinelProblem();
    } catch (RuntimeException e) {
      problem = e.toString();
    }
    if (problem != null) {
      System.out.println("[hostile] server unusable " + when + " (" + problem + "): starting a fresh application");
      restart();
    }
  }

  static void restart() {
    statsBroken = false;
    try {
      env.close();
    } catch (RuntimeException e) {
      // it was broken: that is why it is replaced
    }
    env = Env.start();
  }
}
