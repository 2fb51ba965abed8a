package crm.hostile;

import crm.hostile.Js.Raw;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Signed WhatsApp webhook bodies of the right shape ({@code object: whatsapp_business_account}, entry, changes,
 * value, messages) that each hold one hostile message (or status) next to one ordinary text message from another
 * customer: every message type of the fixtures, an unknown type and a referral, with payloads of the wrong type,
 * nested 600 deep, huge strings, operator objects and $-/dotted names, broken contexts, and statuses of the wrong
 * types. The ordinary message of every body must reach the inbox whatever its neighbour does.
 */
final class WebhookAttacks {
  /** One body: its hostile part (for the report), the good message's id and text, and the JSON text to sign. */
  record Body(String category, String label, String goodWamid, String goodText, String hostilePhone, String json) {}

  static final int DEEP = 600;
  static final List<String> TYPES = List.of("text", "image", "audio", "document", "video", "sticker", "location", "contacts",
      "interactive", "button", "reaction", "order", "system");

  private final Gen gen;
  private final String goodPhone;
  private final java.util.function.Supplier<String> phones;
  /** Each body's hostile message comes from a customer of its own (the first message of a new conversation). */
  private String hostilePhone;
  private final List<Body> out = new ArrayList<>();
  private int n;

  WebhookAttacks(Gen gen, String goodPhone, java.util.function.Supplier<String> phones) {
    this.gen = gen;
    this.goodPhone = goodPhone;
    this.phones = phones;
    this.hostilePhone = phones.get();
  }

  /** A fixture's first message as a tree, from the hostile customer, with a fresh id. */
  private Map<String, Object> message(String fixture) {
    JsonObject m = Wa.fixture(fixture).getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
        .getJsonObject("value").getJsonArray("messages").getJsonObject(0);
    Map<String, Object> t = Js.obj(m);
    t.put("from", hostilePhone);
    t.put("id", "wamid.HOSTILE" + UUID.nameUUIDFromBytes(("h" + gen.seed + "-" + (n++)).getBytes()).toString().replace("-", ""));
    t.put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    return t;
  }

  private static String fixtureOf(String type) {
    return type;
  }

  private void add(String category, String label, Object hostileMessage, Object hostileStatus) {
    int i = n++;
    String wamid = "wamid.GOOD" + UUID.nameUUIDFromBytes(("g" + gen.seed + "-" + i).getBytes()).toString().replace("-", "");
    String text = "good message " + i + " next to: " + label;
    Map<String, Object> good = new LinkedHashMap<>();
    good.put("from", goodPhone);
    good.put("id", wamid);
    good.put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    good.put("type", "text");
    good.put("text", Map.of("body", text));
    List<Object> messages = new ArrayList<>();
    if (hostileMessage != null) messages.add(hostileMessage);
    // the good message after the hostile one in most bodies, before it in every third
    if (i % 3 == 0) messages.add(0, good);
    else messages.add(good);
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("messaging_product", "whatsapp");
    value.put("metadata", Map.of("display_phone_number", "15550001111", "phone_number_id", Env.PHONE_ID));
    value.put("contacts", List.of(Map.of("profile", Map.of("name", "Good Customer"), "wa_id", goodPhone),
        Map.of("profile", Map.of("name", "Hostile Customer"), "wa_id", hostilePhone)));
    value.put("messages", messages);
    if (hostileStatus != null) value.put("statuses", List.of(hostileStatus));
    Map<String, Object> change = new LinkedHashMap<>();
    change.put("value", value);
    change.put("field", "messages");
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", "WABA_ID");
    entry.put("changes", List.of(change));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("object", "whatsapp_business_account");
    body.put("entry", List.of(entry));
    out.add(new Body(category, label, wamid, text, hostilePhone, Js.write(body)));
    hostilePhone = phones.get();
  }

  /** A body whose messages are {@code hostile} plus the good one, and whose statuses are {@code statuses}. */
  private void addMany(String label, List<Object> hostile, List<Object> statuses) {
    add("many", label, null, null);
    Body b = out.remove(out.size() - 1);
    Map<String, Object> good = new LinkedHashMap<>();
    good.put("from", goodPhone);
    good.put("id", b.goodWamid());
    good.put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    good.put("type", "text");
    good.put("text", Map.of("body", b.goodText()));
    List<Object> messages = new ArrayList<>(hostile);
    messages.add(messages.size() / 2, good);
    String json = b.json().replaceFirst(java.util.regex.Pattern.quote("\"messages\":[") + "[^\\]]*\\]",
        java.util.regex.Matcher.quoteReplacement("\"messages\":" + Js.write(messages) + ",\"statuses\":" + Js.write(statuses)));
    out.add(new Body(b.category(), b.label(), b.goodWamid(), b.goodText(), b.hostilePhone(), json));
  }

  private void addMessage(String category, String label, Map<String, Object> m) {
    add(category, label, m, null);
  }

  static Raw deep(int n) {
    return Js.deepObject(n, "d", "\"leaf\"");
  }

