package crm.whatsapp;

import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A template's {@code components} as a send request gives them ({@code templateComponents}), checked against the
 * Cloud API's format for sending a template and rebuilt from the fields it knows (nothing else passes through):
 * <pre>
 *   {type: "header", parameters: [ one of
 *       {type: "text", text} | {type: "image"|"video"|"document", image|video|document: {link | publicId, filename?}}
 *       | {type: "location", location: {latitude, longitude, name?, address?}} ]}
 *   {type: "body", parameters: [ {type: "text", text, parameter_name?}
 *       | {type: "currency", currency: {fallback_value, code, amount_1000}} | {type: "date_time", date_time: {fallback_value}} ]}
 *   {type: "button", sub_type: "quick_reply"|"url"|"copy_code", index: 0-9, parameters: [ one of
 *       {type: "payload", payload} (quick_reply) | {type: "text", text} (url) | {type: "coupon_code", coupon_code} ]}
 * </pre>
 * A media parameter may name an uploaded file by {@code publicId} instead of a link: the sender turns it into a signed
 * link to our copy before the request leaves ({@link #publicIds}, {@link #withLinks}).
 */
final class TemplateComponents {
  private TemplateComponents() {}

  private static final Set<String> MEDIA = Set.of("image", "video", "document");
  private static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");
  private static final Pattern NAME = Pattern.compile("^[a-z0-9_]{1,64}$");
  private static final Pattern LINK = Pattern.compile("^https?://\\S+$");

  /** The components, checked and rebuilt; VALIDATION_FAILED naming the first wrong field. */
  static JsonArray validate(Object value) {
    if (!(value instanceof JsonArray list) || list.isEmpty() || list.size() > 12) {
      throw invalid("templateComponents", "templateComponents must be an array of 1 to 12 components");
    }
    JsonArray out = new JsonArray();
    Set<String> seen = new HashSet<>();
    Set<String> buttons = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "templateComponents[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject c)) throw invalid(at, at + " must be an object");
      String type = string(c, "type", at, 16);
      JsonArray params = c.getValue("parameters") instanceof JsonArray p ? p : null;
      if (params == null || params.isEmpty()) throw invalid(at + ".parameters", at + ".parameters must be a non-empty array");
      switch (type) {
        case "header" -> {
          if (!seen.add("header")) throw invalid(at, "only one header component");
          if (params.size() != 1) throw invalid(at + ".parameters", "a header has exactly one parameter");
          out.add(new JsonObject().put("type", "header").put("parameters", new JsonArray().add(headerParam(params.getValue(0), at + ".parameters[0]"))));
        }
        case "body" -> {
          if (!seen.add("body")) throw invalid(at, "only one body component");
          if (params.size() > 100) throw invalid(at + ".parameters", "at most 100 body parameters");
          JsonArray built = new JsonArray();
          for (int j = 0; j < params.size(); j++) built.add(bodyParam(params.getValue(j), at + ".parameters[" + j + "]"));
          out.add(new JsonObject().put("type", "body").put("parameters", built));
        }
        case "button" -> {
          String sub = string(c, "sub_type", at, 16);
          Object idx = c.getValue("index");
          int index = idx instanceof Integer n ? n : idx instanceof String s && s.matches("^[0-9]$") ? Integer.parseInt(s) : -1;
          if (index < 0 || index > 9) throw invalid(at + ".index", at + ".index must be 0 to 9");
          if (!buttons.add(String.valueOf(index))) throw invalid(at + ".index", "two button components with index " + index);
          if (params.size() != 1) throw invalid(at + ".parameters", "a button has exactly one parameter");
          out.add(new JsonObject().put("type", "button").put("sub_type", sub).put("index", String.valueOf(index))
              .put("parameters", new JsonArray().add(buttonParam(sub, params.getValue(0), at + ".parameters[0]"))));
        }
        default -> throw invalid(at + ".type", at + ".type must be header, body or button");
      }
    }
    return out;
  }

  private static JsonObject headerParam(Object value, String at) {
    JsonObject p = object(value, at);
    String type = string(p, "type", at, 16);
    if (type.equals("text")) return new JsonObject().put("type", "text").put("text", string(p, "text", at, 60));
    if (MEDIA.contains(type)) {
      JsonObject media = object(p.getValue(type), at + "." + type);
      JsonObject built = new JsonObject();
      String link = media.getValue("link") == null ? null : string(media, "link", at + "." + type, 2048);
      String publicId = media.getValue("publicId") == null ? null : string(media, "publicId", at + "." + type, 255);
      if ((link == null) == (publicId == null)) throw invalid(at + "." + type, at + "." + type + " needs a link or a publicId (one of them)");
      if (link != null && !LINK.matcher(link).matches()) throw invalid(at + "." + type + ".link", "the link must be an http(s) URL");
      if (link != null) built.put("link", link);
      else built.put("publicId", publicId);
      if (type.equals("document") && media.getValue("filename") != null) built.put("filename", string(media, "filename", at + ".document", 240));
      return new JsonObject().put("type", type).put(type, built);
    }
    if (type.equals("location")) {
      JsonObject loc = object(p.getValue("location"), at + ".location");
      double lat = number(loc, "latitude", at + ".location", -90, 90);
      double lon = number(loc, "longitude", at + ".location", -180, 180);
      JsonObject built = new JsonObject().put("latitude", lat).put("longitude", lon);
      for (String f : List.of("name", "address")) if (loc.getValue(f) != null) built.put(f, string(loc, f, at + ".location", 1000));
      return new JsonObject().put("type", "location").put("location", built);
    }
    throw invalid(at + ".type", at + ".type must be text, image, video, document or location");
  }

  private static JsonObject bodyParam(Object value, String at) {
    JsonObject p = object(value, at);
    String type = string(p, "type", at, 16);
    switch (type) {
      case "text" -> {
        JsonObject built = new JsonObject().put("type", "text");
        if (p.getValue("parameter_name") != null) {
          String name = string(p, "parameter_name", at, 64);
          if (!NAME.matcher(name).matches()) throw invalid(at + ".parameter_name", "parameter names are lower-case letters, digits and _");
          built.put("parameter_name", name);
        }
        return built.put("text", string(p, "text", at, 1024));
      }
      case "currency" -> {
        JsonObject cur = object(p.getValue("currency"), at + ".currency");
        String code = string(cur, "code", at + ".currency", 3);
        if (!CURRENCY.matcher(code).matches()) throw invalid(at + ".currency.code", "the currency code is ISO 4217 (three capital letters)");
        if (!(cur.getValue("amount_1000") instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
            || Math.abs(n.doubleValue()) > 1e15) {
          throw invalid(at + ".currency.amount_1000", "amount_1000 is the amount times 1000, an integer");
        }
        return new JsonObject().put("type", "currency").put("currency", new JsonObject()
            .put("fallback_value", string(cur, "fallback_value", at + ".currency", 1024)).put("code", code).put("amount_1000", n.longValue()));
      }
      case "date_time" -> {
        JsonObject dt = object(p.getValue("date_time"), at + ".date_time");
        return new JsonObject().put("type", "date_time").put("date_time", new JsonObject()
            .put("fallback_value", string(dt, "fallback_value", at + ".date_time", 1024)));
      }
      default -> throw invalid(at + ".type", at + ".type must be text, currency or date_time");
    }
  }

  private static JsonObject buttonParam(String sub, Object value, String at) {
    JsonObject p = object(value, at);
    String type = string(p, "type", at, 16);
    return switch (sub) {
      case "quick_reply" -> {
        if (!type.equals("payload")) throw invalid(at + ".type", "a quick_reply button takes a payload parameter");
        yield new JsonObject().put("type", "payload").put("payload", string(p, "payload", at, 1000));
      }
      case "url" -> {
        if (!type.equals("text")) throw invalid(at + ".type", "a url button takes a text parameter (the URL's variable part)");
        yield new JsonObject().put("type", "text").put("text", string(p, "text", at, 2000));
      }
      case "copy_code" -> {
        if (!type.equals("coupon_code")) throw invalid(at + ".type", "a copy_code button takes a coupon_code parameter");
        yield new JsonObject().put("type", "coupon_code").put("coupon_code", string(p, "coupon_code", at, 15));
      }
      default -> throw invalid(at.substring(0, at.lastIndexOf(".parameters")) + ".sub_type", "sub_type must be quick_reply, url or copy_code");
    };
  }

  /** The uploaded files the components name (media parameters with a publicId). */
  static Set<String> publicIds(JsonArray components) {
    Set<String> ids = new HashSet<>();
    for (Object c : components) {
      for (Object p : ((JsonObject) c).getJsonArray("parameters")) {
        JsonObject param = (JsonObject) p;
        String type = param.getString("type");
        if (MEDIA.contains(type) && param.getJsonObject(type).getString("publicId") != null) ids.add(param.getJsonObject(type).getString("publicId"));
      }
    }
    return ids;
  }

  /** The components with each publicId replaced by the link given for it (the caller resolved them all). */
  static JsonArray withLinks(JsonArray components, java.util.Map<String, String> links) {
    JsonArray out = components.copy();
    for (Object c : out) {
      for (Object p : ((JsonObject) c).getJsonArray("parameters")) {
        JsonObject param = (JsonObject) p;
        String type = param.getString("type");
        if (!MEDIA.contains(type)) continue;
        JsonObject media = param.getJsonObject(type);
        String id = (String) media.remove("publicId");
        if (id != null) media.put("link", links.get(id));
      }
    }
    return out;
  }

  private static JsonObject object(Object value, String at) {
    if (!(value instanceof JsonObject o)) throw invalid(at, at + " must be an object");
    return o;
  }

  private static String string(JsonObject o, String field, String at, int max) {
    if (!(o.getValue(field) instanceof String s) || s.isBlank() || s.length() > max) {
      throw invalid(at + "." + field, at + "." + field + " must be a non-empty string of at most " + max + " characters");
    }
    return s;
  }

  private static double number(JsonObject o, String field, String at, double min, double max) {
    if (!(o.getValue(field) instanceof Number n) || Double.isNaN(n.doubleValue()) || n.doubleValue() < min || n.doubleValue() > max) {
      throw invalid(at + "." + field, at + "." + field + " must be a number from " + min + " to " + max);
    }
    return n.doubleValue();
  }

  private static CrmException invalid(String field, String message) {
    return CrmException.validation(field, message);
  }
}
