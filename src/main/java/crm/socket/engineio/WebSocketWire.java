package crm.socket.engineio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a session's text packets straight to its WebSocket's Netty channel, as ready-made frames.
 *
 * <p>Why: a broadcast sends the same bytes to thousands of sockets. Through {@link ServerWebSocket#writeTextMessage}
 * each socket re-encodes the text to UTF-8, allocates a frame, goes through Vert.x's outbound queue, the chunked-write
 * handler and the frame encoder. A server's frame is not masked, so its bytes are the same for every client: the
 * broadcaster builds it once ({@link EnginePacket#shared}) and each socket writes a view of it from the encoder's
 * place in the pipeline, towards the socket. This halves the server's CPU per delivery.
 *
 * <p>Order: every text packet of the session goes this way, on the session's loop, so they keep their order; Vert.x
 * itself writes only control frames (close, pong) and the upgrade probe's answer, which is sent before the session
 * writes here. Backpressure: {@link #writable} is the channel's own watermark; when it turns writable again the
 * {@code onWritable} callback runs (a handler at the head of the pipeline watches it).
 *
 * <p>If the WebSocket is not Vert.x's own (no channel to reach), {@link #of} answers null and the session writes
 * through the WebSocket API as before.
 */
final class WebSocketWire {
  private static final Logger log = LoggerFactory.getLogger(WebSocketWire.class);
  private static final Field WRAPPED = wrappedField();

  private final Channel channel;
  private final ChannelHandlerContext encoder;

  private WebSocketWire(Channel channel, ChannelHandlerContext encoder) {
    this.channel = channel;
    this.encoder = encoder;
  }

  /** The wire of {@code ws}, or null when its channel can't be reached. */
  static WebSocketWire of(ServerWebSocket ws, Runnable onWritable) {
    try {
      Object inner = ws;
      if (!(inner instanceof WebSocketInternal) && WRAPPED != null && WRAPPED.getDeclaringClass().isInstance(ws)) {
        inner = WRAPPED.get(ws); // vertx-web's router hands out a wrapper of the server's WebSocket
      }
      if (!(inner instanceof WebSocketInternal internal)) return null;
      ChannelHandlerContext ctx = internal.channelHandlerContext();
      ChannelHandlerContext encoder = ctx == null ? null : ctx.pipeline().context(WebSocketFrameEncoder.class);
      if (encoder == null) return null;
      ctx.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
          if (c.channel().isWritable()) onWritable.run();
          c.fireChannelWritabilityChanged();
        }
      });
      return new WebSocketWire(ctx.channel(), encoder);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("WebSocket channel not reachable ({}): writing through the WebSocket API", e.toString());
      return null;
    }
  }

  /** False while the channel's outgoing buffer is over its high watermark. */
  boolean writable() {
    return channel.isWritable();
  }

  /** Writes one packet as a final frame: text, or binary for a binary message. */
  void write(EnginePacket p) {
    if (!channel.isActive()) return; // closed under us: the close handler ends the session
    ByteBuf frame;
    if (p.frame() != null) {
      frame = p.frame().duplicate();
    } else if (p.isBinary()) {
      frame = Unpooled.wrappedBuffer(frame(BINARY, p.binary().getBytes()));
    } else {
      frame = Unpooled.wrappedBuffer(frame(TEXT, p.encodeText().getBytes(StandardCharsets.UTF_8)));
    }
    encoder.writeAndFlush(frame, encoder.voidPromise());
  }

  private static final int TEXT = 0x81;   // FIN, opcode 1
  private static final int BINARY = 0x82; // FIN, opcode 2

  /** An unmasked, final WebSocket frame (RFC 6455 section 5.2) holding {@code payload}. */
  static byte[] frame(int first, byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    byte[] frame = new byte[header + n];
    frame[0] = (byte) first;
    if (n < 126) {
      frame[1] = (byte) n;
    } else if (n < 65536) {
      frame[1] = 126;
      frame[2] = (byte) (n >>> 8);
      frame[3] = (byte) n;
    } else {
      frame[1] = 127;
      for (int i = 0; i < 8; i++) frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
    }
    System.arraycopy(payload, 0, frame, header, n);
    return frame;
  }

  /**
   * A frame for many writers: off-heap (so each write goes to the socket without a copy), never released (each
   * write takes a {@link ByteBuf#duplicate} whose release does nothing); the JDK frees it once unreferenced.
   */
  static ByteBuf sharedTextFrame(String text) {
    byte[] frame = frame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    ByteBuffer direct = ByteBuffer.allocateDirect(frame.length).put(frame).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
  }

  private static Field wrappedField() {
    try {
      Field f = Class.forName("io.vertx.ext.web.impl.ServerWebSocketWrapper").getDeclaredField("delegate");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
