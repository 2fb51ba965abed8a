package crm.socket.io;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Broadcast offsets (see {@link Recovery}): unique across the cluster, short, opaque to clients. A random tag drawn
 * when the JVM starts and a counter of this JVM (shared by every Vert.x instance in it, as in-process test clusters
 * have), in base 36: {@code "k3x9qa0c-1z"}. One event published on the clustered bus gets one offset at its publisher
 * and keeps it on every node, so two nodes agree which event an offset names. Nothing compares offsets by size.
 */
public final class Offsets {
  private static final String TAG = tag();
  private static final AtomicLong NEXT = new AtomicLong();

  private Offsets() {}

  public static String next() {
    return TAG + Long.toString(NEXT.incrementAndGet(), 36);
  }

  private static String tag() {
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder(9);
    for (int i = 0; i < 8; i++) sb.append(Character.forDigit(random.nextInt(36), 36));
    return sb.append('-').toString();
  }
}
