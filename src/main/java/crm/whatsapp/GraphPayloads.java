package crm.whatsapp;

import crm.bus.Check;
import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * What a send request may say, and the Graph API body it becomes. Request fields: {@code type} (text, template,
 * image, document, audio, video, reaction, read), {@code conversationId} or {@code to}, {@code content} (text body or
 * caption), {@code templateName}, {@code language}, {@code templateParams} (array = positional, object = named),
 * {@code headerMedia {type, link}}, {@code templateComponents} (Meta's components: header, body, buttons; see
 * {@link TemplateComponents}), {@code mediaUrl} or {@code publicId} (an uploaded file), {@code filename}, {@code replyTo} (our id or a wamid, quoted),
 * {@code targetMessageId} (reaction and read), {@code emoji}, {@code typing} (read: also show the typing indicator;
 * default false),
 * {@code agentId}, {@code sessionId} (the sending agent's session: its sockets have the message in the send's answer),
 * {@code idempotencyKey}.
 */
final class GraphPayloads {
  private GraphPayloads() {}

  static final Set<String> TYPES = Set.of("text", "template", "image", "document", "audio", "video", "reaction", "read");
  private static final Set<String> HEADER_MEDIA = Set.of("image", "video", "document");

  /** The request, checked: wrong types, missing or oversized fields -> VALIDATION_FAILED with the field. */
  static JsonObject validate(JsonObject body) {
    String type = Check.oneOf(Check.optionalString(body, "type", 16), "type", TYPES);
    if (type == null) type = "text";
    JsonObject out = new JsonObject().put("type", type);
    copy(body, out, "conversationId", 64);
    copy(body, out, "to", 32);
    copy(body, out, "agentId", 64);
    copy(body, out, "sessionId", 64);
    copy(body, out, "idempotencyKey", 200);
    copy(body, out, "replyTo", 128);
    // who sends it when it is not an agent: "assistant" (crm.assistant), "system" (automated notices such as a ticket's
    // resolution, which analytics does not count as a reply); stored as metadata.sentBy
    String sentBy = Check.oneOf(Check.optionalString(body, "sentBy", 16), "sentBy", Set.of("agent", "assistant", "system"));
    if (sentBy != null) out.put("sentBy", sentBy);
    if (out.getString("conversationId") == null && out.getString("to") == null) {
      throw CrmException.validation("conversationId", "conversationId or to is required");
    }
    switch (type) {
      case "text" -> out.put("content", Check.requiredString(body, "content", 4096));
      case "template" -> {
        out.put("templateName", Check.requiredString(body, "templateName", 512));
        out.put("language", body.getString("language") == null ? "en_US" : Check.requiredString(body, "language", 16));
        Object params = body.getValue("templateParams");
        if (params instanceof JsonArray arr) {
          out.put("templateParams", Check.optionalStrings(body, "templateParams", 100, 1024));
        } else if (params instanceof JsonObject named) {
          for (String k : named.fieldNames()) {
            if (!(named.getValue(k) instanceof String s) || s.length() > 1024 || !k.matches("^[a-z0-9_]{1,64}$")) {
              throw CrmException.validation("templateParams", "named template parameters are lower-case names with string values");
            }
          }
          out.put("templateParams", named);
        } else if (params != null) {
          throw CrmException.validation("templateParams", "templateParams must be an array or an object of strings");
        }
        if (body.getValue("templateComponents") != null) {
          JsonArray components = TemplateComponents.validate(body.getValue("templateComponents"));
          boolean hasBody = components.stream().anyMatch(c -> "body".equals(((JsonObject) c).getString("type")));
          boolean hasHeader = components.stream().anyMatch(c -> "header".equals(((JsonObject) c).getString("type")));
          if (hasBody && out.getValue("templateParams") != null) {
            throw CrmException.validation("templateParams", "give the body's parameters once: templateParams or a body component");
          }
          if (hasHeader && body.getValue("headerMedia") != null) {
            throw CrmException.validation("headerMedia", "give the header once: headerMedia or a header component");
          }
          out.put("templateComponents", components);
        }
        JsonObject header = body.getValue("headerMedia") instanceof JsonObject h ? h : null;
        if (body.getValue("headerMedia") != null && header == null) throw CrmException.validation("headerMedia", "headerMedia must be an object");
        if (header != null) {
          String ht = Check.oneOf(Check.requiredString(header, "type", 16), "headerMedia.type", HEADER_MEDIA);
          out.put("headerMedia", new JsonObject().put("type", ht).put("link", link(header, "link")));
        }
        String content = Check.optionalString(body, "content", 4096);
        out.put("content", content != null ? content : "[template] " + out.getString("templateName"));
      }
      case "image", "document", "audio", "video" -> {
        // a link, or an uploaded file (its publicId; the sender turns it into a signed link to our copy)
        if (body.getValue("publicId") != null) {
          if (body.getValue("mediaUrl") != null) throw CrmException.validation("publicId", "give mediaUrl or publicId, not both");
          out.put("publicId", Check.requiredString(body, "publicId", 255));
        } else {
          out.put("mediaUrl", link(body, "mediaUrl"));
        }
        String caption = Check.optionalString(body, "content", 1024);
        if (caption != null && !type.equals("audio")) out.put("caption", caption);
        copy(body, out, "filename", 240);
        out.put("content", caption != null ? caption : "[" + type + "]");
      }
      case "reaction" -> {
        out.put("targetMessageId", Check.requiredString(body, "targetMessageId", 128));
        String emoji = Check.optionalString(body, "emoji", 16);
        out.put("emoji", emoji == null ? "" : emoji);
        out.put("content", emoji == null ? "" : emoji);
      }
      case "read" -> {
        out.put("targetMessageId", Check.requiredString(body, "targetMessageId", 128));
        // a read receipt alone unless asked: the typing indicator shows the customer "typing..." for up to 25 s
        Boolean typing = Check.optionalBoolean(body, "typing");
        out.put("typing", typing != null && typing);
      }
      default -> throw CrmException.validation("type", "unsupported type");
    }
    return out;
  }

