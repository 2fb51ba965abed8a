package crm.socket;

import crm.socket.io.SocketIoServer;

/**
 * What the official Socket.IO protocol test suite expects of the server under test, on namespaces {@code /}
 * and {@code /custom}: emit {@code auth} with the handshake's auth payload on connection, answer
 * {@code message} with {@code message-back} (same arguments) and {@code message-with-ack} by acknowledging with
 * the same arguments. Conformance profile only.
 */
final class ConformanceHandlers {
  private ConformanceHandlers() {}

  static void install(SocketIoServer io) {
    for (String name : new String[] {"/", "/custom"}) {
      io.namespace(name).onConnection(socket -> {
        socket.emit("auth", socket.handshake().auth());
        socket.on("message", (args, ack) -> socket.emitArgs("message-back", args));
        socket.on("message-with-ack", (args, ack) -> ack.sendArgs(args));
      });
    }
  }
}
