package crm.hostile;

import crm.hostile.Js.Raw;
import crm.hostile.Js.Slot;
import crm.hostile.Routes.Route;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import crm.support.TestApp;

/**
 * The hostile requests of each class, generated for every route of the router from its base body, the same for the
 * same seed. Every request is sent as the admin; the first few of each route (and the privilege probes) also as the
 * plain agent. Each carries what it must get back beyond the common checks.
 */
final class Attacks {
  record Attack(Wire.Req req, Expect expect) {}

  static final int[] DEPTHS = {33, 100, 600, 5000};
  static final String SMUGGLED = "HOSTILE-SMUGGLED";
  static final String SMUGGLED_ID = "0000000000000000000bad01";
  static final String SMUGGLED_DATE = "1999-01-01T00:00:00Z";
  static final String WRONG = "HOSTILE-WRONG-TYPE";
  static final int WRONG_NUMBER = 13371337;
  /** Fields whose value is free-form JSON by design (anything inside is legitimately kept). */
  static final Set<String> FREE_FORM = Set.of("customFields", "templateParams", "metadata");
  static final int AS_AGENT_PER_ROUTE = 2;

  private final Env env;
  private final Routes routes;
  private final Gen gen;
  private final String cls;
  private final List<Attack> out = new ArrayList<>();
  private final Map<String, Integer> agentCopies = new LinkedHashMap<>();
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  Attacks(Env env, Routes routes, Gen gen, String cls) {
    this.env = env;
    this.routes = routes;
    this.gen = gen;
    this.cls = cls;
  }

  // ------------------------------------------------------------------------------------------------- building blocks

  private String unique() {
    // 8 digits, distinct in this JVM, the same sequence for the same seed
    return String.format("%08d", (int) ((gen.seed & 0x3fff) * 1000 + UNIQUE.incrementAndGet()) % 100_000_000);
  }

  private Map<String, Object> base(Route r) {
    Map<String, Object> b = routes.base(r);
    if (r.key().equals("POST /auth/refresh")) b.put("refreshToken", refreshToken);
    return b;
  }

  private String refreshToken = "none";

  /** Who sends a route's requests as "admin": logout needs a live session of its own each time. */
  private static String adminActor(Route r) {
    return r.key().equals("POST /auth/logout") ? "session" : r.isPublic() ? "none" : "admin";
  }

  private static Map<String, String> jsonHeaders() {
    return Wire.headers("Content-Type", "application/json");
  }

  /** Adds the attack as the admin, and as the plain agent for the first few of each route (or when {@code asAgent}). */
  private void add(Route r, String mutation, String uri, Map<String, String> headers, byte[] body, Expect expect, boolean asAgent) {
    out.add(new Attack(new Wire.Req(cls, r.key(), mutation, r.method(), uri, headers, fresh(body), adminActor(r)), expect));
    if (r.isPublic() || r.key().equals("POST /auth/logout")) return;
    int n = agentCopies.merge(r.key(), 1, Integer::sum);
    if (asAgent || n <= AS_AGENT_PER_ROUTE) {
      Expect e = env.agent.can(r.permission()) ? expect : permissionDenied(expect);
      out.add(new Attack(new Wire.Req(cls, r.key(), mutation, r.method(), uri, headers, fresh(body), "agent"), e));
    }
  }

  /** The body with each {@link Routes#UNIQUE} replaced by digits no other request of this run uses. */
  private byte[] fresh(byte[] body) {
    if (body == null) return null;
    byte[] marker = bytes(Routes.UNIQUE);
    byte[] out = body;
    for (int i = Wire.indexOf(out, marker, 0); i >= 0; i = Wire.indexOf(out, marker, i + marker.length)) {
      if (out == body) out = body.clone();
      System.arraycopy(bytes(unique()), 0, out, i, marker.length);
    }
    return out;
  }

  private void addJson(Route r, String mutation, Object body, Expect expect) {
    add(r, mutation, r.uri(routes.existing(r), null), jsonHeaders(), bytes(Js.write(body)), expect, false);
  }