  /** The Graph API body for a validated request, to {@code prepared.to}. */
  static JsonObject build(JsonObject req, JsonObject prepared) {
    String type = req.getString("type");
    if (type.equals("read")) {
      JsonObject read = new JsonObject().put("messaging_product", "whatsapp").put("status", "read")
          .put("message_id", prepared.getString("targetWamid"));
      if (req.getBoolean("typing", false)) read.put("typing_indicator", new JsonObject().put("type", "text"));
      return read;
    }
    JsonObject msg = new JsonObject().put("messaging_product", "whatsapp").put("recipient_type", "individual")
        .put("to", prepared.getString("to")).put("type", type);
    switch (type) {
      case "text" -> {
        JsonObject text = new JsonObject().put("body", req.getString("content"));
        // Meta renders a preview of the first http(s) URL in the body only when asked; asking without one is noise
        if (hasLink(req.getString("content"))) text.put("preview_url", true);
        msg.put("text", text);
      }
      case "template" -> msg.put("template", template(req));
      case "image", "document", "audio", "video" -> {
        JsonObject media = new JsonObject().put("link", req.getString("mediaUrl"));
        if (req.getString("caption") != null) media.put("caption", req.getString("caption"));
        if (type.equals("document") && req.getString("filename") != null) media.put("filename", req.getString("filename"));
        msg.put(type, media);
      }
      case "reaction" -> msg.put("reaction", new JsonObject()
          .put("message_id", prepared.getString("targetWamid")).put("emoji", req.getString("emoji")));
      default -> throw new IllegalArgumentException(type);
    }
    if (prepared.getString("contextWamid") != null && !type.equals("reaction")) {
      msg.put("context", new JsonObject().put("message_id", prepared.getString("contextWamid")));
    }
    return msg;
  }

  private static JsonObject template(JsonObject req) {
    JsonArray components = new JsonArray();
    JsonObject header = req.getJsonObject("headerMedia");
    if (header != null) {
      String ht = header.getString("type");
      components.add(new JsonObject().put("type", "header").put("parameters", new JsonArray()
          .add(new JsonObject().put("type", ht).put(ht, new JsonObject().put("link", header.getString("link"))))));
    }
    Object params = req.getValue("templateParams");
    JsonArray parameters = new JsonArray();
    if (params instanceof JsonArray arr) {
      for (Object p : arr) parameters.add(new JsonObject().put("type", "text").put("text", p));
    } else if (params instanceof JsonObject named) {
      for (String k : named.fieldNames()) {
        parameters.add(new JsonObject().put("type", "text").put("parameter_name", k).put("text", named.getString(k)));
      }
    }
    if (!parameters.isEmpty()) components.add(new JsonObject().put("type", "body").put("parameters", parameters));
    JsonArray given = req.getJsonArray("templateComponents");
    if (given != null) {
      components.addAll(given);
      // Meta's order: header, body, then the buttons by index
      List<Object> sorted = new ArrayList<>(components.getList());
      sorted.sort(Comparator.comparingInt(c -> order(c)));
      components = new JsonArray(sorted);
    }
    JsonObject t = new JsonObject().put("name", req.getString("templateName"))
        .put("language", new JsonObject().put("code", req.getString("language")));
    if (!components.isEmpty()) t.put("components", components);
    return t;
  }

  private static int order(Object component) {
    JsonObject c = component instanceof JsonObject o ? o : JsonObject.mapFrom(component);
    return switch (c.getString("type")) {
      case "header" -> 0;
      case "body" -> 1;
      default -> 2 + Integer.parseInt(c.getString("index", "0"));
    };
  }

  private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile("(?i)\\bhttps?://\\S");

  /** Whether the text holds a link WhatsApp can preview (it must begin with http:// or https://). */
  static boolean hasLink(String text) {
    return text != null && URL.matcher(text).find();
  }

  private static String link(JsonObject json, String field) {
    String url = Check.requiredString(json, field, 2048);
    if (!url.matches("^https?://\\S+$")) throw CrmException.validation(field, field + " must be an http(s) URL");
    return url;
  }

  private static void copy(JsonObject from, JsonObject to, String field, int max) {
    String v = Check.optionalString(from, field, max);
    if (v != null) to.put(field, v);
  }
}
