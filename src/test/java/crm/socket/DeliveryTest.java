package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The delivery table: each event's rooms and its payload, key for key as the spec shows it. */
class DeliveryTest {
  static final Map<String, Delivery.Rule> BY_ADDRESS = Delivery.RULES.stream()
      .collect(Collectors.toMap(Delivery.Rule::address, Function.identity()));

  static Delivery.Rule rule(String address) {
    return BY_ADDRESS.get(address);
  }

  @Test
  void every_spec_event_has_one_rule() {
    assertThat(Delivery.RULES).extracting(Delivery.Rule::event).containsExactlyInAnyOrder(
        "conversation:new_message", "conversation:assigned", "conversation:updated", "agent:status_change", "customer:typing",
        "message:status_update", "message:updated", "ticket_created", "ticket_status_changed", "ticket_assigned", "ticket_note_added",
        "ticket_resolved", "ticket_reopened", "order_status_changed", "config:updated");
    assertThat(BY_ADDRESS).hasSize(Delivery.RULES.size());
  }

  @Test
  void a_configuration_change_reaches_everyone_with_the_presets_language_and_nothing_else_of_it() {
    JsonObject event = new JsonObject().put("presetId", "restaurant").put("businessType", "restaurant").put("version", 7L)
        .put("categories", new io.vertx.core.json.JsonArray().add("x"))
        .put("assistant", new JsonObject().put("language", "es").put("companyName", "La Casa"));
    Delivery.Rule r = rule(Addresses.EVT_CONFIG_CHANGED);
    assertThat(r.event()).isEqualTo("config:updated");
    assertThat(r.rooms().apply(event)).containsExactly("everyone");
    assertThat(r.payload().apply(event)).isEqualTo(new JsonObject().put("presetId", "restaurant")
        .put("businessType", "restaurant").put("version", 7L).put("language", "es"));
  }

