package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** InboundParser on realistic Cloud API webhooks (src/test/resources/whatsapp) and on garbage. */
class InboundParserTest {
  private static final String PHONE_NUMBER_ID = "110200345678901";
  private static final String DISPLAY = "15551234567";
  private static final String MARIA = "5219991234567";
  private static final String REPLIED_TO = "wamid.HBgNNTIxOTk5MTIzNDU2NxUCABEYEjBBMUIyQzNENEU1RjZBN0I4QwA=";
  private static final List<String> FIXTURES = List.of("text", "image", "video", "audio", "document", "sticker",
      "location", "contacts", "interactive", "button", "reaction", "system", "order", "unsupported", "context_reply",
      "referral", "statuses", "mixed");

  /** The wamids of the fixtures: one recognisable marker inside a realistic id. */
  static String wamid(String marker) {
    return "wamid.HBgNNTIxOTk5MTIzNDU2NxUCABIYFjNFQjA" + marker + "QzRBNUE2QjdDOEQ5RTBGMQA=";
  }

  static JsonObject fixture(String name) {
    try (InputStream in = InboundParserTest.class.getResourceAsStream("/whatsapp/" + name + ".json")) {
      assertThat(in).as("fixture %s", name).isNotNull();
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static JsonObject parse(String fixture) {
    JsonObject body = fixture(fixture);
    assertThat(InboundParser.isWhatsappBusinessAccount(body)).isTrue();
    JsonObject result = InboundParser.parse(body);
    assertThat(result.fieldNames()).containsExactlyInAnyOrder("messages", "statuses", "ignored");
    return result;
  }

  static JsonArray messages(String fixture, int count) {
    JsonObject result = parse(fixture);
    assertThat(result.getJsonArray("messages")).as("messages of %s", fixture).hasSize(count);
    assertThat(result.getJsonArray("statuses")).isEmpty();
    assertThat(result.getJsonArray("ignored")).isEmpty();
    return result.getJsonArray("messages");
  }

  static JsonObject single(String fixture) {
    return messages(fixture, 1).getJsonObject(0);
  }

  /** The fields every message from María in the fixtures has, with the given time. */
  static void assertFromMaria(JsonObject m, String marker, String time) {
    assertThat(m.getString("waMessageId")).isEqualTo(wamid(marker));
    assertThat(m.getString("from")).isEqualTo(MARIA);
    assertThat(m.getString("phoneNumberId")).isEqualTo(PHONE_NUMBER_ID);
    assertThat(m.getString("displayPhoneNumber")).isEqualTo(DISPLAY);
    assertThat(m.getString("profileName")).isEqualTo("María García");
    assertThat(m.getString("timestamp")).isEqualTo(time);
  }

  static void assertKeys(JsonObject o, String... keys) {
    assertThat(o.fieldNames()).as("fields of %s", o.encode()).containsExactlyInAnyOrder(keys);
  }

  static final String[] COMMON = {"waMessageId", "from", "phoneNumberId", "displayPhoneNumber", "profileName",
      "timestamp", "waType", "type", "content", "metadata"};

  static String[] common(String... more) {
    String[] all = java.util.Arrays.copyOf(COMMON, COMMON.length + more.length);
    System.arraycopy(more, 0, all, COMMON.length, more.length);
    return all;
  }

  @Test
  void the_subject_of_a_notification_is_the_sender_else_the_contact_else_the_status_recipient() {
    assertThat(InboundParser.subject(WebhookPayloads.text("1", "5215550001", "Ana", "wamid.A", "hola", 1))).isEqualTo("5215550001");
    JsonObject contactOnly = WebhookPayloads.notification("1", "5215550002", "Bea", null, null);
    assertThat(InboundParser.subject(contactOnly)).isEqualTo("5215550002");
    assertThat(InboundParser.subject(WebhookPayloads.status("1", "wamid.B", "read", "5215550003", 1, null))).isEqualTo("5215550003");
    // nobody named, or the wrong shapes: no subject, no exception
    assertThat(InboundParser.subject(new JsonObject().put("entry", new JsonArray().add(1).add(new JsonObject()
        .put("changes", new JsonArray().add(new JsonObject().put("value", new JsonObject()
            .put("messages", new JsonArray().add(new JsonObject().put("from", 5)))))))))).isEmpty();
    assertThat(InboundParser.subject(new JsonObject().put("entry", "x"))).isEmpty();
  }

  @Test
  void text() {
    JsonObject m = single("text");
    assertKeys(m, COMMON);
    assertFromMaria(m, "TXT1", "2025-10-30T10:30:00Z");
    assertThat(m.getString("waType")).isEqualTo("text");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content")).isEqualTo("Hola, ¿tienen envío a Mérida? 😊🚚");
    assertThat(m.getJsonObject("metadata")).isEqualTo(new JsonObject().put("waType", "text"));
    // UTF-8 survives an encode/decode round trip (NOTES.md row 18)
    JsonObject again = new JsonObject(new String(m.toBuffer().getBytes(), StandardCharsets.UTF_8));
    assertThat(again.getString("content")).isEqualTo("Hola, ¿tienen envío a Mérida? 😊🚚");
    assertThat(again.getString("profileName")).isEqualTo("María García");
  }

  @Test
  void imageWithAndWithoutCaption() {
    JsonArray all = messages("image", 2);
    JsonObject captioned = all.getJsonObject(0);
    assertKeys(captioned, common("attachments"));
    assertFromMaria(captioned, "IMG1", "2025-10-30T10:30:00Z");
    assertThat(captioned.getString("waType")).isEqualTo("image");
    assertThat(captioned.getString("type")).isEqualTo("image");
    assertThat(captioned.getString("content")).isEqualTo("Así llegó el paquete 📦");
    assertThat(captioned.getJsonArray("attachments")).containsExactly(new JsonObject()
        .put("type", "image").put("mediaId", "1023456789012345").put("mimeType", "image/jpeg")
        .put("sha256", "nCNbC/jnMwB8zXQ0ZqkA7kD4sRGAg1PNx7Kc+Tpz3Hk=").put("caption", "Así llegó el paquete 📦"));
    assertThat(captioned.getJsonObject("metadata")).isEqualTo(new JsonObject().put("waType", "image"));

    JsonObject bare = all.getJsonObject(1);
    assertThat(bare.getString("timestamp")).isEqualTo("2025-10-30T10:31:00Z");
    assertThat(bare.getString("content")).isEqualTo("[image]");
    assertKeys(bare.getJsonArray("attachments").getJsonObject(0), "type", "mediaId", "mimeType", "sha256");
  }

  @Test
  void video() {
    JsonObject m = single("video");
    assertKeys(m, common("attachments"));
    assertFromMaria(m, "VID1", "2025-10-30T10:30:00Z");
    assertThat(m.getString("waType")).isEqualTo("video");
    assertThat(m.getString("type")).isEqualTo("document");
    assertThat(m.getString("content")).isEqualTo("[video]");
    assertThat(m.getJsonArray("attachments")).containsExactly(new JsonObject().put("type", "video")
        .put("mediaId", "2034567890123456").put("mimeType", "video/mp4")
        .put("sha256", "dmlkZW9TaGEyNTZFeGFtcGxlVmFsdWVGb3JUZXN0cz0="));
  }

  @Test
  void voiceNoteAndAudioFile() {
    JsonArray all = messages("audio", 2);
    JsonObject voice = all.getJsonObject(0);
    assertKeys(voice, common("attachments"));
    assertThat(voice.getString("waType")).isEqualTo("audio");
    assertThat(voice.getString("type")).isEqualTo("document");
    assertThat(voice.getString("content")).isEqualTo("[voice message]");
    assertThat(voice.getJsonArray("attachments")).containsExactly(new JsonObject().put("type", "audio")
        .put("mediaId", "3045678901234567").put("mimeType", "audio/ogg; codecs=opus")
        .put("sha256", "dm9pY2VOb3RlU2hhMjU2VmFsdWVGb3JUZXN0c0FCQz0=").put("voice", true));

    JsonObject file = all.getJsonObject(1);
    assertThat(file.getString("content")).isEqualTo("[audio]");
    assertThat(file.getJsonArray("attachments").getJsonObject(0).getBoolean("voice")).isFalse();
    assertThat(file.getJsonArray("attachments").getJsonObject(0).getString("mimeType")).isEqualTo("audio/mpeg");
  }

  @Test
  void documentWithFilenameAndWithCaption() {
    JsonArray all = messages("document", 2);
    JsonObject pdf = all.getJsonObject(0);
    assertKeys(pdf, common("attachments"));
    assertFromMaria(pdf, "DOC1", "2025-10-30T10:30:00Z");
    assertThat(pdf.getString("type")).isEqualTo("document");
    assertThat(pdf.getString("content")).isEqualTo("[document] factura_octubre_2025.pdf");
    assertThat(pdf.getJsonArray("attachments")).containsExactly(new JsonObject().put("type", "document")
        .put("mediaId", "4056789012345678").put("mimeType", "application/pdf")
        .put("sha256", "ZG9jdW1lbnRTaGEyNTZWYWx1ZUZvclRlc3RzMTIzND0=").put("filename", "factura_octubre_2025.pdf"));

    JsonObject captioned = all.getJsonObject(1);
    assertThat(captioned.getString("content")).isEqualTo("Mi comprobante de pago");
    JsonObject attachment = captioned.getJsonArray("attachments").getJsonObject(0);
    assertThat(attachment.getString("filename")).isEqualTo("comprobante.jpg");
    assertThat(attachment.getString("caption")).isEqualTo("Mi comprobante de pago");
  }

  @Test
  void animatedSticker() {
    JsonObject m = single("sticker");
    assertKeys(m, common("attachments"));
    assertThat(m.getString("waType")).isEqualTo("sticker");
    assertThat(m.getString("type")).isEqualTo("image");
    assertThat(m.getString("content")).isEqualTo("[sticker]");
    assertThat(m.getJsonArray("attachments")).containsExactly(new JsonObject().put("type", "sticker")
        .put("mediaId", "5067890123456789").put("mimeType", "image/webp")
        .put("sha256", "c3RpY2tlclNoYTI1NlZhbHVlRm9yVGVzdHNBbmltPT0=").put("animated", true));
  }

  @Test
  void locationWithPlaceAndBareCoordinates() {
    JsonArray all = messages("location", 2);
    JsonObject place = all.getJsonObject(0);
    assertKeys(place, common("location"));
    assertFromMaria(place, "LOC1", "2025-10-30T10:30:00Z");
    assertThat(place.getString("waType")).isEqualTo("location");
    assertThat(place.getString("type")).isEqualTo("location");
    assertThat(place.getString("content"))
        .isEqualTo("Catedral de Mérida, Calle 60 s/n, Centro, 97000 Mérida, Yuc., México");
    assertThat(place.getJsonObject("location")).isEqualTo(new JsonObject()
        .put("latitude", 20.9670759).put("longitude", -89.6237402)
        .put("address", "Calle 60 s/n, Centro, 97000 Mérida, Yuc., México")
        .put("name", "Catedral de Mérida").put("url", "https://maps.example.com/catedral"));

    JsonObject bare = all.getJsonObject(1);
    assertThat(bare.getString("content")).isEqualTo("[location]");
    assertThat(bare.getJsonObject("location")).isEqualTo(new JsonObject()
        .put("latitude", -23.5505199).put("longitude", -46.6333094).put("address", ""));
  }

  @Test
  void sharedContacts() {
    JsonObject m = single("contacts");
    assertKeys(m, COMMON);
    assertThat(m.getString("waType")).isEqualTo("contacts");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content"))
        .isEqualTo("Contact: José Pérez +52 1 999 555 0101; Contact: Ana Souza +55 11 98765-0000");
    JsonObject metadata = m.getJsonObject("metadata");
    assertKeys(metadata, "waType", "contacts");
    assertThat(metadata.getJsonArray("contacts")).hasSize(2);
    assertThat(metadata.getJsonArray("contacts").getJsonObject(0).getJsonObject("org").getString("company"))
        .isEqualTo("Ferretería Pérez");
  }

  @Test
  void interactiveButtonListAndFlowReplies() {
    JsonArray all = messages("interactive", 3);
    JsonObject button = all.getJsonObject(0);
    assertKeys(button, common("context"));
    assertThat(button.getString("waType")).isEqualTo("interactive");
    assertThat(button.getString("type")).isEqualTo("text");
    assertThat(button.getString("content")).isEqualTo("Sí, confirmar ✅");
    assertThat(button.getJsonObject("metadata")).isEqualTo(new JsonObject().put("waType", "interactive")
        .put("interactive", new JsonObject().put("type", "button_reply").put("id", "confirm_yes").put("title", "Sí, confirmar ✅")));
    assertThat(button.getJsonObject("context")).isEqualTo(new JsonObject()
        .put("messageId", REPLIED_TO).put("from", DISPLAY).put("forwarded", false).put("frequentlyForwarded", false));

    JsonObject list = all.getJsonObject(1);
    assertThat(list.getString("content")).isEqualTo("Facturación");
    assertThat(list.getJsonObject("metadata").getJsonObject("interactive")).isEqualTo(new JsonObject()
        .put("type", "list_reply").put("id", "topic_billing").put("title", "Facturación")
        .put("description", "Dudas sobre tu recibo"));

    JsonObject flow = all.getJsonObject(2);
    assertThat(flow.getString("content")).isEqualTo("Sent");
    assertThat(flow.getJsonObject("metadata").getJsonObject("interactive")).isEqualTo(new JsonObject()
        .put("type", "nfm_reply").put("title", "Sent").put("name", "flow")
        .put("responseJson", "{\"flow_token\":\"FT-1\",\"rating\":\"5\"}"));
  }

  @Test
  void templateQuickReplyButton() {
    JsonObject m = single("button");
    assertKeys(m, common("context"));
    assertFromMaria(m, "BTN1", "2025-10-30T10:30:00Z");
    assertThat(m.getString("waType")).isEqualTo("button");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content")).isEqualTo("Reprogramar visita");
    assertThat(m.getJsonObject("metadata")).isEqualTo(new JsonObject().put("waType", "button")
        .put("button", new JsonObject().put("payload", "RESCHEDULE_VISIT").put("text", "Reprogramar visita")));
    assertThat(m.getJsonObject("context").getString("messageId")).isEqualTo(REPLIED_TO);
  }

  @Test
  void reactionAndRemovedReaction() {
    JsonArray all = messages("reaction", 2);
    JsonObject added = all.getJsonObject(0);
    assertKeys(added, common("reaction"));
    assertThat(added.getString("waType")).isEqualTo("reaction");
    assertThat(added.getString("type")).isEqualTo("text");
    assertThat(added.getString("content")).isEqualTo("❤️");
    assertThat(added.getJsonObject("reaction")).isEqualTo(new JsonObject().put("messageId", REPLIED_TO).put("emoji", "❤️"));

    JsonObject removed = all.getJsonObject(1);
    assertThat(removed.getString("content")).isEqualTo("");
    assertThat(removed.getJsonObject("reaction")).isEqualTo(new JsonObject().put("messageId", REPLIED_TO).put("emoji", ""));
  }

  @Test
  void systemNumberChangeWithoutContacts() {
    JsonObject m = single("system");
    assertKeys(m, "waMessageId", "from", "phoneNumberId", "displayPhoneNumber", "timestamp", "waType", "type",
        "content", "metadata");
    assertThat(m.getString("waType")).isEqualTo("system");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content")).isEqualTo("María cambió su número de 5219991234567 a 5219997654321");
    assertThat(m.getJsonObject("metadata").getJsonObject("system")).isEqualTo(new JsonObject()
        .put("type", "user_changed_number").put("body", "María cambió su número de 5219991234567 a 5219997654321")
        .put("newWaId", "5219997654321"));
  }

  @Test
  void order() {
    JsonObject m = single("order");
    assertKeys(m, COMMON);
    assertThat(m.getString("waType")).isEqualTo("order");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content")).isEqualTo("Quiero estos dos, por favor");
    JsonObject order = m.getJsonObject("metadata").getJsonObject("order");
    assertThat(order.getString("catalog_id")).isEqualTo("7700112233445566");
    assertThat(order.getJsonArray("product_items")).hasSize(2);
    assertThat(order.getJsonArray("product_items").getJsonObject(0).getString("product_retailer_id"))
        .isEqualTo("SKU-PANEL-450W");
  }

  @Test
  void unsupportedAndUnknownKeepRawAndErrors() {
    JsonArray all = messages("unsupported", 2);
    JsonObject unsupported = all.getJsonObject(0);
    assertKeys(unsupported, COMMON);
    assertThat(unsupported.getString("waType")).isEqualTo("unsupported");
    assertThat(unsupported.getString("type")).isEqualTo("text");
    assertThat(unsupported.getString("content")).isEqualTo("[unsupported message]");
    JsonObject metadata = unsupported.getJsonObject("metadata");
    assertKeys(metadata, "waType", "raw", "errors");
    assertThat(metadata.getJsonArray("errors")).containsExactly(new JsonObject().put("code", 131051)
        .put("title", "Message type unknown").put("message", "Message type unknown")
        .put("details", "Message type is currently not supported."));
    assertThat(metadata.getJsonObject("raw").getJsonObject("unsupported").getString("type")).isEqualTo("poll_creation");

    JsonObject unknown = all.getJsonObject(1);
    assertThat(unknown.getString("waType")).isEqualTo("unknown");
    assertThat(unknown.getString("content")).isEqualTo("[unsupported message]");
    assertThat(unknown.getJsonObject("metadata").getJsonArray("errors"))
        .containsExactly(new JsonObject().put("code", 131051).put("title", "Unsupported message type"));
    assertThat(unknown.getJsonObject("metadata").getJsonObject("raw").getString("id")).isEqualTo(wamid("UNK1"));
  }

  @Test
  void contextOnRepliesForwardsAndProductQuestions() {
    JsonArray all = messages("context_reply", 3);
    JsonObject reply = all.getJsonObject(0);
    assertKeys(reply, common("context"));
    assertThat(reply.getString("content")).isEqualTo("Sí, ese mismo modelo");
    assertThat(reply.getJsonObject("context")).isEqualTo(new JsonObject()
        .put("messageId", REPLIED_TO).put("from", DISPLAY).put("forwarded", false).put("frequentlyForwarded", false));

    JsonObject forwarded = all.getJsonObject(1);
    assertThat(forwarded.getJsonObject("context"))
        .isEqualTo(new JsonObject().put("forwarded", true).put("frequentlyForwarded", true));

    JsonObject product = all.getJsonObject(2);
    assertThat(product.getJsonObject("context").getJsonObject("referredProduct")).isEqualTo(new JsonObject()
        .put("catalogId", "7700112233445566").put("productRetailerId", "SKU-PANEL-450W"));
    assertThat(product.getString("content")).isEqualTo("¿Lo tienen en negro?");
  }

  @Test
  void referralFromAnAdOnATextMessage() {
    JsonObject m = single("referral");
    assertKeys(m, COMMON);
    assertThat(m.getString("from")).isEqualTo("551198765432");
    assertThat(m.getString("profileName")).isEqualTo("João Araújo");
    assertThat(m.getString("type")).isEqualTo("text");
    assertThat(m.getString("content")).isEqualTo("Olá! Quero saber mais sobre a instalação solar ☀️");
    assertThat(m.getJsonObject("metadata")).isEqualTo(new JsonObject().put("waType", "text")
        .put("referral", new JsonObject()
            .put("sourceUrl", "https://fb.me/3xAmPlE").put("sourceId", "120210000000000001").put("sourceType", "ad")
            .put("headline", "Energia solar sem entrada").put("body", "Economize até 90% na conta de luz")
            .put("mediaType", "image").put("imageUrl", "https://scontent.example.com/ad.jpg")
            .put("ctwaClid", "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a")));
  }

  @Test
  void statusesSentDeliveredReadFailed() {
    JsonObject result = parse("statuses");
    assertThat(result.getJsonArray("messages")).isEmpty();
    assertThat(result.getJsonArray("ignored")).isEmpty();
    JsonArray statuses = result.getJsonArray("statuses");
    assertThat(statuses).hasSize(4);

    JsonObject sent = statuses.getJsonObject(0);
    assertKeys(sent, "waMessageId", "status", "timestamp", "recipientId", "conversation", "pricing", "phoneNumberId");
    assertThat(sent.getString("waMessageId")).isEqualTo(wamid("OUT1"));
    assertThat(sent.getString("status")).isEqualTo("sent");
    assertThat(sent.getString("timestamp")).isEqualTo("2025-10-30T10:30:00Z");
    assertThat(sent.getString("recipientId")).isEqualTo(MARIA);
    assertThat(sent.getString("phoneNumberId")).isEqualTo(PHONE_NUMBER_ID);
    assertThat(sent.getJsonObject("conversation").getString("id")).isEqualTo("c0a1b2c3d4e5f60718293a4b5c6d7e8f");
    assertThat(sent.getJsonObject("pricing").getString("category")).isEqualTo("service");

    assertThat(statuses.getJsonObject(1)).isEqualTo(new JsonObject().put("waMessageId", wamid("OUT1"))
        .put("status", "delivered").put("timestamp", "2025-10-30T10:31:00Z").put("recipientId", MARIA)
        .put("phoneNumberId", PHONE_NUMBER_ID));
    assertThat(statuses.getJsonObject(2).getString("status")).isEqualTo("read");
    assertThat(statuses.getJsonObject(2).getString("timestamp")).isEqualTo("2025-10-30T10:32:01Z");

    JsonObject failed = statuses.getJsonObject(3);
    assertKeys(failed, "waMessageId", "status", "timestamp", "recipientId", "errors", "phoneNumberId");
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("recipientId")).isEqualTo("551198765432");
    assertThat(failed.getJsonArray("errors")).containsExactly(new JsonObject().put("code", 131047)
        .put("title", "Re-engagement message").put("message", "Re-engagement message")
        .put("details", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."));
  }

  @Test
  void severalEntriesChangesMessagesAndStatusesInOneBody() {
    JsonObject result = parse("mixed");
    JsonArray messages = result.getJsonArray("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.stream().map(o -> ((JsonObject) o).getString("waMessageId")))
        .containsExactly(wamid("MIX1"), wamid("MIX2"), wamid("MIX3"), wamid("MIX4"));

    // two contacts in the change: each message gets the name of its own sender
    assertThat(messages.getJsonObject(0).getString("profileName")).isEqualTo("João Araújo");
    assertThat(messages.getJsonObject(0).getString("content")).isEqualTo("Bom dia");
    assertThat(messages.getJsonObject(1).getString("profileName")).isEqualTo("María García");
    assertThat(messages.getJsonObject(1).getString("timestamp")).isEqualTo("2025-10-30T10:31:00Z");
    // a sender with no contact entry among several: no name rather than someone else's
    assertThat(messages.getJsonObject(2).getString("from")).isEqualTo("5491123456789");
    assertThat(messages.getJsonObject(2).containsKey("profileName")).isFalse();

    JsonObject other = messages.getJsonObject(3);
    assertThat(other.getString("phoneNumberId")).isEqualTo("110200345678999");
    assertThat(other.getString("displayPhoneNumber")).isEqualTo("5215550001111");
    assertThat(other.getString("profileName")).isEqualTo("Zoë Müller 🌻");
    assertThat(other.getString("type")).isEqualTo("image");
    assertThat(other.getString("timestamp")).isEqualTo("2025-10-30T10:35:00Z");

    assertThat(result.getJsonArray("statuses")).containsExactly(new JsonObject().put("waMessageId", wamid("OUT3"))
        .put("status", "delivered").put("timestamp", "2025-10-30T10:33:20Z").put("recipientId", "551198765432")
        .put("phoneNumberId", PHONE_NUMBER_ID));
    assertThat(result.getJsonArray("ignored")).containsExactly(new JsonObject()
        .put("reason", "field not handled").put("entryId", "209876543210987").put("field", "message_template_status_update"));
  }

  @Test
  void onlyTheOneContactNamesASenderWithAnotherWaId() {
    // WhatsApp may report a different form of the number in contacts (e.g. Brazil without the 9)
    JsonObject body = fixture("text");
    JsonObject message = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
        .getJsonObject("value").getJsonArray("messages").getJsonObject(0);
    message.put("from", "529991234567");
    JsonObject m = InboundParser.parse(body).getJsonArray("messages").getJsonObject(0);
    assertThat(m.getString("from")).isEqualTo("529991234567");
    assertThat(m.getString("profileName")).isEqualTo("María García");
  }

  // ---- garbage

  static JsonObject parseRaw(String json) {
    JsonObject result = InboundParser.parse(new JsonObject(json));
    assertThat(result.fieldNames()).containsExactlyInAnyOrder("messages", "statuses", "ignored");
    return result;
  }

  static JsonObject change(String value) {
    return new JsonObject("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"E1\",\"changes\":"
        + "[{\"field\":\"messages\",\"value\":" + value + "}]}]}");
  }

  @Test
  void missingOrMistypedEntry() {
    JsonObject noEntry = new JsonObject().put("messages", new JsonArray()).put("statuses", new JsonArray())
        .put("ignored", new JsonArray().add(new JsonObject().put("reason", "entry is not an array")));
    assertThat(InboundParser.parse(null)).isEqualTo(noEntry);
    assertThat(InboundParser.parse(new JsonObject())).isEqualTo(noEntry);
    assertThat(parseRaw("{\"object\":\"whatsapp_business_account\",\"entry\":{\"id\":\"1\"}}")).isEqualTo(noEntry);
    assertThat(parseRaw("{\"entry\":\"nope\"}")).isEqualTo(noEntry);

    assertThat(InboundParser.isWhatsappBusinessAccount(null)).isFalse();
    assertThat(InboundParser.isWhatsappBusinessAccount(new JsonObject("{\"object\":\"whatsapp_business_account\",\"entry\":{}}"))).isFalse();
    assertThat(InboundParser.isWhatsappBusinessAccount(new JsonObject("{\"object\":\"page\",\"entry\":[]}"))).isFalse();
    assertThat(InboundParser.isWhatsappBusinessAccount(new JsonObject("{\"object\":\"whatsapp_business_account\",\"entry\":[]}"))).isTrue();
  }

  @Test
  void brokenEntriesAndChangesAreExplainedNotThrown() {
    JsonObject result = parseRaw("{\"object\":\"whatsapp_business_account\",\"entry\":[null, 5, {\"id\":\"A\"},"
        + "{\"id\":\"B\",\"changes\":\"x\"},"
        + "{\"id\":7,\"changes\":[null, {\"field\":\"messages\"}, {\"field\":\"messages\",\"value\":null},"
        + "{\"field\":\"messages\",\"value\":\"str\"}, {\"value\":{}},"
        + "{\"field\":\"messages\",\"value\":{\"metadata\":\"x\",\"contacts\":5,\"messages\":\"no\",\"statuses\":{}}},"
        + "{\"field\":\"messages\",\"value\":{\"messages\":[null, 1, {}, {\"id\":\"\"}, {\"id\":null,\"type\":\"text\"}]}}]}]}");
    assertThat(result.getJsonArray("messages")).isEmpty();
    assertThat(result.getJsonArray("statuses")).isEmpty();
    assertThat(result.getJsonArray("ignored").stream().map(o -> ((JsonObject) o).encode())).containsExactly(
        "{\"reason\":\"entry is not an object\"}",
        "{\"reason\":\"entry is not an object\"}",
        "{\"reason\":\"changes is not an array\",\"entryId\":\"A\"}",
        "{\"reason\":\"changes is not an array\",\"entryId\":\"B\"}",
        "{\"reason\":\"change is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"value is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"value is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"value is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"field not handled\",\"entryId\":\"7\"}",
        "{\"reason\":\"messages is not an array\",\"entryId\":\"7\"}",
        "{\"reason\":\"statuses is not an array\",\"entryId\":\"7\"}",
        "{\"reason\":\"messages item is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"messages item is not an object\",\"entryId\":\"7\"}",
        "{\"reason\":\"message without id\",\"entryId\":\"7\"}",
        "{\"reason\":\"message without id\",\"entryId\":\"7\"}",
        "{\"reason\":\"message without id\",\"entryId\":\"7\"}");
  }

  @Test
  void numbersWhereStringsShouldBe() {
    JsonObject result = InboundParser.parse(change("{\"metadata\":{\"display_phone_number\":15551234567,"
        + "\"phone_number_id\":110200345678901},\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":5215550001111},"
        + "{\"profile\":{\"name\":42},\"wa_id\":\"1\"}],"
        + "\"messages\":[{\"id\":\"wamid.N1\",\"from\":5215550001111,\"timestamp\":1761820200,\"type\":\"text\",\"text\":{\"body\":42}},"
        + "{\"id\":\"wamid.N2\",\"from\":\"1\",\"timestamp\":\"99999999999999999999\",\"type\":\"location\","
        + "\"location\":{\"latitude\":\"20.5\",\"longitude\":-89,\"name\":7}}]}"));
    JsonObject n1 = result.getJsonArray("messages").getJsonObject(0);
    assertThat(n1.getString("from")).isEqualTo("5215550001111");
    assertThat(n1.getString("phoneNumberId")).isEqualTo("110200345678901");
    assertThat(n1.getString("displayPhoneNumber")).isEqualTo("15551234567");
    assertThat(n1.getString("profileName")).isEqualTo("Ana");
    assertThat(n1.getString("timestamp")).isEqualTo("2025-10-30T10:30:00Z");
    assertThat(n1.getString("content")).isEqualTo("42");

    JsonObject n2 = result.getJsonArray("messages").getJsonObject(1);
    assertThat(n2.getString("profileName")).isEqualTo("42");
    assertThat(n2.containsKey("timestamp")).isFalse();
    assertThat(n2.getString("type")).isEqualTo("location");
    assertThat(n2.getJsonObject("location")).isEqualTo(new JsonObject()
        .put("latitude", 20.5).put("longitude", -89.0).put("address", "7").put("name", "7"));
  }

  @Test
  void messagesThatCannotBeUnderstoodAreKeptRaw() {
    JsonObject result = InboundParser.parse(change("{\"messages\":["
        + "{\"id\":\"wamid.W1\",\"type\":\"image\",\"image\":\"not an object\",\"timestamp\":\"yesterday\","
        + "\"context\":\"x\",\"referral\":[1],\"errors\":\"x\",\"identity\":5},"
        + "{\"id\":\"wamid.W2\",\"type\":[\"text\"],\"text\":{\"body\":\"hi\"}},"
        + "{\"id\":\"wamid.W3\",\"type\":\"location\",\"location\":{\"latitude\":\"north\",\"longitude\":1}},"
        + "{\"id\":\"wamid.W4\",\"type\":\"ephemeral\",\"errors\":[null, {\"code\":\"131051\",\"title\":5,\"error_data\":\"x\"}]},"
        + "{\"id\":\"wamid.W5\"}]}"));
    JsonArray messages = result.getJsonArray("messages");
    assertThat(messages).hasSize(5);
    assertThat(result.getJsonArray("ignored")).isEmpty();

    JsonObject w1 = messages.getJsonObject(0);
    assertKeys(w1, "waMessageId", "waType", "type", "content", "metadata");
    assertThat(w1.getString("waType")).isEqualTo("image");
    assertThat(w1.getString("type")).isEqualTo("text");
    assertThat(w1.getString("content")).isEqualTo("[unsupported message]");
    assertKeys(w1.getJsonObject("metadata"), "waType", "raw");
    assertThat(w1.getJsonObject("metadata").getJsonObject("raw").getString("image")).isEqualTo("not an object");

    assertThat(messages.getJsonObject(1).getString("waType")).isEqualTo("unknown");
    assertThat(messages.getJsonObject(1).getJsonObject("metadata").getJsonObject("raw").getJsonArray("type"))
        .containsExactly("text");
    assertThat(messages.getJsonObject(2).getString("waType")).isEqualTo("location");
    assertThat(messages.getJsonObject(2).getString("type")).isEqualTo("text");
    assertThat(messages.getJsonObject(2).containsKey("location")).isFalse();

    JsonObject w4 = messages.getJsonObject(3);
    assertThat(w4.getString("waType")).isEqualTo("ephemeral");
    assertThat(w4.getJsonObject("metadata").getJsonArray("errors"))
        .containsExactly(new JsonObject().put("code", 131051).put("title", "5"));
    assertThat(messages.getJsonObject(4).getString("waType")).isEqualTo("unknown");
    assertThat(messages.getJsonObject(4).getString("content")).isEqualTo("[unsupported message]");
  }

  @Test
  void brokenStatusesAndWebhookErrors() {
    JsonObject result = InboundParser.parse(change("{\"metadata\":{\"phone_number_id\":\"P1\"},\"statuses\":["
        + "{\"status\":\"read\"}, {\"id\":\"wamid.S1\"}, {\"id\":\"wamid.S2\",\"status\":null},"
        + "{\"id\":\"wamid.S3\",\"status\":\"READ\",\"timestamp\":\"abc\",\"conversation\":\"x\","
        + "\"errors\":[{\"code\":\"131026\",\"error_data\":{\"details\":\"Receiver is incapable\"}}]}],"
        + "\"errors\":[{\"code\":130429,\"title\":\"Rate limit hit\",\"message\":\"(#130429) Rate limit hit\","
        + "\"error_data\":{\"details\":\"Cloud API message throughput has been reached.\"}}]}"));
    assertThat(result.getJsonArray("statuses")).containsExactly(new JsonObject().put("waMessageId", "wamid.S3")
        .put("status", "read").put("errors", new JsonArray().add(new JsonObject().put("code", 131026)
            .put("details", "Receiver is incapable"))).put("phoneNumberId", "P1"));
    JsonArray ignored = result.getJsonArray("ignored");
    assertThat(ignored).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(ignored.getJsonObject(i)).isEqualTo(new JsonObject()
          .put("reason", "status without id or status").put("entryId", "E1"));
    }
    assertThat(ignored.getJsonObject(3)).isEqualTo(new JsonObject().put("reason", "webhook errors").put("entryId", "E1")
        .put("errors", new JsonArray().add(new JsonObject().put("code", 130429).put("title", "Rate limit hit")
            .put("message", "(#130429) Rate limit hit").put("details", "Cloud API message throughput has been reached."))));
  }

  /** Every single node of every fixture replaced by each wrong JSON type: always an answer, never an exception. */
  @Test
  void anySingleNodeOfAnyFixtureMayBeWrong() {
    List<Object> wrong = List.of(7, 1.5, "x", "", true, new JsonArray(), new JsonObject(), new JsonArray().add(1));
    int[] parses = {0};
    for (String name : FIXTURES) {
      JsonObject root = fixture(name);
      mutate(root, root, wrong, result -> {
        parses[0]++;
        assertThat(result.fieldNames()).containsExactlyInAnyOrder("messages", "statuses", "ignored");
        for (Object o : result.getJsonArray("messages")) {
          JsonObject m = (JsonObject) o;
          assertThat(m.getString("waMessageId")).isNotBlank();
          assertThat(m.getString("content")).isNotNull();
          assertThat(m.getString("type")).isIn("text", "image", "document", "location");
          assertThat(m.getJsonObject("metadata").getString("waType")).isEqualTo(m.getString("waType"));
          assertThat(m.fieldNames()).doesNotContainNull();
          assertThat(m.getMap().values()).doesNotContainNull();
        }
        for (Object o : result.getJsonArray("statuses")) {
          assertThat(((JsonObject) o).getString("status")).isNotBlank();
        }
        for (Object o : result.getJsonArray("ignored")) {
          assertThat(((JsonObject) o).getString("reason")).isNotBlank().doesNotStartWith("unparsable");
        }
      });
    }
    assertThat(parses[0]).isGreaterThan(5000);
  }

  private static void mutate(JsonObject root, Object node, List<Object> wrong, Consumer<JsonObject> check) {
    if (node instanceof JsonObject o) {
      for (String key : List.copyOf(o.fieldNames())) {
        Object original = o.getValue(key);
        for (Object w : wrong) {
          o.put(key, w);
          check.accept(InboundParser.parse(root));
        }
        o.putNull(key);
        check.accept(InboundParser.parse(root));
        o.remove(key);
        check.accept(InboundParser.parse(root));
        o.put(key, original);
        mutate(root, original, wrong, check);
      }
    } else if (node instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        Object original = a.getValue(i);
        for (Object w : wrong) {
          a.set(i, w);
          check.accept(InboundParser.parse(root));
        }
        a.set(i, null);
        check.accept(InboundParser.parse(root));
        a.set(i, original);
        mutate(root, original, wrong, check);
      }
    }
  }
}
