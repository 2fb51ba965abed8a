package crm.hostile;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw Socket.IO packets (over an authenticated Engine.IO WebSocket) that break the rules: wrong argument types for
 * the real client events, operator objects and ids that name nothing, payloads nested 33 to 5000 deep, huge
 * payloads, unknown events, malformed packets, bad ack ids and binary attachments that do not come as announced.
 */
final class SocketAttacks {
  enum Must {
    /** The packet asks for an ack: an error ack ({success:false, error:{code}}) or the connection closed. */
    ERROR_ACK_OR_CLOSE,
    /** An error ack, a success ack (a harmless request, e.g. leaving a room one is not in) or the connection closed. */
    ANY_ACK_OR_CLOSE,
    /** Nothing to answer: the connection goes on serving (a probe is answered) or is closed. */
    ALIVE_OR_CLOSE,
    /** The namespace itself was left: nothing more is checked on this connection. */
    NOTHING
  }

  /** Frames to send (String = text message, Buffer = binary message), the ack id the first one carries, and the rule. */
  record Attack(String label, List<Object> frames, Long ackId, Must must) {
    /** agent:typing is refused outside the room: the attacker joins first, so the payload itself is what is judged. */
    boolean joinFirst() {
      return label.startsWith("agent:typing");
    }
  }

  static final long ACK = 7;
  static final int[] DEPTHS = {33, 100, 600, 5000};

  private final Gen gen;
  private final String conversationId;
  private final List<Attack> out = new ArrayList<>();

  SocketAttacks(Gen gen, String conversationId) {
    this.gen = gen;
    this.conversationId = conversationId;
  }

  private void event(String label, String event, String argsJson, Must must) {
    out.add(new Attack(label, List.of("42" + ACK + "[" + Js.quote(event) + (argsJson.isEmpty() ? "" : "," + argsJson) + "]"), ACK, must));
  }

  private void raw(String label, Must must, Object... frames) {
    out.add(new Attack(label, List.of(frames), null, must));
  }

