package crm.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every "Thread ... has been blocked" warning Vert.x logs, for {@link BlockedThreadGuard}. */
public final class BlockedThreadAppender extends AppenderBase<ILoggingEvent> {
  static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    WARNINGS.add(event.getFormattedMessage());
  }
}
