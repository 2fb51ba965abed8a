package crm.socket.engineio;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One Engine.IO v4 packet: a type and either text or (messages only) binary data.
 *
 * <p>Wire forms: over WebSocket a text frame is {@code <type><text>} and a binary frame is a binary message;
 * over HTTP long-polling packets are joined by the record separator {@code \x1e} and a binary message is
 * written {@code b<base64>}. {@code frame} is the WebSocket frame of a text packet when it was built once for many
 * sessions ({@link #shared}), else null.
 */
public record EnginePacket(char type, String text, Buffer binary, ByteBuf frame) {
  public static final char OPEN = '0';
  public static final char CLOSE = '1';
  public static final char PING = '2';
  public static final char PONG = '3';
  public static final char MESSAGE = '4';
  public static final char UPGRADE = '5';
  public static final char NOOP = '6';

  static final char SEPARATOR = '\u001e';

  public static final EnginePacket PING_PACKET = new EnginePacket(PING, "", null);
  public static final EnginePacket CLOSE_PACKET = new EnginePacket(CLOSE, "", null);
  public static final EnginePacket NOOP_PACKET = new EnginePacket(NOOP, "", null);

  public EnginePacket(char type, String text, Buffer binary) {
    this(type, text, binary, null);
  }

  /**
   * This text packet with its WebSocket frame built once, for a packet many sessions send (a broadcast): each
   * WebSocket session writes a view of the same bytes ({@link WebSocketWire}). Binary packets are returned as they are.
   */
  public EnginePacket shared() {
    return binary != null || frame != null ? this : new EnginePacket(type, text, null, WebSocketWire.sharedTextFrame(encodeText()));
  }

  public static EnginePacket message(String text) {
    return new EnginePacket(MESSAGE, text, null);
  }

  public static EnginePacket message(Buffer data) {
    return new EnginePacket(MESSAGE, null, data);
  }

  public boolean isBinary() {
    return binary != null;
  }

  /** The message's data: a String, or a Buffer for a binary message. */
  public Object data() {
    return binary != null ? binary : text;
  }

  /** The text form ({@code <type><text>}); binary messages have none. */
  public String encodeText() {
    if (binary != null) throw new IllegalStateException("binary packet has no text form");
    return text.isEmpty() ? String.valueOf(type) : type + text;
  }

  /** A text frame or polling part: a known type digit followed by its data. */
  public static EnginePacket decodeText(String s) throws MalformedPacketException {
    if (s == null || s.isEmpty()) throw new MalformedPacketException("empty packet");
    char type = s.charAt(0);
    if (type < OPEN || type > NOOP) throw new MalformedPacketException("unknown packet type");
    return new EnginePacket(type, s.substring(1), null);
  }

  /** The body of a polling GET answer. */
  public static String encodePayload(List<EnginePacket> packets) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < packets.size(); i++) {
      if (i > 0) sb.append(SEPARATOR);
      EnginePacket p = packets.get(i);
      if (p.isBinary()) {
        sb.append('b').append(Base64.getEncoder().encodeToString(p.binary.getBytes()));
      } else {
        sb.append(p.type);
        sb.append(p.text);
      }
    }
    return sb.toString();
  }

  /** The body of a polling POST: one or more packets separated by {@code \x1e}. */
  public static List<EnginePacket> decodePayload(String body) throws MalformedPacketException {
    List<EnginePacket> packets = new ArrayList<>();
    int start = 0;
    while (true) {
      int end = body.indexOf(SEPARATOR, start);
      String part = end < 0 ? body.substring(start) : body.substring(start, end);
      if (!part.isEmpty() && part.charAt(0) == 'b') {
        try {
          packets.add(message(Buffer.buffer(Base64.getDecoder().decode(part.substring(1)))));
        } catch (IllegalArgumentException e) {
          throw new MalformedPacketException("invalid base64 binary packet");
        }
      } else {
        packets.add(decodeText(part));
      }
      if (end < 0) break;
      start = end + 1;
    }
    return packets;
  }

  @Override
  public String toString() {
    return binary != null ? "binary(" + binary.length() + ")" : type + abbreviate(text);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...(" + s.getBytes(StandardCharsets.UTF_8).length + " bytes)";
  }

  /** A packet or payload that does not follow the protocol; the session that sent it is closed. */
  public static final class MalformedPacketException extends Exception {
    public MalformedPacketException(String message) {
      super(message, null, false, false);
    }
  }
}
