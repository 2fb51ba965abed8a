package crm.socket.io;

import crm.socket.engineio.EngineServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Socket.IO v5 over an {@link EngineServer}: the namespaces of this node. Only namespaces created with
 * {@link #namespace} accept connections; a CONNECT to any other is refused with "Invalid namespace".
 */
public final class SocketIoServer {
  private final Map<String, Namespace> namespaces = new ConcurrentHashMap<>();
  private final int connectTimeoutMs;

  public SocketIoServer(int connectTimeoutMs) {
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /** Serves Socket.IO on every new session of {@code engine}. */
  public SocketIoServer attach(EngineServer engine) {
    engine.connectionHandler(session -> new SioClient(this, session));
    return this;
  }

  /** The namespace {@code name} (e.g. "/" or "/admin"), created when missing. */
  public Namespace namespace(String name) {
    if (name == null || !name.startsWith("/")) throw new IllegalArgumentException("a namespace starts with /: " + name);
    return namespaces.computeIfAbsent(name, Namespace::new);
  }

  /** The namespace if it was created, else null. */
  public Namespace existing(String name) {
    return namespaces.get(name);
  }

  int connectTimeoutMs() {
    return connectTimeoutMs;
  }
}