  @Test
  void a_changed_message_goes_to_the_conversations_room_with_its_attachments_and_reaction() {
    JsonObject event = new JsonObject().put("conversationId", "c1").put("message", new JsonObject().put("_id", "m1")
        .put("content", "").put("type", "image").put("direction", "inbound").put("timestamp", "2026-01-01T00:00:00Z")
        .put("status", "delivered").put("conversationId", "c1").put("internal", "x")
        .put("attachments", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "image").put("url", "/f/1")))
        .put("metadata", new JsonObject().put("reaction", new JsonObject().put("emoji", "👍"))));
    Delivery.Rule r = rule(Addresses.EVT_MESSAGE_UPDATED);
    assertThat(r.event()).isEqualTo("message:updated");
    assertThat(r.rooms().apply(event)).containsExactly("conversation:c1");
    JsonObject payload = r.payload().apply(event);
    assertThat(payload.fieldNames()).containsExactlyInAnyOrder("conversationId", "message");
    assertThat(payload.getJsonObject("message").fieldNames()).containsExactlyInAnyOrder("id", "_id", "content", "type",
        "direction", "timestamp", "status", "attachments", "metadata");
    assertThat(payload.getJsonObject("message").getJsonObject("metadata").getJsonObject("reaction").getString("emoji"))
        .isEqualTo("👍");
  }

  @Test
  void a_new_message_goes_to_the_room_the_assignee_and_staff_and_to_all_agents_while_unassigned() {
    JsonObject event = new JsonObject().put("conversationId", "c1").put("assignedAgentId", "a1").put("isAIEnabled", true)
        .put("message", new JsonObject().put("_id", "m1").put("id", "m1").put("content", "Hola").put("type", "text")
            .put("direction", "inbound").put("timestamp", "2026-01-01T00:00:00Z").put("status", "delivered")
            .put("metadata", new JsonObject().put("waType", "text")))
        .put("customer", new JsonObject().put("_id", "k1").put("id", "k1").put("phoneNumber", "5299").put("firstName", "Juan")
            .put("lastName", "Pérez"));
    Delivery.Rule r = rule(Addresses.EVT_CONVERSATION_NEW_MESSAGE);
    assertThat(r.rooms().apply(event)).containsExactlyInAnyOrder("conversation:c1", "agent:a1", "role:supervisor", "role:admin");
    JsonObject unassigned = event.copy();
    unassigned.remove("assignedAgentId");
    assertThat(r.rooms().apply(unassigned)).containsExactlyInAnyOrder("conversation:c1", "role:supervisor", "role:admin", "role:agent");
    JsonObject payload = r.payload().apply(event);
    assertThat(payload.fieldNames()).containsExactlyInAnyOrder("conversationId", "message", "customer");
    assertThat(payload.getJsonObject("message").fieldNames())
        .containsExactlyInAnyOrder("id", "_id", "content", "type", "direction", "timestamp", "status", "metadata");
    // an outbound message says who sent it (the assistant, or an agent's name), as the spec's Message does
    JsonObject byAssistant = event.copy();
    byAssistant.getJsonObject("message").put("direction", "outbound").put("metadata", new JsonObject().put("sentBy", "assistant"))
        .put("internal", "x");
    assertThat(r.payload().apply(byAssistant).getJsonObject("message").getJsonObject("metadata").getString("sentBy"))
        .isEqualTo("assistant");
    assertThat(r.payload().apply(byAssistant).getJsonObject("message").containsKey("internal")).isFalse();
    JsonObject agent = new JsonObject().put("_id", "a1").put("firstName", "María").put("lastName", "García");
    byAssistant.getJsonObject("message").put("agent", agent);
    assertThat(r.payload().apply(byAssistant).getJsonObject("message").getJsonObject("agent")).isEqualTo(agent);
    assertThat(payload.getJsonObject("customer")).isEqualTo(new JsonObject().put("phoneNumber", "5299")
        .put("firstName", "Juan").put("lastName", "Pérez"));
  }

  @Test
  void assignment_reaches_the_new_and_previous_agent_and_staff() {
    JsonObject event = new JsonObject().put("conversationId", "c1").put("assignedBy", "s1").put("previousAgentId", "a0")
        .put("assignedAgent", new JsonObject().put("id", "a1").put("_id", "a1").put("firstName", "María").put("lastName", "García"));
    Delivery.Rule r = rule(Addresses.EVT_CONVERSATION_ASSIGNED);
    assertThat(r.rooms().apply(event)).containsExactlyInAnyOrder("conversation:c1", "agent:a1", "agent:a0", "role:supervisor", "role:admin");
    JsonObject taken = event.copy();
    taken.remove("previousAgentId");
    assertThat(r.rooms().apply(taken)).as("taken from the unassigned queue every agent sees")
        .containsExactlyInAnyOrder("conversation:c1", "agent:a1", "role:supervisor", "role:admin", "role:agent");
    assertThat(r.payload().apply(event)).isEqualTo(new JsonObject().put("conversationId", "c1")
        .put("assignedAgent", new JsonObject().put("id", "a1").put("firstName", "María").put("lastName", "García"))
        .put("assignedBy", "s1"));
  }

  @Test
  void a_conversation_update_reaches_whoever_could_see_it_before_or_after_and_says_what_it_is_now() {
    JsonObject handoff = new JsonObject().put("at", "2026-01-01T00:00:00.000Z").put("reason", "quiere una persona");
    JsonObject event = new JsonObject().put("conversationId", "c1").put("customerId", "k1").put("status", "assigned")
        .put("assignedAgentId", "a1").put("isAIEnabled", false).put("handoff", handoff).put("updatedAt", "2026-01-01T00:00:01.000Z")
        .put("previousAgentId", "a0").put("previousStatus", "assigned").put("wasOpenToAll", false);
    Delivery.Rule r = rule(Addresses.EVT_CONVERSATION_UPDATED);
    assertThat(r.event()).isEqualTo("conversation:updated");
    assertThat(r.rooms().apply(event)).containsExactlyInAnyOrder("conversation:c1", "agent:a1", "agent:a0", "role:supervisor", "role:admin");
    assertThat(r.payload().apply(event)).isEqualTo(new JsonObject().put("conversationId", "c1").put("status", "assigned")
        .put("assignedAgentId", "a1").put("isAIEnabled", false).put("handoff", handoff).put("updatedAt", "2026-01-01T00:00:01.000Z"));

    JsonObject taken = event.copy().put("previousAgentId", null).put("previousStatus", "open").put("wasOpenToAll", true);
    assertThat(r.rooms().apply(taken)).as("taken from the unassigned queue every agent saw")
        .containsExactlyInAnyOrder("conversation:c1", "agent:a1", "role:supervisor", "role:admin", "role:agent");
    JsonObject reopened = event.copy().put("status", "open").put("assignedAgentId", null);
    reopened.remove("handoff");
    assertThat(r.rooms().apply(reopened)).as("reopened unassigned: every agent sees it now")
        .containsExactlyInAnyOrder("conversation:c1", "agent:a0", "role:supervisor", "role:admin", "role:agent");
    JsonObject payload = r.payload().apply(reopened);
    assertThat(payload.fieldNames()).containsExactlyInAnyOrder("conversationId", "status", "assignedAgentId", "isAIEnabled", "updatedAt");
    assertThat(payload.containsKey("assignedAgentId")).isTrue();
    assertThat(payload.getValue("assignedAgentId")).isNull();
  }

  @Test
  void statuses_typing_and_tickets() {
    JsonObject status = new JsonObject().put("messageId", "m1").put("status", "read").put("timestamp", "t")
        .put("conversationId", "c1").put("whatsappMessageId", "wamid.X");
    Delivery.Rule s = rule(Addresses.EVT_MESSAGE_STATUS_UPDATED);
    assertThat(s.rooms().apply(status)).containsExactly("conversation:c1");
    assertThat(s.payload().apply(status).fieldNames()).containsExactlyInAnyOrder("messageId", "status", "timestamp");

    JsonObject agent = new JsonObject().put("agentId", "a1").put("status", "busy").put("lastSeen", "t");
    assertThat(rule(Addresses.EVT_AGENT_STATUS_CHANGED).rooms().apply(agent)).containsExactly(Delivery.EVERYONE);
    assertThat(rule(Addresses.EVT_AGENT_STATUS_CHANGED).payload().apply(agent)).isEqualTo(agent);

    JsonObject typing = new JsonObject().put("conversationId", "c1").put("customerPhone", "5299").put("isTyping", true);
    assertThat(rule(Addresses.EVT_CUSTOMER_TYPING).rooms().apply(typing)).containsExactly("conversation:c1");

    JsonObject reopened = new JsonObject().put("ticket", new JsonObject().put("ticketId", "T-1")).put("previousStatus", "resolved")
        .put("reopenCount", 1).put("businessType", "internal");
    assertThat(rule(Addresses.EVT_TICKET_REOPENED).payload().apply(reopened).fieldNames())
        .containsExactlyInAnyOrder("ticket", "previousStatus", "reopenCount");
  }

  @Test
  void an_order_status_change_reaches_supervisors_and_admins_only() {
    JsonObject event = new JsonObject().put("order_id", "ORD-2026-00001").put("status", "shipped").put("previousStatus", "confirmed")
        .put("phone", "529991234567").put("conversationId", "c1").put("timestamp", "2026-01-12T09:00:00Z").put("internal", "x");
    Delivery.Rule r = rule(Addresses.EVT_ORDER_STATUS_CHANGED);
    assertThat(r.event()).isEqualTo("order_status_changed");
    assertThat(r.rooms().apply(event)).containsExactlyInAnyOrder("role:supervisor", "role:admin");
    assertThat(r.payload().apply(event).fieldNames())
        .containsExactlyInAnyOrder("order_id", "status", "previousStatus", "phone", "conversationId", "timestamp");
  }
}
