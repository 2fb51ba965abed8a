package crm.socket.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.socket.engineio.EnginePacket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Socket.IO v5 packet codec, without a server. */
class SioPacketTest {

  @Test
  void decodes_every_part_of_the_text_form() throws Exception {
    SioPacket p = SioPacket.decode("2/admin,456[\"project:delete\",123]");
    assertThat(p.type()).isEqualTo(SioPacket.EVENT);
    assertThat(p.nsp()).isEqualTo("/admin");
    assertThat(p.id()).isEqualTo(456L);
    assertThat(p.data()).isEqualTo(new JsonArray().add("project:delete").add(123));

    SioPacket connect = SioPacket.decode("0/custom");
    assertThat(connect.nsp()).isEqualTo("/custom");
    assertThat(connect.data()).isNull();

    SioPacket binary = SioPacket.decode("51-/ns,7[\"up\",{\"_placeholder\":true,\"num\":0}]");
    assertThat(binary.attachments()).isEqualTo(1);
    assertThat(binary.nsp()).isEqualTo("/ns");
    assertThat(binary.id()).isEqualTo(7L);
    SioPacket whole = binary.withAttachments(List.of(Buffer.buffer(new byte[] {1, 2})));
    assertThat(((JsonArray) whole.data()).getList().get(1)).isEqualTo(Buffer.buffer(new byte[] {1, 2}));
    assertThat(((JsonArray) whole.data()).getBuffer(1).getBytes()).containsExactly(1, 2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "7", "a", "2", "2{}", "2[]", "2[1", "2[\"connect\"]", "2[\"disconnect\",1]", "3[1]",
      "1{}", "0[]", "0\"x\"", "5[\"a\"]", "5x-[\"a\"]", "5999-[\"a\"]", "2abc[\"a\"]", "21234567890123456[\"a\"]",
      "2[\"a\"] trailing", "2null"})
  void malformed_packets_are_protocol_errors(String text) {
    assertThatThrownBy(() -> SioPacket.decode(text)).isInstanceOf(SioPacket.ProtocolException.class);
  }

  @Test
  void a_placeholder_pointing_past_the_attachments_is_a_protocol_error() throws Exception {
    SioPacket p = SioPacket.decode("51-[\"a\",{\"_placeholder\":true,\"num\":1}]");
    assertThatThrownBy(() -> p.withAttachments(List.of(Buffer.buffer("x"))))
        .isInstanceOf(SioPacket.ProtocolException.class);
  }

  @Test
  void encoding_moves_binaries_into_attachments_and_keeps_json_as_it_was() {
    JsonArray args = new JsonArray().add("file").add(Buffer.buffer(new byte[] {9}))
        .add(new JsonObject().put("thumb", new byte[] {8, 7}).put("n", 1));
    List<EnginePacket> out = new SioPacket(SioPacket.EVENT, "/", 3L, args, 0).encode();
    assertThat(out).hasSize(3);
    assertThat(out.get(0).text())
        .isEqualTo("52-3[\"file\",{\"_placeholder\":true,\"num\":0},{\"thumb\":{\"_placeholder\":true,\"num\":1},\"n\":1}]");
    assertThat(out.get(1).binary().getBytes()).containsExactly(9);
    assertThat(out.get(2).binary().getBytes()).containsExactly(8, 7);
    assertThat(args.getList().get(1)).as("the caller's arguments are not changed").isInstanceOf(Buffer.class);

    assertThat(new SioPacket(SioPacket.ACK, "/chat", 12L, new JsonArray().add("ok"), 0).encode().get(0).text())
        .isEqualTo("3/chat,12[\"ok\"]");
    assertThat(new SioPacket(SioPacket.CONNECT_ERROR, "/x", null, new JsonObject().put("message", "no"), 0)
        .encode().get(0).text()).isEqualTo("4/x,{\"message\":\"no\"}");
    assertThat(new SioPacket(SioPacket.DISCONNECT, "/", null, null, 0).encode().get(0).text()).isEqualTo("1");
  }
}
