package crm.conversation;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static crm.support.Inbox.ids;
import static crm.support.Inbox.json;
import static crm.support.Inbox.values;
import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v2/conversations/:id/messages: pages (page 1 = the newest, oldest to newest within a page), the before and
 * after cursors, hasMore at both ends, and messages sharing one timestamp (WhatsApp gives seconds) walked without
 * skipping or repeating any.
 */
class ConversationMessagesTest {
  static final String BASE = "/api/v2/conversations";
  static TestApp app;
  static Inbox inbox;
  static String token;

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config());
    inbox = new Inbox(app);
    token = inbox.agent(app.adminToken(), "supervisor").token();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** A customer writes m1..mN, one second apart, ending 10 minutes ago; returns the stored messages in order. */
  static List<JsonObject> conversationOf(int n) {
    String phone = Inbox.phone();
    long base = Instant.now().getEpochSecond() - 600 - n;
    List<JsonObject> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(inbox.inbound(phone, "Paginas", "m" + i, base + i));
    inbox.awaitMessageCount(out.get(0).getString("conversationId"), n);
    return out;
  }

  static JsonObject page(String conversationId, String query) {
    return json(app.get(BASE + "/" + conversationId + "/messages" + (query.isEmpty() ? "" : "?" + query), token), 200);
  }

  static List<Object> contents(JsonObject page) {
    return values(page.getJsonArray("messages"), "content");
  }

  static String path(String conversationId) {
    return BASE + "/" + conversationId + "/messages";
  }

  // ---- pages

  @Test
  void page_one_holds_the_newest_messages_each_page_oldest_to_newest() {
    List<JsonObject> m = conversationOf(5);
    String conv = m.get(0).getString("conversationId");

    JsonObject all = page(conv, "");
    assertThat(contents(all)).containsExactly("m1", "m2", "m3", "m4", "m5");
    assertThat(all.getBoolean("hasMore")).isFalse();
    assertThat(all.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 1)
        .put("totalCount", 5).put("pageSize", 50).put("hasNext", false).put("hasPrev", false));

    JsonObject p1 = page(conv, "limit=2");
    JsonObject p2 = page(conv, "limit=2&page=2");
    JsonObject p3 = page(conv, "limit=2&page=3");
    JsonObject p4 = page(conv, "limit=2&page=4");
    assertThat(contents(p1)).containsExactly("m4", "m5");
    assertThat(contents(p2)).containsExactly("m2", "m3");
    assertThat(contents(p3)).containsExactly("m1");
    assertThat(contents(p4)).isEmpty();
    assertThat(List.of(p1, p2, p3, p4).stream().map(p -> p.getBoolean("hasMore")).toList()).containsExactly(true, true, false, false);
    assertThat(p1.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 3)
        .put("totalCount", 5).put("pageSize", 2).put("hasNext", true).put("hasPrev", false));
    assertThat(p3.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 3).put("totalPages", 3)
        .put("totalCount", 5).put("pageSize", 2).put("hasNext", false).put("hasPrev", true));
    // exactly the newest limit messages: no more is not "has more"
    assertThat(page(conv, "limit=5").getBoolean("hasMore")).isFalse();
    assertThat(page(conv, "limit=4").getBoolean("hasMore")).isTrue();
    assertThat(contents(page(conv, "limit=100"))).hasSize(5);

    // the spec's Message
    JsonObject first = all.getJsonArray("messages").getJsonObject(0);
    JsonObject stored = m.get(0);
    assertThat(first.getString("_id")).isEqualTo(stored.getString("_id")).matches("[0-9a-f]{24}");
    assertThat(first.getString("conversationId")).isEqualTo(conv);
    assertThat(first.getString("type")).isEqualTo("text");
    assertThat(first.getString("direction")).isEqualTo("inbound");
    assertThat(first.getString("status")).isEqualTo("delivered");
    assertThat(first.getString("whatsappMessageId")).isEqualTo(stored.getString("whatsappMessageId"));
    assertThat(first.getJsonObject("metadata")).isNotNull();
    assertThat(first.getString("timestamp")).isEqualTo(Mongo.instant(stored.getValue("timestamp")).toString()).endsWith("Z");
    assertThat(Instant.parse(first.getString("timestamp")).getNano()).isZero(); // WhatsApp's seconds, kept as they were
    assertThat(first.containsKey("state")).as("internal state").isFalse();
    assertThat(first.containsKey("customerId")).isFalse();
  }

  @Test
  void limit_and_page_are_checked() {
    String conv = conversationOf(1).get(0).getString("conversationId");
    for (String[] c : new String[][] {{"limit=101", "limit"}, {"limit=0", "limit"}, {"limit=x", "limit"}, {"page=0", "page"},
        {"page=-2", "page"}}) {
      assertFieldError(app.get(path(conv) + "?" + c[0], token), 400, "VALIDATION_FAILED", path(conv), c[1]);
    }
    assertThat(page(conv, "limit=100").getJsonObject("pagination").getInteger("pageSize")).isEqualTo(100);
    assertError(app.get(path("0123456789abcdef01234567"), token), 404, "CONVERSATION_NOT_FOUND", path("0123456789abcdef01234567"));
  }

  // ---- cursors

  @Test
  void before_is_older_than_the_cursor_and_after_is_newer() {
    List<JsonObject> m = conversationOf(5);
    String conv = m.get(0).getString("conversationId");
    String[] id = m.stream().map(x -> x.getString("_id")).toArray(String[]::new); // id[0] = m1

    JsonObject b = page(conv, "before=" + id[2]);
    assertThat(contents(b)).containsExactly("m1", "m2");
    assertThat(b.getBoolean("hasMore")).isFalse();
    assertThat(b.getJsonObject("pagination").getLong("totalCount")).isEqualTo(5);
    b = page(conv, "before=" + id[4] + "&limit=2");
    assertThat(contents(b)).containsExactly("m3", "m4");
    assertThat(b.getBoolean("hasMore")).isTrue();
    b = page(conv, "before=" + id[2] + "&limit=2");
    assertThat(contents(b)).containsExactly("m1", "m2");
    assertThat(b.getBoolean("hasMore")).as("nothing older than m1").isFalse();
    b = page(conv, "before=" + id[0]);
    assertThat(contents(b)).isEmpty();
    assertThat(b.getBoolean("hasMore")).isFalse();

    JsonObject a = page(conv, "after=" + id[1]);
    assertThat(contents(a)).containsExactly("m3", "m4", "m5");
    assertThat(a.getBoolean("hasMore")).isFalse();
    assertThat(a.getJsonObject("pagination").getLong("totalCount")).isEqualTo(5);
    a = page(conv, "after=" + id[0] + "&limit=2");
    assertThat(contents(a)).containsExactly("m2", "m3");
    assertThat(a.getBoolean("hasMore")).isTrue();
    a = page(conv, "after=" + id[2] + "&limit=2");
    assertThat(contents(a)).containsExactly("m4", "m5");
    assertThat(a.getBoolean("hasMore")).as("nothing newer than m5").isFalse();
    a = page(conv, "after=" + id[4]);
    assertThat(contents(a)).isEmpty();
    assertThat(a.getBoolean("hasMore")).isFalse();

    // an agent's reply (timestamp now, milliseconds) comes after every customer message
    JsonObject sent = json(app.post(BASE + "/" + conv + "/messages", token, new JsonObject().put("content", "Claro, señora 👍")), 201);
    String replyId = sent.getJsonObject("message").getString("_id");
    a = page(conv, "after=" + id[4]);
    assertThat(ids(a.getJsonArray("messages"))).containsExactly(replyId);
    assertThat(a.getJsonObject("pagination").getLong("totalCount")).isEqualTo(6);
    assertThat(contents(page(conv, "before=" + replyId + "&limit=1"))).containsExactly("m5");
    assertThat(contents(page(conv, "limit=2"))).containsExactly("m5", "Claro, señora 👍");
  }

  @Test
  void bad_cursors() {
    List<JsonObject> m = conversationOf(2);
    String conv = m.get(0).getString("conversationId");
    String otherId = conversationOf(1).get(0).getString("_id"); // a message of another conversation
    String p = path(conv);
    String id = m.get(0).getString("_id");

    assertFieldError(app.get(p + "?before=" + id + "&after=" + id, token), 400, "VALIDATION_FAILED", p, "before");
    assertFieldError(app.get(p + "?before=nope", token), 400, "VALIDATION_FAILED", p, "before");
    assertFieldError(app.get(p + "?after=nope", token), 400, "VALIDATION_FAILED", p, "after");
    for (String cursor : List.of("before", "after")) {
      assertError(app.get(p + "?" + cursor + "=0123456789abcdef01234567", token), 404, "RESOURCE_NOT_FOUND", p);
      assertError(app.get(p + "?" + cursor + "=" + otherId, token), 404, "RESOURCE_NOT_FOUND", p);
    }
  }

  // ---- one timestamp, many messages

  /** Pages backwards from the newest with {@code before}; returns the ids oldest first, checking hasMore on each page. */
  static List<String> walkBackward(String conv, int limit) {
    List<List<String>> pages = new ArrayList<>();
    JsonObject page = page(conv, "limit=" + limit);
    while (true) {
      List<String> ids = ids(page.getJsonArray("messages"));
      pages.add(ids);
      assertThat(pages.size()).as("walk ends").isLessThan(50);
      if (!page.getBoolean("hasMore")) break;
      assertThat(ids).as("a page with more behind it is full").hasSize(limit);
      page = page(conv, "limit=" + limit + "&before=" + ids.get(0));
    }
    Collections.reverse(pages);
    return pages.stream().flatMap(List::stream).toList();
  }

  /** Pages forwards with {@code after} from the oldest message; returns the ids oldest first. */
  static List<String> walkForward(String conv, String oldestId, int limit) {
    List<String> out = new ArrayList<>(List.of(oldestId));
    String cursor = oldestId;
    for (int i = 0; ; i++) {
      assertThat(i).as("walk ends").isLessThan(50);
      JsonObject page = page(conv, "limit=" + limit + "&after=" + cursor);
      List<String> ids = ids(page.getJsonArray("messages"));
      out.addAll(ids);
      if (!page.getBoolean("hasMore")) break;
      assertThat(ids).hasSize(limit);
      cursor = ids.get(ids.size() - 1);
    }
    return out;
  }

  /** All pages by number, oldest first. */
  static List<String> walkPages(String conv, int limit) {
    List<List<String>> pages = new ArrayList<>();
    for (int n = 1; ; n++) {
      JsonObject page = page(conv, "limit=" + limit + "&page=" + n);
      pages.add(ids(page.getJsonArray("messages")));
      if (!page.getBoolean("hasMore")) break;
    }
    Collections.reverse(pages);
    return pages.stream().flatMap(List::stream).toList();
  }

  @Test
  void seven_messages_in_one_second_are_neither_skipped_nor_repeated_by_cursors() {
    String phone = Inbox.phone();
    long t = Instant.now().getEpochSecond() - 300;
    JsonObject before = inbox.inbound(phone, "Rafaga", "antes", t - 60);
    List<String> burst = IntStream.rangeClosed(1, 7).mapToObj(i -> "s" + i).toList();
    List<JsonObject> stored = inbox.inboundBatch(phone, "Rafaga", burst, t);
    JsonObject after = inbox.inbound(phone, "Rafaga", "despues", t + 60);
    String conv = before.getString("conversationId");
    inbox.awaitMessageCount(conv, 9);
    stored.forEach(s -> assertThat(s.getString("conversationId")).isEqualTo(conv));

    List<String> expected = new ArrayList<>();
    expected.add(before.getString("_id"));
    stored.forEach(s -> expected.add(s.getString("_id")));
    expected.add(after.getString("_id"));
    assertThat(contents(page(conv, "limit=100"))).containsExactly("antes", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "despues");
    assertThat(ids(page(conv, "limit=100").getJsonArray("messages"))).containsExactlyElementsOf(expected);

    for (int limit = 1; limit <= 4; limit++) {
      assertThat(walkBackward(conv, limit)).as("before, limit %d", limit).containsExactlyElementsOf(expected);
      assertThat(walkForward(conv, expected.get(0), limit)).as("after, limit %d", limit).containsExactlyElementsOf(expected);
      assertThat(walkPages(conv, limit)).as("pages, limit %d", limit).containsExactlyElementsOf(expected);
    }
    // a cursor in the middle of the burst
    assertThat(contents(page(conv, "limit=2&before=" + stored.get(3).getString("_id")))).containsExactly("s2", "s3");
    assertThat(contents(page(conv, "limit=2&after=" + stored.get(3).getString("_id")))).containsExactly("s5", "s6");
    assertThat(contents(page(conv, "before=" + stored.get(0).getString("_id")))).containsExactly("antes");
    assertThat(contents(page(conv, "after=" + stored.get(6).getString("_id")))).containsExactly("despues");
  }

  @Test
  void same_second_messages_from_separate_webhooks_walk_the_same_as_the_full_list() {
    String phone = Inbox.phone();
    long t = Instant.now().getEpochSecond() - 200;
    List<String> wamids = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      String w = Inbox.wamid();
      wamids.add(w);
      assertThat(inbox.wa.post(WebhookPayloads.text(Inbox.PHONE_ID, phone, "Separados", w, "p" + i, t)).statusCode()).isEqualTo(200);
    }
    List<String> storedIds = wamids.stream().map(w -> inbox.stored(w).getString("_id")).toList();
    String conv = inbox.stored(wamids.get(0)).getString("conversationId");
    inbox.awaitMessageCount(conv, 7);

    List<String> full = ids(page(conv, "limit=100").getJsonArray("messages"));
    assertThat(full).containsExactlyInAnyOrderElementsOf(storedIds);
    for (int limit = 1; limit <= 3; limit++) {
      assertThat(walkBackward(conv, limit)).as("before, limit %d", limit).containsExactlyElementsOf(full);
      assertThat(walkForward(conv, full.get(0), limit)).as("after, limit %d", limit).containsExactlyElementsOf(full);
      assertThat(walkPages(conv, limit)).as("pages, limit %d", limit).containsExactlyElementsOf(full);
    }
  }

  /**
   * Messages are numbered per conversation and read through those numbers; numbers reserved and never used (a
   * duplicate webhook, a crash between reserving and inserting) leave gaps, small and large, that pages, the skip
   * of page=N and both cursors step over without losing or repeating a message.
   */
  @Test
  void gaps_in_the_numbering_lose_and_repeat_nothing() {
    String phone = Inbox.phone();
    long base = Instant.now().getEpochSecond() - 900;
    List<String> sent = new ArrayList<>();
    String conv = null;
    int[] gapsAfter = {0, 2, 0, 500, 0, 1}; // numbers skipped after message i
    for (int i = 1; i <= 6; i++) {
      JsonObject m = inbox.inbound(phone, "Huecos", "g" + i, base + i);
      conv = m.getString("conversationId");
      inbox.awaitMessageCount(conv, i);
      sent.add("g" + i);
      if (gapsAfter[i - 1] > 0) {
        long seq = inbox.doc("conversations", conv).getLong("messageSeq");
        inbox.set("conversations", conv, new JsonObject().put("messageSeq", seq + gapsAfter[i - 1]));
      }
    }
    assertThat(inbox.doc("conversations", conv).getLong("messageSeq")).isEqualTo(6 + 2 + 500 + 1);
    assertThat(contents(page(conv, ""))).containsExactlyElementsOf(sent);

    // pages by page=N (skip): the gaps make numbers and counts differ, so they are read by scan, exactly
    List<Object> byPages = new ArrayList<>();
    for (int p = 3; p >= 1; p--) byPages.addAll(contents(page(conv, "limit=2&page=" + p)));
    assertThat(byPages).containsExactlyElementsOf(sent);

    // before, from the newest page down, one at a time: crosses the gap of 500 (beyond the widening windows)
    JsonObject p = page(conv, "limit=1");
    List<Object> down = new ArrayList<>(contents(p));
    while (p.getBoolean("hasMore")) {
      p = page(conv, "limit=1&before=" + p.getJsonArray("messages").getJsonObject(0).getString("_id"));
      down.addAll(0, contents(p));
    }
    assertThat(down).containsExactlyElementsOf(sent);

    // after, from the oldest up, two at a time
    String oldest = page(conv, "limit=6").getJsonArray("messages").getJsonObject(0).getString("_id");
    List<Object> up = new ArrayList<>(List.of("g1"));
    JsonObject q;
    String cursor = oldest;
    do {
      q = page(conv, "limit=2&after=" + cursor);
      up.addAll(contents(q));
      if (!q.getJsonArray("messages").isEmpty()) {
        cursor = q.getJsonArray("messages").getJsonObject(q.getJsonArray("messages").size() - 1).getString("_id");
      }
    } while (q.getBoolean("hasMore"));
    assertThat(up).containsExactlyElementsOf(sent);
    assertThat(page(conv, "").getJsonObject("pagination").getInteger("totalCount")).isEqualTo(6);
  }
}