  /** Every hostile body, grouped by category; deep ones come in a category of their own (sent one at a time). */
  List<Body> all() {
    List<String> types = new ArrayList<>(TYPES);
    types.add("unsupported"); // Meta's own unknown type (errors array)
    for (String t : types) {
      String payloadKey = t.equals("unsupported") ? "errors" : t;
      // the payload of the wrong JSON type
      for (Object wrong : new Object[] {13371337, "just a string", List.of("a", 1), null, true, Map.of()}) {
        Map<String, Object> m = message(fixtureOf(t));
        m.put(payloadKey, Js.tree(wrong));
        addMessage("wrong-types", t + " payload " + Js.write(wrong), m);
      }
      // each field of the payload of another type (an object, an array, a number, by turns)
      Map<String, Object> base = message(fixtureOf(t));
      if (base.get(payloadKey) instanceof Map<?, ?> payload) {
        int k = 0;
        for (Object key : payload.keySet()) {
          Object wrong = switch (k++ % 3) {
            case 0 -> Map.of("hostile", "object");
            case 1 -> List.of(1, "two", Map.of());
            default -> -1.5e300;
          };
          Map<String, Object> m = message(fixtureOf(t));
          @SuppressWarnings("unchecked") Map<String, Object> p = (Map<String, Object>) m.get(payloadKey);
          p.put(String.valueOf(key), Js.tree(wrong));
          addMessage("wrong-types", t + "." + key + " = " + Js.write(wrong), m);
        }
        // operator objects and $-/dotted names inside the payload (kept as metadata for several types)
        Map<String, Object> m = message(fixtureOf(t));
        @SuppressWarnings("unchecked") Map<String, Object> p = (Map<String, Object>) m.get(payloadKey);
        p.put("$set", Map.of("isBlocked", true));
        p.put("a.b", "dotted");
        p.put("id", Map.of("$gt", ""));
        addMessage("operators", t + " payload with $set, a.b and id {$gt}", m);
        // huge strings in every string field of the payload
        Map<String, Object> h = message(fixtureOf(t));
        @SuppressWarnings("unchecked") Map<String, Object> hp = (Map<String, Object>) h.get(payloadKey);
        String big = gen.hostileText(200_000);
        for (Map.Entry<String, Object> e : hp.entrySet()) if (e.getValue() instanceof String) e.setValue(big);
        addMessage("huge", t + " payload strings of 200k chars", h);
      }
      // nested 600 deep: the whole payload, and inside it
      Map<String, Object> d1 = message(fixtureOf(t));
      d1.put(payloadKey, deep(DEEP));
      addMessage("deep", t + " payload nested " + DEEP, d1);
      if (base.get(payloadKey) instanceof Map<?, ?>) {
        Map<String, Object> d2 = message(fixtureOf(t));
        @SuppressWarnings("unchecked") Map<String, Object> p = (Map<String, Object>) d2.get(payloadKey);
        p.put("hostileDeep", Js.deepArray(DEEP, "1"));
        addMessage("deep", t + " payload holding an array nested " + DEEP, d2);
      }
    }
    // an unknown type, and a referral
    Map<String, Object> unknown = message("text");
    unknown.remove("text");
    unknown.put("type", "hostile_unknown_type");
    unknown.put("hostile_unknown_type", Map.of("x", 1));
    addMessage("wrong-types", "unknown type", unknown);
    Map<String, Object> unknownDeep = message("text");
    unknownDeep.remove("text");
    unknownDeep.put("type", "hostile_unknown_type");
    unknownDeep.put("hostile_unknown_type", deep(DEEP));
    addMessage("deep", "unknown type with a payload nested " + DEEP, unknownDeep);
    Map<String, Object> unknownOps = message("text");
    unknownOps.remove("text");
    unknownOps.put("type", "hostile_unknown_type");
    unknownOps.put("hostile_unknown_type", Map.of("$where", "1", "x.y", 2));
    addMessage("operators", "unknown type with $where and x.y names", unknownOps);
    // just under the JSON parser's own limit (1000): deep enough to overflow a stack even once the code is compiled
    for (String t : List.of("order", "contacts")) {
      Map<String, Object> m = message(t);
      m.put(t, t.equals("contacts") ? List.of(Map.of("name", deep(990))) : deep(990));
      addMessage("deep", t + " payload nested 990", m);
    }
    Map<String, Object> unknown990 = message("text");
    unknown990.remove("text");
    unknown990.put("type", "hostile_unknown_type");
    unknown990.put("hostile_unknown_type", deep(990));
    addMessage("deep", "unknown type with a payload nested 990", unknown990);
    Map<String, Object> referral990 = message("referral");
    referral990.put("referral", deep(990));
    addMessage("deep", "referral nested 990", referral990);
    Map<String, Object> referralDeep = message("referral");
    referralDeep.put("from", hostilePhone);
    referralDeep.put("referral", deep(DEEP));
    addMessage("deep", "referral nested " + DEEP, referralDeep);
    Map<String, Object> referralInner = message("referral");
    @SuppressWarnings("unchecked") Map<String, Object> ref = (Map<String, Object>) referralInner.get("referral");
    ref.put("source_url", deep(DEEP));
    addMessage("deep", "referral.source_url nested " + DEEP, referralInner);
    for (Object wrong : new Object[] {"string", 7, List.of(1), Map.of("$gt", ""), Map.of("a.b", 1)}) {
      Map<String, Object> r = message("referral");
      r.put("referral", Js.tree(wrong));
      addMessage(wrong instanceof Map ? "operators" : "wrong-types", "referral = " + Js.write(wrong), r);
    }
    for (String where : List.of("identity", "errors", "context", "hostileExtra")) {
      Map<String, Object> m = message("text");
      m.put(where, deep(DEEP));
      addMessage("deep", where + " nested " + DEEP, m);
    }
    // context without a string id
    for (Object ctx : new Object[] {Map.of("id", 12345), Map.of("id", Map.of("$gt", "")), Map.of("from", "15551234567"),
        singleton("id", null), Map.of("id", List.of("wamid.x")), Map.of("id", true), "a string", List.of(), 42,
        Map.of("id", "wamid.x", "referred_product", "not an object"), Map.of("id", "wamid.x", "forwarded", "yes")}) {
      Map<String, Object> m = message("text");
      m.put("context", Js.tree(ctx));
      addMessage("context", "context " + Js.write(ctx), m);
    }
    // message-level fields of the wrong type, operators as ids, phones and names
    Object[][] fields = {
        {"id", 12345}, {"id", Map.of("$gt", "")}, {"id", List.of("wamid.a")}, {"id", ""},
        {"from", singleton("$ne", null)}, {"from", 5219991234567L}, {"from", List.of(hostilePhone)}, {"from", "not a phone"}, {"from", ""},
        {"timestamp", Map.of("$gt", 0)}, {"timestamp", "-1"}, {"timestamp", "99999999999999999999"}, {"timestamp", 1.5},
        {"type", 7}, {"type", Map.of("$ne", "text")}, {"type", List.of("text")}, {"type", null}};
    for (Object[] f : fields) {
      Map<String, Object> m = message("text");
      m.put((String) f[0], Js.tree(f[1]));
      addMessage(f[1] instanceof Map ? "operators" : "wrong-types", f[0] + " = " + Js.write(f[1]), m);
    }
    // one body holding thousands of hostile messages (of every type, the wrong payloads among them) and statuses
    List<Object> many = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String t = TYPES.get(i % TYPES.size());
      Map<String, Object> m = message(t);
      if (i % 4 == 1) m.put(t, List.of(i));
      if (i % 4 == 2) m.put("context", Map.of("id", i));
      many.add(m);
    }
    List<Object> manyStatuses = new ArrayList<>();
    for (int i = 0; i < 300; i++) manyStatuses.add(status());
    addMany("1000 messages of every type and 300 statuses in one body", many, manyStatuses);
    Map<String, Object> hugeId = message("text");
    hugeId.put("id", "wamid." + "i".repeat(200_000));
    addMessage("huge", "a 200k-char message id", hugeId);
    Map<String, Object> hugeFrom = message("text");
    hugeFrom.put("from", "5".repeat(100_000));
    addMessage("huge", "a 100k-digit phone", hugeFrom);
    // statuses of the wrong types (with the good message beside them)
    Object[][] statuses = {
        {"id", 123}, {"id", Map.of("$gt", "")}, {"status", singleton("$ne", null)}, {"status", 5}, {"status", "HOSTILE"},
        {"timestamp", List.of(1)}, {"recipient_id", Map.of("$where", "1")}, {"errors", "not an array"},
        {"errors", List.of(Map.of("code", Map.of("$gt", ""), "title", 5))}, {"conversation", "string"}, {"pricing", 9}};
    for (Object[] s : statuses) {
      Map<String, Object> st = status();
      st.put((String) s[0], Js.tree(s[1]));
      add(s[1] instanceof Map ? "operators" : "wrong-types", "status with " + s[0] + " = " + Js.write(s[1]), null, st);
    }
    for (String where : List.of("conversation", "pricing", "errors")) {
      Map<String, Object> st = status();
      st.put(where, where.equals("errors") ? List.of(Map.of("code", 1, "error_data", deep(DEEP))) : deep(DEEP));
      add("deep", "status with " + where + " nested " + DEEP, null, st);
    }
    Map<String, Object> ops = status();
    ops.put("conversation", Map.of("$set", Map.of("x", 1), "id.x", "y"));
    add("operators", "status conversation with $set and id.x names", null, ops);
    return out;
  }

  private Map<String, Object> status() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("id", "wamid.HOSTILESTATUS" + (n++));
    s.put("status", "delivered");
    s.put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    s.put("recipient_id", hostilePhone);
    return s;
  }

  private static Map<String, Object> singleton(String k, Object v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k, v);
    return m;
  }

  static JsonArray ids(List<Body> bodies) {
    JsonArray a = new JsonArray();
    for (Body b : bodies) a.add(b.goodWamid());
    return a;
  }
}
