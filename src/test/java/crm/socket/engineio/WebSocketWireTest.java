package crm.socket.engineio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The frames {@link WebSocketWire} builds by hand, read back by Netty's own client-side frame decoder. */
class WebSocketWireTest {

  /** Every length form of RFC 6455: 7 bits (up to 125), 16 bits (126..65535), 64 bits (65536 and more). */
  @Test
  void text_frames_of_every_length_form_decode_to_the_same_text() {
    for (int n : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
      String text = "4" + "é".repeat(n / 2) + "x".repeat(n % 2); // two bytes per é: lengths are bytes, not chars
      assertThat(decode(Unpooled.wrappedBuffer(WebSocketWire.frame(0x81, text.getBytes(StandardCharsets.UTF_8)))))
          .as("length %d", n).isEqualTo(text);
      // the shared form: a view per writer, the bytes left untouched for the next one
      ByteBuf shared = WebSocketWire.sharedTextFrame(text);
      assertThat(decode(shared.duplicate())).isEqualTo(text);
      assertThat(decode(shared.duplicate())).isEqualTo(text);
    }
  }

  @Test
  void header_bytes_follow_the_rfc() {
    byte[] small = WebSocketWire.frame(0x81, new byte[125]);
    assertThat(small[0] & 0xff).isEqualTo(0x81);
    assertThat(small[1] & 0xff).isEqualTo(125); // no mask bit: servers never mask
    byte[] medium = WebSocketWire.frame(0x82, new byte[300]);
    assertThat(medium[0] & 0xff).isEqualTo(0x82);
    assertThat(medium[1] & 0xff).isEqualTo(126);
    assertThat(((medium[2] & 0xff) << 8) | (medium[3] & 0xff)).isEqualTo(300);
    byte[] large = WebSocketWire.frame(0x81, new byte[70_000]);
    assertThat(large[1] & 0xff).isEqualTo(127);
    assertThat(large).hasSize(10 + 70_000);
  }

  private static String decode(ByteBuf frame) {
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
    client.writeInbound(frame);
    TextWebSocketFrame decoded = client.readInbound();
    try {
      assertThat(decoded).isNotNull();
      assertThat(decoded.isFinalFragment()).isTrue();
      return decoded.text();
    } finally {
      decoded.release();
      client.finishAndReleaseAll();
    }
  }
}
