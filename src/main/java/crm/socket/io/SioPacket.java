package crm.socket.io;

import crm.socket.engineio.EnginePacket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Socket.IO v5 packet and its text form {@code <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]}.
 * Binary values (Buffer, byte[]) travel as {@code {"_placeholder":true,"num":n}} in the JSON, followed by one
 * binary Engine.IO message per attachment.
 *
 * @param data the JSON payload (JsonObject, JsonArray, String or null); binary values are Buffers
 */
public record SioPacket(int type, String nsp, Long id, Object data, int attachments) {
  public static final int CONNECT = 0;
  public static final int DISCONNECT = 1;
  public static final int EVENT = 2;
  public static final int ACK = 3;
  public static final int CONNECT_ERROR = 4;
  public static final int BINARY_EVENT = 5;
  public static final int BINARY_ACK = 6;

  /** Attachments one packet may announce (a packet is still bounded by maxPayload per message). */
  static final int MAX_ATTACHMENTS = 64;
  private static final int MAX_ACK_ID_DIGITS = 15;
  private static final Set<String> RESERVED_EVENTS =
      Set.of("connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

  public SioPacket {
    if (nsp == null) nsp = "/";
  }

  public boolean isBinary() {
    return type == BINARY_EVENT || type == BINARY_ACK;
  }

  // ------------------------------------------------------------------------------------------------------ decoding

  /** Decodes the text part; a binary packet still has its placeholders (see {@link #withAttachments}). */
  public static SioPacket decode(String s) throws ProtocolException {
    if (s.isEmpty()) throw new ProtocolException("empty packet");
    char t = s.charAt(0);
    if (t < '0' || t > '6') throw new ProtocolException("unknown packet type");
    int type = t - '0';
    int i = 1;
    int attachments = 0;
    if (type == BINARY_EVENT || type == BINARY_ACK) {
      int dash = s.indexOf('-', i);
      if (dash <= i || dash - i > 3) throw new ProtocolException("illegal attachments");
      for (int k = i; k < dash; k++) {
        if (!isDigit(s.charAt(k))) throw new ProtocolException("illegal attachments");
      }
      attachments = Integer.parseInt(s.substring(i, dash));
      if (attachments > MAX_ATTACHMENTS) throw new ProtocolException("too many attachments");
      i = dash + 1;
    }
    String nsp = "/";
    if (i < s.length() && s.charAt(i) == '/') {
      int comma = s.indexOf(',', i);
      if (comma < 0) {
        nsp = s.substring(i);
        i = s.length();
      } else {
        nsp = s.substring(i, comma);
        i = comma + 1;
      }
    }
    Long id = null;
    int start = i;
    while (i < s.length() && isDigit(s.charAt(i))) i++;
    if (i > start) {
      if (i - start > MAX_ACK_ID_DIGITS) throw new ProtocolException("ack id too long");
      id = Long.parseLong(s.substring(start, i));
    }
    Object data = null;
    if (i < s.length()) {
      try {
        data = Json.decodeValue(s.substring(i));
      } catch (DecodeException e) {
        throw new ProtocolException("invalid payload");
      }
      if (data == null) throw new ProtocolException("invalid payload");
    }
    SioPacket p = new SioPacket(type, nsp, id, data, attachments);
    if (!p.payloadValid()) throw new ProtocolException("invalid payload");
    return p;
  }

  private boolean payloadValid() {
    return switch (type) {
      case CONNECT -> data == null || data instanceof JsonObject;
      case DISCONNECT -> data == null;
      case CONNECT_ERROR -> data instanceof String || data instanceof JsonObject;
      case EVENT, BINARY_EVENT -> data instanceof JsonArray args && !args.isEmpty()
          && (args.getValue(0) instanceof Number
              || (args.getValue(0) instanceof String name && !RESERVED_EVENTS.contains(name)));
      case ACK, BINARY_ACK -> data instanceof JsonArray && id != null;
      default -> false;
    };
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The packet with its placeholders replaced by the binary attachments received after it. */
  SioPacket withAttachments(List<Buffer> buffers) throws ProtocolException {
    return new SioPacket(type, nsp, id, reconstruct(data, buffers), attachments);
  }

  private static Object reconstruct(Object value, List<Buffer> buffers) throws ProtocolException {
    if (value instanceof JsonArray arr) {
      List<Object> list = arr.getList();
      for (int i = 0; i < list.size(); i++) list.set(i, reconstruct(arr.getValue(i), buffers));
      return arr;
    }
    if (value instanceof JsonObject obj) {
      if (Boolean.TRUE.equals(obj.getValue("_placeholder"))) {
        Object num = obj.getValue("num");
        if (!(num instanceof Integer n) || n < 0 || n >= buffers.size()) {
          throw new ProtocolException("illegal attachment placeholder");
        }
        return buffers.get(n);
      }
      for (String key : List.copyOf(obj.fieldNames())) obj.put(key, reconstruct(obj.getValue(key), buffers));
      return obj;
    }
    return value;
  }

  // ------------------------------------------------------------------------------------------------------ encoding

  /**
   * The Engine.IO messages carrying this packet: its text, then one binary message per attachment. Binary
   * values in {@code data} turn an EVENT into a BINARY_EVENT and an ACK into a BINARY_ACK.
   */
  public List<EnginePacket> encode() {
    List<Buffer> buffers = new ArrayList<>(0);
    Object json = data == null ? null : deconstruct(data, buffers);
    int t = type;
    if (!buffers.isEmpty()) {
      if (t == EVENT) t = BINARY_EVENT;
      else if (t == ACK) t = BINARY_ACK;
    } else if (t == BINARY_EVENT) {
      t = EVENT;
    } else if (t == BINARY_ACK) {
      t = ACK;
    }
    StringBuilder sb = new StringBuilder();
    sb.append((char) ('0' + t));
    if (t == BINARY_EVENT || t == BINARY_ACK) sb.append(buffers.size()).append('-');
    if (!"/".equals(nsp)) sb.append(nsp).append(',');
    if (id != null) sb.append(id);
    if (json != null) sb.append(Json.encode(json));
    List<EnginePacket> out = new ArrayList<>(1 + buffers.size());
    out.add(EnginePacket.message(sb.toString()));
    for (Buffer b : buffers) out.add(EnginePacket.message(b));
    return out;
  }

  /** A copy of {@code value} with every Buffer/byte[] replaced by a placeholder; the binaries go to {@code out}. */
  private static Object deconstruct(Object value, List<Buffer> out) {
    if (value instanceof Buffer b) return placeholder(b, out);
    if (value instanceof byte[] bytes) return placeholder(Buffer.buffer(bytes), out);
    if (value instanceof JsonArray arr) return deconstructList(arr.getList(), out);
    if (value instanceof List<?> list) return deconstructList(list, out);
    if (value instanceof JsonObject obj) return deconstructMap(obj.getMap(), out);
    if (value instanceof Map<?, ?> map) return deconstructMap(map, out);
    return value;
  }

  private static JsonArray deconstructList(List<?> list, List<Buffer> out) {
    List<Object> copy = new ArrayList<>(list.size());
    for (Object v : list) copy.add(deconstruct(v, out));
    return new JsonArray(copy);
  }

  private static JsonObject deconstructMap(Map<?, ?> map, List<Buffer> out) {
    Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
    for (Map.Entry<?, ?> e : map.entrySet()) copy.put(String.valueOf(e.getKey()), deconstruct(e.getValue(), out));
    return new JsonObject(copy);
  }

  private static JsonObject placeholder(Buffer b, List<Buffer> out) {
    JsonObject p = new JsonObject().put("_placeholder", true).put("num", out.size());
    out.add(b);
    return p;
  }

  /** A packet that breaks the protocol: the connection that sent it is closed. */
  public static final class ProtocolException extends Exception {
    public ProtocolException(String message) {
      super(message, null, false, false);
    }
  }
}