  /** Refused for the permission (403) before anything else, or what {@code otherwise} accepts. */
  static Expect permissionDenied(Expect otherwise) {
    return out -> out.status() == 403 ? null : otherwise.check(out);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private List<Route> bodyRoutes() {
    return routes.all.stream().filter(Route::takesBody).toList();
  }

  /** Slots of the base body: top-level fields and one level into objects; none inside free-form values. */
  private static List<Slot> slots(Map<String, Object> base) {
    return Js.slots(base, 2).stream()
        .filter(s -> s.topLevel() || !FREE_FORM.contains(String.valueOf(s.steps().get(0))))
        .toList();
  }

  /** Whether the slot's field is required where it is (top level or inside its nested object schema). */
  private boolean required(Route r, Slot slot) {
    JsonObject schema = routes.resolve(r.bodySchema());
    List<Object> steps = slot.steps();
    for (int i = 0; i < steps.size() - 1; i++) {
      Object s = steps.get(i);
      if (s instanceof Integer) {
        schema = routes.resolve(schema.getJsonObject("items", new JsonObject()));
      } else {
        schema = routes.resolve(schema.getJsonObject("properties", new JsonObject()).getJsonObject((String) s, new JsonObject()));
      }
    }
    JsonArray req = schema.getJsonArray("required", new JsonArray());
    return req.contains(slot.leafKey());
  }

  // ------------------------------------------------------------------------------------------------------ classes

  /** JSON nested 33, 100, 600 and 5000 deep: in each field (objects and arrays), and as the whole body. */
  List<Attack> depth() {
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      for (Slot s : slots(base)) {
        for (int d : DEPTHS) {
          if (!s.topLevel() && d != 33 && d != 600) continue;
          addJson(r, "deep object " + d + " at " + s.name(), Js.with(base, s, Js.deepObject(d, "d", "1"), false), Expect.tooDeep(true));
          if (s.topLevel()) {
            addJson(r, "deep array " + d + " at " + s.name(), Js.with(base, s, Js.deepArray(d, "1"), false), Expect.tooDeep(true));
          }
        }
      }
      for (int d : DEPTHS) {
        addJson(r, "whole body: object nested " + d, Js.deepObject(d, "d", "1"), Expect.tooDeep(true));
        add(r, "whole body: array nested " + d, r.uri(routes.existing(r), null), jsonHeaders(),
            bytes(Js.deepArray(d, "1").text()), Expect.tooDeep(false), false);
        Map<String, Object> extra = new LinkedHashMap<>(base);
        extra.put("hostileDeep", Js.deepObject(d - 1, "d", "1"));
        addJson(r, "unknown key holding an object nested " + d, extra, Expect.tooDeep(true));
      }
    }
    return out;
  }

