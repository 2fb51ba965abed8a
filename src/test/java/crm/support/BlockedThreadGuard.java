package crm.support;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test (ServiceLoader + junit.jupiter.extensions.autodetection.enabled): a test during
 * which Vert.x reported a blocked event loop or worker fails, as ARCHITECTURE.md asks.
 */
public final class BlockedThreadGuard implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BlockedThreadGuard.class);

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put("seen", BlockedThreadAppender.WARNINGS.size());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    int before = context.getStore(NS).getOrDefault("seen", Integer.class, 0);
    int now = BlockedThreadAppender.WARNINGS.size();
    if (now > before) {
      throw new AssertionError("Vert.x reported a blocked thread during this test: "
          + BlockedThreadAppender.WARNINGS.subList(before, now));
    }
  }
}
