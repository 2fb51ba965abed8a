package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.TicketConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Addresses#WHATSAPP_TEMPLATES}: the message templates an agent may send, as {@code {templates:[{name, language,
 * category, status, parameters, parameterNames, body}], source, message?}} ({@code parameterNames}: the body's
 * placeholders in order of appearance, {@code ["1","2"]} or named ones, which a send gives as an object). With credentials and {@code WHATSAPP_BUSINESS_ACCOUNT_ID},
 * the approved ones of that account from Meta ({@code GET /{version}/{waba-id}/message_templates}, following
 * {@code paging.next} on the same host for up to {@link #MAX_PAGES} pages), kept {@link #TTL_MS} on this node
 * ({@code source: "whatsapp"}), or until a template webhook of Meta's arrives ({@link #TEMPLATE_FIELDS}); a Graph API error is EXTERNAL_API_ERROR with Meta's error in words. With credentials but
 * no account id: none ({@code source: "unconfigured"}). In sandbox mode: {@code hello_world} and the ticket resolution
 * template (TICKET_RESOLVED_TEMPLATE) with the parameters the ticket notice fills ({@code source: "sandbox"}).
 */
final class TemplateCatalog {
  static final long TTL_MS = 60_000;
  /** Meta's webhook fields about templates: one of them in a webhook drops every node's kept list. */
  static final Set<String> TEMPLATE_FIELDS = Set.of("message_template_status_update", "message_template_quality_update",
      "message_template_components_update", "template_category_update");
  static final int MAX_PAGES = 5;
  /** All pages within this (the route waits a little longer for the answer). */
  static final long DEADLINE_MS = 30_000;
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}\\s]+)\\s*\\}\\}");
  private static final String FIELDS = "name,language,status,category,components";
  /** Meta's sample template every new account has. */
  static final String HELLO_WORLD_BODY = "Welcome and congratulations!! This message demonstrates your ability to send a "
      + "WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.";

  private final WebClient client;
  private final Bus bus;
  private final boolean sandbox;
  private final String apiUrl;
  private final String firstPage;
  private final String token;
  private final long timeoutMs;
  private final TicketConfig tickets;

  private JsonObject cached;
  private long cachedUntil;
  private Future<JsonObject> loading;
  /** Counts {@link #forget}s: a fetch that began before one is answered but not kept. */
  private long generation;

  TemplateCatalog(JsonObject cfg, WebClient client, Bus bus) {
    this.client = client;
    this.bus = bus;
    this.sandbox = WhatsappSender.sandbox(cfg);
    this.apiUrl = cfg.getString("WHATSAPP_API_URL", "https://graph.facebook.com");
    String waba = cfg.getString("WHATSAPP_BUSINESS_ACCOUNT_ID", "");
    this.firstPage = waba.isEmpty() ? null : apiUrl + "/" + cfg.getString("WHATSAPP_API_VERSION", "v21.0") + "/" + waba
        + "/message_templates?fields=" + FIELDS + "&limit=100";
    this.token = cfg.getString("WHATSAPP_ACCESS_TOKEN", "");
    this.timeoutMs = cfg.getInteger("WHATSAPP_HTTP_TIMEOUT_MS", 15_000);
    this.tickets = TicketConfig.fromJson(cfg);
  }

  Future<JsonObject> list(JsonObject ignored) {
    if (sandbox) return sandboxList();
    if (firstPage == null) {
      return Future.succeededFuture(answer(new JsonArray(), "unconfigured")
          .put("message", "Set WHATSAPP_BUSINESS_ACCOUNT_ID to list the account's approved templates"));
    }
    if (cached != null && System.currentTimeMillis() < cachedUntil) return Future.succeededFuture(cached.copy());
    if (loading == null) { // callers meanwhile share one fetch
      long asked = generation;
      loading = fetch(firstPage, 1, new ArrayList<>(), System.currentTimeMillis() + DEADLINE_MS)
          .map(found -> {
            JsonObject list = answer(new JsonArray(found), "whatsapp");
            if (asked == generation) { // kept only if no template changed while it was read
              cached = list;
              cachedUntil = System.currentTimeMillis() + TTL_MS;
            }
            return list;
          })
          .onComplete(ar -> loading = null);
    }
    return loading.map(JsonObject::copy);
  }

  /** Meta said a template changed: the next list is read from Meta (a fetch under way answers its callers, not kept). */
  void forget() {
    generation++;
    cached = null;
    cachedUntil = 0;
  }

  private static JsonObject answer(JsonArray templates, String source) {
    return new JsonObject().put("templates", templates).put("source", source);
  }

  /** One page, then the next while Meta names one on the same host (the token goes nowhere else). */
  private Future<List<JsonObject>> fetch(String url, int page, List<JsonObject> acc, long deadline) {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining <= 0) {
      return Future.failedFuture(graphError(new JsonObject().put("code", 0).put("title", "timeout")
          .put("userMessage", "WhatsApp took too long to list the templates")));
    }
    return client.getAbs(url).timeout(Math.min(timeoutMs, remaining)).putHeader("Authorization", "Bearer " + token).send()
        .transform(ar -> {
          if (ar.failed()) return Future.failedFuture(graphError(MetaErrors.network(ar.cause())));
          HttpResponse<Buffer> res = ar.result();
          if (res.statusCode() / 100 != 2) return Future.failedFuture(graphError(MetaErrors.ofResponse(res)));
          JsonObject body = MetaErrors.bodyOf(res);
          if (body == null || !(body.getValue("data") instanceof JsonArray data)) {
            return Future.failedFuture(graphError(new JsonObject().put("code", 0).put("httpStatus", res.statusCode())
                .put("userMessage", "WhatsApp answered the template list in an unknown shape")));
          }
          for (Object o : data) {
            JsonObject t = o instanceof JsonObject j ? template(j) : null;
            if (t != null) acc.add(t);
          }
          String next = body.getValue("paging") instanceof JsonObject paging && paging.getValue("next") instanceof String n ? n : null;
          if (next != null && page < MAX_PAGES && next.startsWith(apiUrl + "/")) return fetch(next, page + 1, acc, deadline);
          acc.sort(Comparator.comparing((JsonObject t) -> t.getString("name")).thenComparing(t -> t.getString("language")));
          return Future.succeededFuture(acc);
        });
  }

  private static CrmException graphError(JsonObject error) {
    return new CrmException(ErrorCode.EXTERNAL_API_ERROR, "WhatsApp templates could not be read: " + error.getString("userMessage"),
        null, error);
  }

  /** An APPROVED template of Meta's list as we answer it; null for any other status or a malformed entry. */
  static JsonObject template(JsonObject t) {
    if (!"APPROVED".equals(t.getValue("status")) || !(t.getValue("name") instanceof String name)
        || !(t.getValue("language") instanceof String language)) {
      return null;
    }
    String body = "";
    if (t.getValue("components") instanceof JsonArray components) {
      for (Object c : components) {
        if (c instanceof JsonObject component && "BODY".equals(component.getValue("type"))
            && component.getValue("text") instanceof String text) {
          body = text;
        }
      }
    }
    return entry(name, language, t.getValue("category") instanceof String c ? c : null, body);
  }

  private static JsonObject entry(String name, String language, String category, String body) {
    Set<String> names = placeholders(body);
    return new JsonObject().put("name", name).put("language", language).put("category", category).put("status", "APPROVED")
        .put("parameters", names.size()).put("parameterNames", new JsonArray(List.copyOf(names))).put("body", body);
  }

  /** The different {{1}} / {{name}} placeholders of a template text, in order of appearance. */
  static Set<String> placeholders(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) names.add(m.group(1));
    return names;
  }

  /** hello_world, and the ticket resolution notice's template in the language the notice would use. */
  private Future<JsonObject> sandboxList() {
    JsonArray templates = new JsonArray().add(entry("hello_world", "en_US", "UTILITY", HELLO_WORLD_BODY));
    if (tickets.resolvedTemplate().isEmpty()) return Future.succeededFuture(answer(templates, "sandbox"));
    Future<String> language = !tickets.resolvedTemplateLanguage().isEmpty()
        ? Future.succeededFuture(tickets.resolvedTemplateLanguage())
        : bus.request(Addresses.CONFIG_ACTIVE, new JsonObject())
            .map(c -> c.getJsonObject("assistant", new JsonObject()).getString("language", "es").replace('-', '_'))
            .recover(err -> Future.succeededFuture("es"));
    // the parameters crm.ticket fills: customer name, ticket id, resolution summary
    String body = "Hola {{1}}, tu caso {{2}} fue resuelto: {{3}}";
    return language.map(lang -> answer(templates.add(entry(tickets.resolvedTemplate(), lang, "UTILITY", body)), "sandbox"));
  }
}