  /** Long strings in every field, huge arrays, a body over the 1 MiB limit, long URIs and headers. */
  List<Attack> size() {
    String long200k = gen.hostileText(200_000);
    List<Object> hugeNumbers = Collections.nCopies(120_000, (Object) 1);
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      for (Slot s : slots(base)) {
        Object v = Js.at(base, s);
        if (v instanceof String) addJson(r, "200k-char string at " + s.name(), Js.with(base, s, long200k, false), Expect.any());
        if (v instanceof List<?> l) {
          List<Object> huge = new ArrayList<>(l.isEmpty() ? List.of("x") : l);
          while (huge.size() < 50_000) huge.addAll(l.isEmpty() ? List.of("x") : l);
          addJson(r, "array of " + huge.size() + " items at " + s.name(), Js.with(base, s, huge, false), Expect.any());
        }
      }
      Map<String, Object> arr = new LinkedHashMap<>(base);
      arr.put("hostileHugeArray", hugeNumbers);
      addJson(r, "unknown key holding 120,000 numbers", arr, Expect.any());
      Map<String, Object> over = new LinkedHashMap<>(base);
      over.put("pad", "x".repeat(1_100_000));
      addJson(r, "body of 1.1 MB (limit 1 MiB)", over, Expect.error(413, "PAYLOAD_TOO_LARGE"));
    }
    for (Route r : routes.all) {
      String uri = r.uri(routes.existing(r), null);
      for (String q : r.query()) {
        add(r, "6000-char query " + q, r.uri(routes.existing(r), q + "=" + "a".repeat(6000)), Wire.headers(), null, Expect.any(), false);
      }
      add(r, "request line over 8192", r.uri(routes.existing(r), "q=" + "b".repeat(9000)), Wire.headers(), null,
          Expect.error(414, "URI_TOO_LONG"), false);
      add(r, "header over 16 KiB", uri, Wire.headers("X-Hostile", "c".repeat(20_000)), null, Expect.error(431, "HEADERS_TOO_LARGE"), false);
    }
    return out;
  }

  /** Each field replaced by a number, a boolean, null, an array, an object and a string; the body not an object. */
  List<Attack> wrongTypes() {
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      for (Slot s : slots(base)) {
        String have = Js.typeOf(Js.at(base, s));
        boolean strict = s.topLevel() && required(r, s);
        for (String t : List.of("number", "boolean", "null", "array", "object", "string")) {
          if (t.equals(have)) continue;
          Object v = switch (t) {
            case "number" -> s.topLevel() ? (Object) WRONG_NUMBER : gen.oddNumber();
            case "boolean" -> Boolean.TRUE;
            case "null" -> null;
            case "array" -> new ArrayList<>(List.of(WRONG));
            case "object" -> new LinkedHashMap<>(Map.of("hostileWrongType", WRONG));
            default -> WRONG;
          };
          addJson(r, t + " at " + s.name() + " (schema: " + have + ")", Js.with(base, s, v, false),
              strict ? Expect.refused() : Expect.any());
        }
      }
      for (String whole : List.of("[]", "\"a string\"", "123", "null", "true", "[{}]")) {
        add(r, "whole body " + whole, r.uri(routes.existing(r), null), jsonHeaders(), bytes(whole), Expect.refused(), false);
      }
    }
    // query parameters are strings: each with values of other shapes
    for (Route r : routes.all) {
      if (r.method() != HttpMethod.GET) continue;
      for (String q : r.query()) {
        for (String v : List.of("", "-1", "0", "99999999999999999999", "1e3", "NaN", "true", "%5B%5D", "%7B%7D", "null",
            "2026-02-30", "%2B1000000000-01-01", "1.5", "%20", "__proto__")) {
          add(r, "query " + q + "=" + v, r.uri(routes.existing(r), q + "=" + v), Wire.headers(), null, Expect.any(), false);
        }
      }
    }
    return out;
  }

  /** Each required field removed (top level and nested); an empty object, an empty body, no body. */
  List<Attack> missing() {
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      boolean anyRequired = !r.required().isEmpty();
      for (Slot s : slots(base)) {
        if (!required(r, s)) continue;
        addJson(r, "required " + s.name() + " removed", Js.with(base, s, null, true), Expect.refused());
      }
      Expect whole = anyRequired ? Expect.refused() : Expect.any();
      addJson(r, "empty object", new LinkedHashMap<>(), whole);
      String uri = r.uri(routes.existing(r), null);
      add(r, "empty body declared JSON", uri, jsonHeaders(), new byte[0], whole, false);
      add(r, "no body at all", uri, Wire.headers(), null, whole, false);
      add(r, "whitespace body", uri, jsonHeaders(), bytes("  \n\t "), Expect.refused(), false);
    }
    return out;
  }

  /** Unknown keys and keys the server sets itself, one at a time and all at once, top level and nested. */
  List<Attack> extra() {
    Map<String, Object> smuggle = new LinkedHashMap<>();
    smuggle.put("_id", SMUGGLED_ID);
    smuggle.put("id", SMUGGLED_ID);
    smuggle.put("role", "admin");
    smuggle.put("permissions", List.of("write:agents", "write:config", "manage:tickets"));
    smuggle.put("passwordHash", SMUGGLED + "-hash");
    smuggle.put("createdAt", SMUGGLED_DATE);
    smuggle.put("updatedAt", SMUGGLED_DATE);
    smuggle.put("isActive", false);
    smuggle.put("tokensValidAfter", 0);
    Map<String, Object> caller = new LinkedHashMap<>();
    caller.put("agentId", env.adminId);
    caller.put("role", "admin");
    caller.put("permissions", List.of("write:agents", "write:config", "manage:tickets", "assign:conversations"));
    smuggle.put("caller", caller);
    smuggle.put("agentId", env.adminId);
    smuggle.put("createdBy", SMUGGLED);
    smuggle.put("businessType", "hostile_smuggled");
    smuggle.put("ticketId", SMUGGLED + "-1");
    smuggle.put("direction", SMUGGLED);
    smuggle.put("whatsappMessageId", SMUGGLED + "-wamid");
    smuggle.put("assignedAgentId", SMUGGLED_ID);
    smuggle.put("__proto__", Map.of("polluted", SMUGGLED));
    smuggle.put("constructor", Map.of("prototype", Map.of("polluted", SMUGGLED)));
    smuggle.put(gen.oddKey(), SMUGGLED);
    Set<String> privileged = Set.of("role", "permissions", "caller", "isActive", "agentId");
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      Set<String> props = routes.properties(r);
      Map<String, Object> all = new LinkedHashMap<>(base);
      for (Map.Entry<String, Object> e : smuggle.entrySet()) {
        if (props.contains(e.getKey())) continue;
        Map<String, Object> b = new LinkedHashMap<>(base);
        b.put(e.getKey(), Js.tree(e.getValue()));
        all.put(e.getKey(), Js.tree(e.getValue()));
        add(r, "extra key " + e.getKey(), r.uri(routes.existing(r), null), jsonHeaders(), bytes(Js.write(b)), Expect.any(),
            privileged.contains(e.getKey()));
      }
      add(r, "every extra key at once", r.uri(routes.existing(r), null), jsonHeaders(), bytes(Js.write(all)), Expect.any(), true);
      for (Slot s : slots(base)) {
        if (!(Js.at(base, s) instanceof Map<?, ?> nested) || FREE_FORM.contains(s.leafKey())) continue;
        Map<String, Object> n = new LinkedHashMap<>();
        nested.forEach((k, v) -> n.put(String.valueOf(k), v));
        n.put("hostileSmuggled", SMUGGLED);
        n.put("_id", SMUGGLED_ID);
        addJson(r, "extra keys inside " + s.name(), Js.with(base, s, n, false), Expect.any());
      }
    }
    // an agent may assign a ticket to no one but themself, whatever "caller" the body claims
    routes.all.stream().filter(r -> r.key().equals("POST /tickets")).findFirst().ifPresent(r -> {
      Map<String, Object> b = base(r);
      b.put("assignedAgent", env.victim.id());
      b.put("caller", Js.tree(smuggle.get("caller")));
      out.add(new Attack(new Wire.Req(cls, r.key(), "agent assigns to another agent, body claims an admin caller", r.method(),
          r.uri(routes.existing(r), null), jsonHeaders(), fresh(bytes(Js.write(b))), "agent"), Expect.error(403, "AUTH_INSUFFICIENT_PERMISSIONS")));
    });
    return out;
  }

  /** Invalid UTF-8, NUL, BOM, malformed percent-encoding in path and query, and bodies that are not declared JSON. */
  List<Attack> encodings() {
    for (Route r : routes.all) {
      Map<String, String> ids = routes.existing(r);
      for (String q : List.of("x=%zz", "%zz=1", "page=%", "search=%E0%A4%A", "limit=%G1")) {
        add(r, "malformed query " + q, r.uri(ids, q), r.takesBody() ? jsonHeaders() : Wire.headers(),
            r.takesBody() ? bytes(Js.write(base(r))) : null, Expect.error(400, "VALIDATION_FAILED"), false);
      }
      for (String q : List.of("search=%00", "search=%ED%A0%80", "search=%C0%80", "status=%FF%FE")) {
        if (r.method() == HttpMethod.GET) add(r, "odd query " + q, r.uri(ids, q), Wire.headers(), null, Expect.any(), false);
      }
      for (String p : r.params()) {
        for (String v : List.of("%zz", "%", "%2")) {
          Map<String, String> bad = new LinkedHashMap<>(ids);
          bad.put(p, v);
          add(r, "malformed percent-encoding in :" + p + " = " + v, r.uri(bad, null), Wire.headers(), null,
              Expect.error(400, "VALIDATION_FAILED"), false);
        }
        for (String v : List.of("%00", "abc%00def", "%C0%AF", "%FF%FE", "%ED%A0%80", "%F0%9F%98%80")) {
          Map<String, String> bad = new LinkedHashMap<>(ids);
          bad.put(p, v);
          add(r, "odd bytes in :" + p + " = " + v, r.uri(bad, null), Wire.headers(), null, Expect.refused(), false);
        }
      }
    }
    headers();
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      String uri = r.uri(routes.existing(r), null);
      String json = Js.write(base);
      for (Slot s : slots(base)) {
        if (!(Js.at(base, s) instanceof String)) continue;
        String marker = "\"__SLOT__\"";
        String withSlot = Js.write(Js.with(base, s, new Raw(marker), false));
        add(r, "invalid UTF-8 bytes in " + s.name(), uri, jsonHeaders(),
            splice(withSlot, marker, new byte[] {'"', 'a', (byte) 0xC3, 0x28, (byte) 0xA0, (byte) 0xA1, (byte) 0xF0, 0x28, (byte) 0x8C, (byte) 0xBC, (byte) 0xC0, (byte) 0x80, '"'}),
            Expect.any(), false);
        addJson(r, "escaped NUL in " + s.name(), Js.with(base, s, "a\u0000b", false), Expect.any());
        addJson(r, "lone surrogate in " + s.name(), Js.with(base, s, "a\ud800b\udfff", false), Expect.any());
        add(r, "raw NUL byte inside the string " + s.name(), uri, jsonHeaders(),
            splice(withSlot, marker, new byte[] {'"', 'a', 0, 'b', '"'}), Expect.refused(), false);
      }
      add(r, "UTF-8 BOM before the JSON", uri, jsonHeaders(), concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(json)),
          Expect.any(), false);
      add(r, "UTF-16LE body with BOM", uri, jsonHeaders(), concat(new byte[] {(byte) 0xFF, (byte) 0xFE},
          json.getBytes(StandardCharsets.UTF_16LE)), Expect.any(), false);
      add(r, "Content-Type: text/plain", uri, Wire.headers("Content-Type", "text/plain"), bytes(json),
          Expect.error(415, "UNSUPPORTED_MEDIA_TYPE"), false);
      String boundary = "hostileBoundary" + gen.nextInt(1_000_000);
      StringBuilder multipart = new StringBuilder();
      for (Map.Entry<String, Object> e : base.entrySet()) {
        multipart.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(e.getKey())
            .append("\"\r\n\r\n").append(e.getValue() instanceof String str ? str : Js.write(e.getValue())).append("\r\n");
      }
      multipart.append("--").append(boundary).append("--\r\n");
      add(r, "Content-Type: multipart/form-data", uri, Wire.headers("Content-Type", "multipart/form-data; boundary=" + boundary),
          bytes(multipart.toString()), Expect.error(415, "UNSUPPORTED_MEDIA_TYPE"), false);
      StringBuilder form = new StringBuilder();
      for (Map.Entry<String, Object> e : base.entrySet()) {
        if (form.length() > 0) form.append('&');
        form.append(enc(e.getKey())).append('=').append(enc(e.getValue() instanceof String str ? str : Js.write(e.getValue())));
      }
      add(r, "Content-Type: application/x-www-form-urlencoded", uri, Wire.headers("Content-Type", "application/x-www-form-urlencoded"),
          bytes(form.toString()), Expect.error(415, "UNSUPPORTED_MEDIA_TYPE"), false);
      add(r, "no Content-Type with a JSON body", uri, Wire.headers(), bytes(json), Expect.error(415, "UNSUPPORTED_MEDIA_TYPE"), false);
      add(r, "Content-Type: application/json; charset=latin1 (latin1 bytes)", uri,
          Wire.headers("Content-Type", "application/json; charset=latin1"), json.replace("Mérida", "M\u00e9rida")
              .getBytes(StandardCharsets.ISO_8859_1), Expect.any(), false);
      add(r, "truncated JSON", uri, jsonHeaders(), bytes(json.substring(0, json.length() / 2)), Expect.refused(), false);
      add(r, "JSON followed by garbage", uri, jsonHeaders(), bytes(json + "}{\"x\":"), Expect.refused(), false);
    }
    return out;
  }

  /** Forged and malformed tokens, hostile Origin, request-id and idempotency headers, odd HTTP methods. */
  private void headers() {
    String deepHeader = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":" + Js.deepObject(600, "d", "1").text() + "}");
    // arrays, so that 2000 levels still fit the 16 KiB header limit (a 431 would say nothing about the token)
    String deeperHeader = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":" + Js.deepArray(2000, "1").text() + "}");
    String adminClaims = b64(new JsonObject().put("sub", env.adminId).put("role", "admin").put("permissions",
        new JsonArray().add("write:agents").add("write:config")).put("exp", 4_102_444_800L).encode());
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("alg none, admin claims", "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + adminClaims + ".");
    tokens.put("HS256 with another secret, admin claims", "Bearer " + b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + adminClaims + "."
        + b64("not-a-signature-of-ours"));
    tokens.put("header nested 600 deep", "Bearer " + deepHeader + "." + adminClaims + ".c2ln");
    tokens.put("header nested 2000 deep", "Bearer " + deeperHeader + "." + adminClaims + ".c2ln");
    tokens.put("payload nested 600 deep", "Bearer " + b64("{\"alg\":\"HS256\"}") + "." + b64(Js.deepObject(600, "d", "1").text()) + ".c2ln");
    tokens.put("not base64", "Bearer %%%.***.!!!");
    tokens.put("one part", "Bearer abc");
    tokens.put("12 KB", "Bearer " + "a".repeat(12_000));
    tokens.put("header is JSON array", "Bearer " + b64("[1,2]") + "." + b64("[]") + ".c2ln");
    tokens.put("Basic credentials", "Basic " + b64(TestApp.ADMIN_EMAIL + ":" + TestApp.ADMIN_PASSWORD));
    for (Route r : routes.all) {
      if (r.isPublic()) continue;
      String uri = r.uri(routes.existing(r), null);
      Map<String, Object> base = base(r);
      byte[] body = base == null ? null : fresh(bytes(Js.write(base)));
      for (Map.Entry<String, String> t : tokens.entrySet()) {
        Map<String, String> h = base == null ? Wire.headers() : jsonHeaders();
        h.put("Authorization", t.getValue());
        out.add(new Attack(new Wire.Req(cls, r.key(), "Authorization: " + t.getKey(), r.method(), uri, h, body, "forger"),
            Expect.error(401, "AUTH_TOKEN_INVALID")));
      }
    }
    for (Route r : routes.all) {
      String uri = r.uri(routes.existing(r), null);
      for (String origin : List.of("null", "http://evil.example", "http://localhost:4200.evil.example", "o".repeat(8000))) {
        add(r, "Origin: " + Wire.shorten(origin, 40), uri, Wire.headers("Origin", origin), null, Expect.error(403, "ORIGIN_NOT_ALLOWED"), false);
      }
      add(r, "X-Request-Id of 8000 chars", uri, Wire.headers("X-Request-Id", "r".repeat(8000)), null, Expect.any(), false);
      add(r, "X-Request-Id with UTF-8 and path characters", uri, Wire.headers("X-Request-Id", "../../\u00e9\u202e\u0000x"), null, Expect.any(), false);
      for (String m : List.of("TRACE", "HOSTILE", "OPTIONS", "CONNECT")) {
        add(r, "method " + m, uri, Wire.headers(), null, Expect.any(), false);
        out.set(out.size() - 1, new Attack(new Wire.Req(cls, r.key(), "method " + m, HttpMethod.valueOf(m), uri, Wire.headers(), null,
            adminActor(r)), Expect.any()));
      }
      if (r.key().equals("POST /conversations/:conversationId/messages")) {
        Map<String, Object> base = base(r);
        for (String key : List.of("k".repeat(201), "\u00e9\u202e", "{\"$gt\":\"\"}", " ")) {
          Map<String, String> h = jsonHeaders();
          h.put("Idempotency-Key", key);
          add(r, "Idempotency-Key " + Wire.shorten(key, 30), uri, h, bytes(Js.write(base)),
              key.length() > 200 ? Expect.error(400, "VALIDATION_FAILED") : Expect.any(), false);
        }
      }
    }
  }

  private static String b64(String s) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Operator objects as values, $-keys and dotted keys in bodies and nested objects, operator-style query params. */
  List<Attack> operators() {
    // first, while the totals they are compared with (read now) still hold: the body attacks below create records
    listFilters();
    List<Object> ops = List.of(Map.of("$gt", ""), Collections.singletonMap("$ne", null), Map.of("$where", "1"));
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      for (Slot s : Js.slots(base, 2)) {
        for (Object op : ops) addJson(r, Js.write(op) + " at " + s.name(), Js.with(base, s, Js.tree(op), false), Expect.any());
      }
      Map<String, Object> set = new LinkedHashMap<>();
      set.put("role", "admin");
      set.put("isActive", false);
      Map<String, Object> keys = new LinkedHashMap<>();
      keys.put("$where", "1");
      keys.put("$set", set);
      keys.put("a.b", SMUGGLED);
      keys.put("$gt", "");
      for (Map.Entry<String, Object> k : keys.entrySet()) {
        Map<String, Object> b = new LinkedHashMap<>(base);
        b.put(k.getKey(), Js.tree(k.getValue()));
        addJson(r, "top-level key " + k.getKey(), b, Expect.any());
      }
      for (Slot s : Js.slots(base, 2)) {
        if (!(Js.at(base, s) instanceof Map<?, ?> nested)) continue;
        for (String key : List.of("$where", "$inc", "x.y", "$")) {
          Map<String, Object> n = new LinkedHashMap<>();
          nested.forEach((kk, v) -> n.put(String.valueOf(kk), v));
          n.put(key, key.equals("$inc") ? Map.of("totalConversations", 1000) : SMUGGLED);
          addJson(r, "key " + key + " inside " + s.name(), Js.with(base, s, n, false), Expect.any());
        }
      }
    }
    for (Route r : routes.all) {
      if (r.method() != HttpMethod.GET) continue;
      Map<String, String> ids = routes.existing(r);
      for (String q : r.query()) {
        for (String v : List.of(q + "[$ne]=x", q + "[$gt]=", q + "=.*", q + "=" + enc("{\"$ne\":null}"), q + "[]=a&" + q + "[]=b",
            q + "[$regex]=.*")) {
          add(r, "query " + v, r.uri(ids, v), Wire.headers(), null, Expect.any(), false);
        }
      }
      for (String p : r.params()) {
        for (String v : List.of(enc("{\"$gt\":\"\"}"), "[$ne]", ".*", enc("{\"$where\":\"1\"}"))) {
          Map<String, String> bad = new LinkedHashMap<>(ids);
          bad.put(p, v);
          add(r, "operator as :" + p + " = " + v, r.uri(bad, null), Wire.headers(), null, Expect.refused(), true);
        }
      }
    }
    return out;
  }

  /** pagination.totalCount of a list route as this actor, or -1. */
  private long total(String uri, String token) {
    Wire.Outcome o = env.wire.send(HttpMethod.GET, uri, Wire.headers("Authorization", "Bearer " + token), null);
    JsonObject j = o.status() == 200 ? o.json() : null;
    JsonObject p = j == null ? null : j.getJsonObject("pagination");
    return p == null ? -1 : p.getLong("totalCount", -1L);
  }

  /**
   * The lists must not read {@code search} as a regular expression ({@code .*} matching everything, a catastrophic
   * pattern taking the time) nor take operator-style parameters as filters that widen what the caller sees.
   */
  private void listFilters() {
    for (Route r : routes.all) {
      if (r.method() != HttpMethod.GET || !r.params().isEmpty() || !r.query().contains("search")) continue;
      String base = r.uri(Map.of(), null);
      for (String actor : List.of("admin", "agent")) {
        String token = actor.equals("admin") ? env.adminToken : env.agent.token();
        if (actor.equals("agent") && !env.agent.can(r.permission())) continue;
        long all = total(base, token);
        if (all <= 0) continue;
        Expect narrower = out -> {
          JsonObject p = out.json() == null ? null : out.json().getJsonObject("pagination");
          if (out.status() != 200 || p == null) return null; // a refusal is fine (the common checks apply)
          long n = p.getLong("totalCount", -1L);
          return n < all ? null : "search=.* matched all " + all + " items: the search text was read as a regular expression";
        };
        out.add(new Attack(new Wire.Req(cls, r.key(), "search=.* (regex injection)", HttpMethod.GET, base + "?search=.*", Wire.headers(),
            null, actor), narrower));
        out.add(new Attack(new Wire.Req(cls, r.key(), "catastrophic pattern as search", HttpMethod.GET, base + "?search="
            + enc("(a+)+$" + "a".repeat(40) + "!"), Wire.headers(), null, actor),
            o -> o.millis() < 2_000 ? null : "a catastrophic regular expression took " + o.millis() + " ms"));
        for (String q : List.of("status[$ne]=x", "assignedAgent[$ne]=x", "role[$ne]=x", "isActive[$ne]=x", "customerId[$ne]=x")) {
          out.add(new Attack(new Wire.Req(cls, r.key(), "operator-style " + q, HttpMethod.GET, base + "?" + q, Wire.headers(), null, actor),
              o -> {
                JsonObject p = o.json() == null ? null : o.json().getJsonObject("pagination");
                if (o.status() != 200 || p == null) return null;
                return p.getLong("totalCount", -1L) <= all ? null : "an operator-style parameter widened the list beyond " + all;
              }));
        }
      }
    }
  }

  /** Path ids and body ids that name nothing: 24 hex digits, non-hex, very long, phone numbers, odd words. */
  List<Attack> unknownIds() {
    List<String> kinds = List.of(gen.objectId(), "ffffffffffffffffffffffff", "not-an-id-zz", "a".repeat(5000), "5299912345678",
        enc("+52 999 123 4567"), "null", "undefined", "0", "-1", "..%2F..%2Fetc%2Fpasswd", "%F0%9F%98%80", "TICKET-999999999");
    for (Route r : routes.all) {
      Map<String, String> ids = routes.existing(r);
      for (String p : r.params()) {
        for (String v : kinds) {
          Map<String, String> bad = new LinkedHashMap<>(ids);
          bad.put(p, v);
          Map<String, Object> b = base(r);
          add(r, ":" + p + " = " + Wire.shorten(v, 40), r.uri(bad, null), b == null ? Wire.headers() : jsonHeaders(),
              b == null ? null : bytes(Js.write(b)), Expect.refused(), false);
        }
        Map<String, String> huge = new LinkedHashMap<>(ids);
        huge.put(p, "z".repeat(10_000));
        add(r, ":" + p + " of 10,000 chars", r.uri(huge, null), Wire.headers(), null, Expect.error(414, "URI_TOO_LONG"), false);
      }
    }
    Set<String> idFields = Set.of("customerId", "conversationId", "agentId", "targetAgent", "assignedAgent");
    for (Route r : bodyRoutes()) {
      Map<String, Object> base = base(r);
      for (String f : idFields) {
        if (!base.containsKey(f)) continue;
        for (String v : List.of(gen.objectId(), "not-an-id", "b".repeat(5000), "5299912345678", "")) {
          Map<String, Object> b = new LinkedHashMap<>(base);
          b.put(f, v);
          addJson(r, f + " = " + Wire.shorten(v, 40), b, Expect.refused());
        }
      }
    }
    return out;
  }

  void refreshToken(String token) {
    this.refreshToken = token;
  }

  private static byte[] splice(String text, String marker, byte[] replacement) {
    int i = text.indexOf(marker);
    byte[] before = bytes(text.substring(0, i));
    byte[] after = bytes(text.substring(i + marker.length()));
    return concat(concat(before, replacement), after);
  }

  static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
