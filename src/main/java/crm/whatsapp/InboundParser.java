package crm.whatsapp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a WhatsApp Cloud API webhook body into flat, typed records: {@code {messages, statuses, ignored}}.
 * Pure (no I/O) and total: any JSON object, however malformed, gives an answer, never an exception.
 *
 * <p>Each message: {@code waMessageId, from, phoneNumberId, displayPhoneNumber, profileName, timestamp (ISO UTC),
 * waType, type (the API's text|image|document|location), content (never null), attachments (media),
 * location, context, reaction, metadata (always, with waType)}. A field with no value is left out. A message
 * of a type not understood (or whose payload is missing) is kept as type text, content
 * {@code [unsupported message]}, with its raw JSON in {@code metadata.raw}.
 *
 * <p>Each status: {@code waMessageId, status (lower case), timestamp, recipientId, errors, conversation, pricing,
 * phoneNumberId}.
 *
 * <p>{@code ignored} explains what was left out, each with a {@code reason} (and {@code entryId}, {@code field}
 * when known): changes of other fields, messages without id, statuses without id or status, malformed parts,
 * and webhook-level {@code errors} (normalised like message errors).
 */
public final class InboundParser {
  private InboundParser() {}

  private static final String UNSUPPORTED = "[unsupported message]";

  /** Fills {@code out} (type, content, attachments, ...) and {@code metadata} from one message; false if it cannot. */
  @FunctionalInterface
  private interface Handler {
    boolean fill(String waType, JsonObject message, JsonObject out, JsonObject metadata);
  }

  private static final Map<String, Handler> HANDLERS = Map.ofEntries(
      Map.entry("text", InboundParser::text),
      Map.entry("image", InboundParser::media),
      Map.entry("video", InboundParser::media),
      Map.entry("audio", InboundParser::media),
      Map.entry("document", InboundParser::media),
      Map.entry("sticker", InboundParser::media),
      Map.entry("location", InboundParser::location),
      Map.entry("contacts", InboundParser::contacts),
      Map.entry("interactive", InboundParser::interactive),
      Map.entry("button", InboundParser::button),
      Map.entry("reaction", InboundParser::reaction),
      Map.entry("system", InboundParser::system),
      Map.entry("order", InboundParser::order));

  /** Where a message or status came from: the entry and the business number it was sent to. */
  private record Source(String entryId, String phoneNumberId, String displayPhoneNumber, JsonArray contacts) {}

  private record Result(JsonArray messages, JsonArray statuses, JsonArray ignored) {
    /** Notes what was left out and why; the caller may add details to the returned object. */
    JsonObject ignore(String reason, String entryId) {
      JsonObject o = put(new JsonObject().put("reason", reason), "entryId", entryId);
      ignored.add(o);
      return o;
    }
  }

  public static boolean isWhatsappBusinessAccount(JsonObject body) {
    return body != null && "whatsapp_business_account".equals(body.getValue("object"))
        && body.getValue("entry") instanceof JsonArray;
  }

  /**
   * Who a notification is about, for keeping one person's notifications in order: the first message's sender, else
   * the first contact, else the first status's recipient; "" when it names nobody. Reads without validating.
   */
  public static String subject(JsonObject webhook) {
    if (!(webhook.getValue("entry") instanceof JsonArray entries)) return "";
    for (Object e : entries) {
      if (!(e instanceof JsonObject entry) || !(entry.getValue("changes") instanceof JsonArray changes)) continue;
      for (Object c : changes) {
        if (!(c instanceof JsonObject change) || !(change.getValue("value") instanceof JsonObject value)) continue;
        String who = first(value, "messages", "from");
        if (who == null) who = first(value, "contacts", "wa_id");
        if (who == null) who = first(value, "statuses", "recipient_id");
        if (who != null) return who;
      }
    }
    return "";
  }

  private static String first(JsonObject value, String list, String field) {
    return value.getValue(list) instanceof JsonArray items && !items.isEmpty() && items.getValue(0) instanceof JsonObject item
        && item.getValue(field) instanceof String s ? s : null;
  }

  public static JsonObject parse(JsonObject webhook) {
    Result r = new Result(new JsonArray(), new JsonArray(), new JsonArray());
    Object entries = webhook == null ? null : webhook.getValue("entry");
    if (!(entries instanceof JsonArray list)) {
      r.ignore("entry is not an array", null);
    } else {
      for (Object e : list) {
        if (e instanceof JsonObject entry) entry(entry, r);
        else r.ignore("entry is not an object", null);
      }
    }
    return new JsonObject().put("messages", r.messages()).put("statuses", r.statuses()).put("ignored", r.ignored());
  }

  private static void entry(JsonObject entry, Result r) {
    String entryId = str(entry, "id");
    if (!(entry.getValue("changes") instanceof JsonArray changes)) {
      r.ignore("changes is not an array", entryId);
      return;
    }
    for (Object c : changes) {
      if (!(c instanceof JsonObject change)) {
        r.ignore("change is not an object", entryId);
        continue;
      }
      String field = str(change, "field");
      if (!"messages".equals(field)) {
        put(r.ignore("field not handled", entryId), "field", field);
      } else if (change.getValue("value") instanceof JsonObject value) {
        value(value, entryId, r);
      } else {
        r.ignore("value is not an object", entryId);
      }
    }
  }

  private static void value(JsonObject value, String entryId, Result r) {
    JsonObject meta = object(value, "metadata");
    Source src = new Source(entryId, str(meta, "phone_number_id"), str(meta, "display_phone_number"),
        array(value, "contacts"));
    for (JsonObject m : objects(value, "messages", src, r)) {
      if (blank(str(m, "id"))) {
        r.ignore("message without id", entryId);
        continue;
      }
      if (str(m, "id").length() > MAX_ID_CHARS) {
        r.ignore("message id longer than " + MAX_ID_CHARS + " characters", entryId);
        continue;
      }
      String from = str(m, "from");
      if (from != null && from.length() > MAX_ID_CHARS) {
        r.ignore("sender longer than " + MAX_ID_CHARS + " characters", entryId).put("waMessageId", str(m, "id"));
        continue;
      }
      try {
        r.messages().add(message(m, src));
      } catch (RuntimeException e) { // a bug here must not lose the rest of the webhook
        r.ignore("unparsable message: " + e, entryId).put("waMessageId", str(m, "id"));
      }
    }
    for (JsonObject s : objects(value, "statuses", src, r)) {
      JsonObject status = status(s, src);
      if (status != null) r.statuses().add(status);
      else r.ignore("status without id or status", entryId);
    }
    JsonArray errors = array(value, "errors");
    if (errors != null) {
      r.ignore("webhook errors", entryId).put("errors", errors(errors));
    }
  }

  /** The objects of value[key]; a non-array or an item that is not an object is noted in ignored. */
  private static List<JsonObject> objects(JsonObject value, String key, Source src, Result r) {
    List<JsonObject> list = new ArrayList<>();
    Object v = value.getValue(key);
    if (v != null && !(v instanceof JsonArray)) r.ignore(key + " is not an array", src.entryId());
    if (!(v instanceof JsonArray items)) return list;
    for (Object item : items) {
      if (item instanceof JsonObject o) list.add(o);
      else r.ignore(key + " item is not an object", src.entryId());
    }
    return list;
  }

  // ---- messages

  private static JsonObject message(JsonObject m, Source src) {
    String from = str(m, "from");
    String given = str(m, "type");
    String waType = blank(given) ? "unknown" : given;
    JsonObject out = new JsonObject().put("waMessageId", str(m, "id"));
    put(out, "from", from);
    put(out, "phoneNumberId", src.phoneNumberId());
    put(out, "displayPhoneNumber", src.displayPhoneNumber());
    String name = profileName(src.contacts(), from);
    put(out, "profileName", name != null && name.length() > MAX_ID_CHARS ? name.substring(0, MAX_ID_CHARS) : name);
    put(out, "timestamp", isoTime(m.getValue("timestamp")));
    out.put("waType", waType);

    JsonObject metadata = new JsonObject().put("waType", waType);
    Handler handler = HANDLERS.get(waType);
    if (handler == null || !handler.fill(waType, m, out, metadata)) {
      out.put("type", "text").put("content", UNSUPPORTED);
      metadata.put("raw", m);
    }
    JsonObject context = object(m, "context");
    if (context != null) out.put("context", context(context));
    JsonObject referral = object(m, "referral");
    if (referral != null) metadata.put("referral", camel(referral));
    JsonArray errors = array(m, "errors");
    if (errors != null) metadata.put("errors", errors(errors));
    JsonObject identity = object(m, "identity");
    if (identity != null) metadata.put("identity", identity);
    boundMetadata(metadata);
    out.put("content", bounded(out.getString("content")));
    for (Object a : out.getJsonArray("attachments", new JsonArray())) cutStrings((JsonObject) a);
    if (out.getJsonObject("location") != null) cutStrings(out.getJsonObject("location"));
    if (out.getJsonObject("reaction") != null) cutStrings(out.getJsonObject("reaction"));
    return out.put("metadata", metadata);
  }

  // ---- bounds: what Meta sends is kept, but never as an unbounded document

  /** Parts of Meta's own shape kept under metadata (and a status' conversation/pricing) nest at most this deep. */
  static final int PART_MAX_DEPTH = 8;
  /** ... and take at most this many characters as JSON; a part over either bound is kept as its JSON text, cut here. */
  static final int PART_MAX_CHARS = 16_384;
  /** WhatsApp ids (wamid, wa_id) are well under this; anything longer is not from WhatsApp. */
  static final int MAX_ID_CHARS = 256;
  /** Message text beyond this is cut (WhatsApp's own limit is 4,096 characters). */
  static final int CONTENT_MAX_CHARS = 65_536;

  private static void boundMetadata(JsonObject metadata) {
    for (String key : List.copyOf(metadata.fieldNames())) {
      Object v = metadata.getValue(key);
      if (v instanceof JsonObject || v instanceof JsonArray) metadata.put(key, boundedPart(v));
      else if (v instanceof String s) metadata.put(key, bounded(s));
    }
  }

  /** The part itself when within the bounds, else its JSON text (cut at {@link #PART_MAX_CHARS}). */
  static Object boundedPart(Object part) {
    boolean deep = crm.bus.JsonBounds.violation(part, PART_MAX_DEPTH) != null;
    String text;
    try {
      text = part instanceof JsonObject o ? o.encode() : ((JsonArray) part).encode();
    } catch (RuntimeException e) { // deeper than the JSON writer goes
      return "[unreadable]";
    }
    if (!deep && text.length() <= PART_MAX_CHARS) return part;
    return text.length() <= PART_MAX_CHARS ? text : text.substring(0, PART_MAX_CHARS) + "...";
  }

  /** Cuts the string values of a flat record we built (attachment, location) to {@link #PART_MAX_CHARS}. */
  private static void cutStrings(JsonObject o) {
    for (String key : List.copyOf(o.fieldNames())) {
      if (o.getValue(key) instanceof String v && v.length() > PART_MAX_CHARS) o.put(key, v.substring(0, PART_MAX_CHARS));
    }
  }

  private static String bounded(String s) {
    return s == null || s.length() <= CONTENT_MAX_CHARS ? s : s.substring(0, CONTENT_MAX_CHARS) + "...";
  }

  private static boolean text(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject text = object(m, "text");
    if (text == null) return false;
    out.put("type", "text").put("content", Objects.requireNonNullElse(str(text, "body"), ""));
    return true;
  }

  private static boolean media(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject media = object(m, waType);
    if (media == null) return false;
    String caption = str(media, "caption");
    String filename = str(media, "filename");
    boolean voice = "audio".equals(waType) && Boolean.TRUE.equals(media.getValue("voice"));
    JsonObject attachment = new JsonObject().put("type", waType);
    put(attachment, "mediaId", str(media, "id"));
    put(attachment, "mimeType", str(media, "mime_type"));
    put(attachment, "sha256", str(media, "sha256"));
    if ("document".equals(waType)) put(attachment, "filename", filename);
    put(attachment, "caption", caption);
    if ("audio".equals(waType)) attachment.put("voice", voice);
    if ("sticker".equals(waType)) attachment.put("animated", Boolean.TRUE.equals(media.getValue("animated")));

    String placeholder = switch (waType) {
      case "audio" -> voice ? "[voice message]" : "[audio]";
      case "document" -> blank(filename) ? "[document]" : "[document] " + filename;
      default -> "[" + waType + "]";
    };
    boolean imageLike = "image".equals(waType) || "sticker".equals(waType);
    out.put("type", imageLike ? "image" : "document")
        .put("content", blank(caption) ? placeholder : caption)
        .put("attachments", new JsonArray().add(attachment));
    return true;
  }

  private static boolean location(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject loc = object(m, "location");
    Double lat = number(loc, "latitude");
    Double lng = number(loc, "longitude");
    if (lat == null || lng == null) return false;
    String name = str(loc, "name");
    String address = str(loc, "address");
    JsonObject location = new JsonObject().put("latitude", lat).put("longitude", lng)
        .put("address", !blank(address) ? address : orElse(name, ""));
    put(location, "name", name);
    put(location, "url", str(loc, "url"));
    String content = join(", ", name, address);
    out.put("type", "location").put("content", content.isEmpty() ? "[location]" : content).put("location", location);
    return true;
  }

  private static boolean contacts(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonArray cards = array(m, "contacts");
    if (cards == null) return false;
    StringBuilder content = new StringBuilder();
    for (Object o : cards) {
      if (!(o instanceof JsonObject card)) continue;
      JsonObject name = object(card, "name");
      String shown = orElse(str(name, "formatted_name"), join(" ", str(name, "first_name"), str(name, "last_name")));
      JsonArray phones = array(card, "phones");
      JsonObject phone = phones != null && !phones.isEmpty() && phones.getValue(0) instanceof JsonObject p ? p : null;
      String number = orElse(str(phone, "phone"), str(phone, "wa_id"));
      if (content.length() > 0) content.append("; ");
      content.append(join(" ", "Contact:", shown, number));
    }
    metadata.put("contacts", cards);
    out.put("type", "text").put("content", content.length() == 0 ? "[contacts]" : content.toString());
    return true;
  }

  /** button_reply {id,title}, list_reply {id,title,description}, nfm_reply (flows) {name, body, response_json}. */
  private static boolean interactive(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject interactive = object(m, "interactive");
    if (interactive == null) return false;
    String kind = str(interactive, "type");
    JsonObject reply = kind == null ? null : object(interactive, kind);
    String title = orElse(str(reply, "title"), str(reply, "body"));
    JsonObject meta = put(new JsonObject(), "type", kind);
    put(meta, "id", str(reply, "id"));
    put(meta, "title", title);
    put(meta, "description", str(reply, "description"));
    put(meta, "name", str(reply, "name"));
    put(meta, "responseJson", str(reply, "response_json"));
    metadata.put("interactive", meta);
    out.put("type", "text").put("content", blank(title) ? "[interactive]" : title);
    return true;
  }

  /** A quick-reply button of a template. */
  private static boolean button(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject button = object(m, "button");
    if (button == null) return false;
    String text = str(button, "text");
    metadata.put("button", put(put(new JsonObject(), "payload", str(button, "payload")), "text", text));
    out.put("type", "text").put("content", orElse(text, orElse(str(button, "payload"), "[button]")));
    return true;
  }

  private static boolean reaction(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject reaction = object(m, "reaction");
    if (reaction == null) return false;
    String emoji = Objects.requireNonNullElse(str(reaction, "emoji"), "");
    out.put("type", "text").put("content", emoji)
        .put("reaction", put(new JsonObject(), "messageId", str(reaction, "message_id")).put("emoji", emoji));
    return true;
  }

  private static boolean system(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject system = object(m, "system");
    if (system == null) return false;
    String body = str(system, "body");
    JsonObject meta = put(new JsonObject(), "type", str(system, "type"));
    put(meta, "body", body);
    put(meta, "waId", str(system, "wa_id"));
    put(meta, "newWaId", str(system, "new_wa_id"));
    metadata.put("system", meta);
    out.put("type", "text").put("content", blank(body) ? "[system]" : body);
    return true;
  }

  private static boolean order(String waType, JsonObject m, JsonObject out, JsonObject metadata) {
    JsonObject order = object(m, "order");
    if (order == null) return false;
    String text = str(order, "text");
    JsonArray items = array(order, "product_items");
    int count = items == null ? 0 : items.size();
    metadata.put("order", order);
    out.put("type", "text").put("content", !blank(text) ? text : "[order] " + count + (count == 1 ? " item" : " items"));
    return true;
  }

  private static JsonObject context(JsonObject c) {
    JsonObject out = put(new JsonObject(), "messageId", str(c, "id"));
    put(out, "from", str(c, "from"));
    out.put("forwarded", Boolean.TRUE.equals(c.getValue("forwarded")));
    out.put("frequentlyForwarded", Boolean.TRUE.equals(c.getValue("frequently_forwarded")));
    JsonObject product = object(c, "referred_product");
    if (product != null) out.put("referredProduct", boundedPart(camel(product)));
    return out;
  }

  /** The contact whose wa_id is the sender, else the only contact there is. */
  private static String profileName(JsonArray contacts, String from) {
    if (contacts == null) return null;
    for (Object o : contacts) {
      if (o instanceof JsonObject c && from != null && from.equals(str(c, "wa_id"))) return str(object(c, "profile"), "name");
    }
    if (contacts.size() == 1 && contacts.getValue(0) instanceof JsonObject only) return str(object(only, "profile"), "name");
    return null;
  }

  // ---- statuses

  private static JsonObject status(JsonObject s, Source src) {
    String id = str(s, "id");
    String status = str(s, "status");
    if (blank(id) || blank(status) || id.length() > MAX_ID_CHARS || status.length() > MAX_ID_CHARS) return null;
    JsonObject out = new JsonObject().put("waMessageId", id).put("status", status.toLowerCase(Locale.ROOT));
    put(out, "timestamp", isoTime(s.getValue("timestamp")));
    put(out, "recipientId", str(s, "recipient_id"));
    JsonArray errors = array(s, "errors");
    if (errors != null) out.put("errors", errors(errors));
    JsonObject conversation = object(s, "conversation");
    if (conversation != null) out.put("conversation", boundedPart(conversation));
    JsonObject pricing = object(s, "pricing");
    if (pricing != null) out.put("pricing", boundedPart(pricing));
    return put(out, "phoneNumberId", src.phoneNumberId());
  }

  /** [{code, title, message, error_data:{details}}] -> [{code, title, message, details}]. */
  private static JsonArray errors(JsonArray errors) {
    JsonArray out = new JsonArray();
    for (Object o : errors) {
      if (!(o instanceof JsonObject e)) continue;
      JsonObject err = new JsonObject();
      String code = str(e, "code");
      if (code != null && code.matches("-?\\d{1,9}")) err.put("code", Integer.parseInt(code));
      put(err, "title", str(e, "title"));
      put(err, "message", str(e, "message"));
      put(err, "details", str(object(e, "error_data"), "details"));
      out.add(err);
    }
    return out;
  }

  // ---- lenient readers: wrong types read as absent, never an exception

  /** A string, or an integer written as a number; anything else is absent. */
  private static String str(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    if (v instanceof String s) return s;
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) return v.toString();
    return null;
  }

  private static JsonObject object(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof JsonObject v ? v : null;
  }

  private static JsonArray array(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof JsonArray v ? v : null;
  }

  /** A finite number, or a string holding one. */
  private static Double number(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    double d;
    if (v instanceof Number n) {
      d = n.doubleValue();
    } else if (v instanceof String s) {
      try {
        d = Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        return null;
      }
    } else {
      return null;
    }
    return Double.isFinite(d) ? d : null;
  }

  /** Unix seconds (string or integer) -> ISO-8601 UTC with Z; null when it is not that. */
  private static String isoTime(Object v) {
    String s = v instanceof String str ? str.strip() : v instanceof Integer || v instanceof Long ? v.toString() : null;
    if (s == null || !s.matches("\\d{1,12}")) return null;
    return Instant.ofEpochSecond(Long.parseLong(s)).toString();
  }

  /** snake_case keys -> camelCase (one level), values kept, nulls left out. */
  private static JsonObject camel(JsonObject o) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : o) {
      if (e.getValue() == null) continue;
      StringBuilder key = new StringBuilder();
      boolean upper = false;
      for (char ch : e.getKey().toCharArray()) {
        if (ch == '_') upper = key.length() > 0;
        else {
          key.append(upper ? Character.toUpperCase(ch) : ch);
          upper = false;
        }
      }
      out.put(key.toString(), e.getValue());
    }
    return out;
  }

  private static JsonObject put(JsonObject o, String key, Object value) {
    return value == null ? o : o.put(key, value);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String orElse(String s, String fallback) {
    return blank(s) ? fallback : s;
  }

  private static String join(String sep, String... parts) {
    StringBuilder b = new StringBuilder();
    for (String p : parts) {
      if (blank(p)) continue;
      if (b.length() > 0) b.append(sep);
      b.append(p.strip());
    }
    return b.toString();
  }
}