  List<Attack> all() {
    String conv = Js.quote(conversationId);
    String nowhere = Js.quote(gen.objectId());
    List<String> events = List.of("join:conversation", "leave:conversation", "agent:typing", "agent:status");
    List<String> args = List.of("", "null", "123", "\"a string\"", "true", "[1,2]", "{}", "{\"conversationId\":123}",
        "{\"conversationId\":{\"$gt\":\"\"}}", "{\"conversationId\":{\"$ne\":null}}", "{\"conversationId\":\"not-an-id\"}",
        "{\"conversationId\":[" + conv + "]}", "{\"conversationId\":" + Js.quote("c".repeat(100_000)) + "}",
        "{\"conversationId\":" + conv + ",\"isTyping\":\"yes\"}", "{\"conversationId\":" + conv + ",\"isTyping\":{\"$ne\":false}}",
        "{\"status\":\"admin\"}", "{\"status\":{\"$in\":[\"online\"]}}", "{\"status\":1}", "{\"status\":null}", "{\"status\":\"ONLINE\"}",
        "{\"status\":" + Js.quote("busy".repeat(50_000)) + "}");
    for (String e : events) {
      for (String a : args) {
        if (a.contains("isTyping") && !e.equals("agent:typing")) continue; // a valid join or leave, with a key it ignores
        // a status argument to a conversation event (and the other way round) is just as wrong
        event(e + " with " + Wire.shorten(a, 60), e, a, Must.ERROR_ACK_OR_CLOSE);
      }
      if (!e.equals("agent:status")) {
        // an id that names nothing: join and typing refuse it; leaving a room one is not in may succeed
        event(e + " with a conversation that does not exist", e, "{\"conversationId\":" + nowhere + ",\"isTyping\":true}",
            e.equals("leave:conversation") ? Must.ANY_ACK_OR_CLOSE : Must.ERROR_ACK_OR_CLOSE);
      }
      for (int d : DEPTHS) {
        String valid = e.equals("agent:status") ? "\"status\":\"busy\"" : "\"conversationId\":" + conv + ",\"isTyping\":false";
        event(e + ": valid argument holding an object nested " + d, e, "{" + valid + ",\"deep\":" + Js.deepObject(d, "d", "1").text() + "}",
            Must.ERROR_ACK_OR_CLOSE);
        event(e + ": the argument an array nested " + d, e, Js.deepArray(d, "1").text(), Must.ERROR_ACK_OR_CLOSE);
      }
      event(e + ": 900 KB argument", e, Js.quote(gen.hostileText(300_000)), Must.ERROR_ACK_OR_CLOSE);
      event(e + ": five arguments", e, "{},{},{},{},{}", Must.ERROR_ACK_OR_CLOSE);
    }
    // unknown events
    for (String e : List.of("hostile:unknown", "__proto__", "constructor", "", "x".repeat(100_000), "conversation:new_message",
        "agent:status_change")) {
      event("unknown event " + Wire.shorten(e, 40), e, "{\"conversationId\":" + conv + "}", Must.ALIVE_OR_CLOSE);
    }
    raw("numeric event name", Must.ALIVE_OR_CLOSE, "42[123,{}]");
    raw("deep payload to an unknown event, nested 600", Must.ALIVE_OR_CLOSE, "42[\"hostile:unknown\"," + Js.deepObject(600, "d", "1").text() + "]");
    raw("1.2 MB message (over maxPayload)", Must.ALIVE_OR_CLOSE, "42[\"hostile:unknown\"," + Js.quote("h".repeat(1_200_000)) + "]");
    // malformed packets
    for (String p : List.of("4", "42", "42[", "42{}", "42[]", "42\"x\"", "49", "4x", "", "4" + "z".repeat(10_000), "42[\"connect\"]",
        "42[\"disconnect\"]", "42/unknown-ns,[\"hostile\"]", "40/unknown-ns,{}", "44{\"message\":\"forged\"}", "9", "x", "5", "6",
        "2probe", "42[null,{}]", "42[[],{}]", "42[{}]", "420-[\"hostile\"]", "\u0000", "42[\"hostile\",\ud800]")) {
      raw("malformed packet " + Wire.shorten(p, 40).replace("\u0000", "\\0"), Must.ALIVE_OR_CLOSE, p);
    }
    // ack ids
    raw("ack id of 20 digits", Must.ALIVE_OR_CLOSE, "4299999999999999999999[\"join:conversation\",{\"conversationId\":" + conv + "}]");
    raw("negative ack id", Must.ALIVE_OR_CLOSE, "42-1[\"join:conversation\",{\"conversationId\":" + conv + "}]");
    raw("an ack for an emit the server never made", Must.ALIVE_OR_CLOSE, "43123[{\"success\":true}]");
    raw("an ack without data", Must.ALIVE_OR_CLOSE, "43123");
    raw("an ack with an object, not an array", Must.ALIVE_OR_CLOSE, "431{\"x\":1}");
    raw("a deep ack, nested 600", Must.ALIVE_OR_CLOSE, "431[" + Js.deepArray(600, "1").text() + "]");
    // binary attachments that lie about their count
    String placeholder = "{\"_placeholder\":true,\"num\":0}";
    raw("one attachment announced, none sent", Must.ALIVE_OR_CLOSE, "451-" + ACK + "[\"join:conversation\"," + placeholder + "]");
    raw("two announced, one sent", Must.ALIVE_OR_CLOSE, "452-" + ACK + "[\"agent:status\"," + placeholder + "]", Buffer.buffer(new byte[] {1, 2}));
    raw("999 announced", Must.ALIVE_OR_CLOSE, "45999-[\"agent:status\"," + placeholder + "]");
    raw("placeholder pointing past the attachments", Must.ALIVE_OR_CLOSE, "451-[\"agent:status\",{\"_placeholder\":true,\"num\":5}]",
        Buffer.buffer(new byte[] {1}));
    raw("placeholder num as an object", Must.ALIVE_OR_CLOSE, "451-[\"agent:status\",{\"_placeholder\":true,\"num\":{\"$gt\":0}}]",
        Buffer.buffer(new byte[] {1}));
    raw("binary with no packet announcing it", Must.ALIVE_OR_CLOSE, Buffer.buffer(new byte[] {4, 2, 0}));
    raw("attachment over maxPayload", Must.ALIVE_OR_CLOSE, "451-[\"agent:status\"," + placeholder + "]", Buffer.buffer(new byte[1_100_000]));
    raw("binary event whose attachment is the status", Must.ERROR_ACK_OR_CLOSE, "451-" + ACK + "[\"agent:status\",{\"status\":" + placeholder + "}]",
        Buffer.buffer("online".getBytes()));
    out.set(out.size() - 1, new Attack(out.get(out.size() - 1).label(), out.get(out.size() - 1).frames(), ACK, Must.ERROR_ACK_OR_CLOSE));
    // and leaving the namespace: allowed, nothing to check on that connection afterwards
    raw("namespace disconnect", Must.NOTHING, "41");
    return out;
  }
}
