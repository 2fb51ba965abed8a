package crm.conversation;

import crm.support.Wa;
import org.junit.jupiter.api.BeforeAll;

/** Every conversation list test again, answered by database queries (as with a real MongoDB) instead of the in-memory index. */
class ConversationListDatabaseTest extends ConversationListTest {
  @BeforeAll
  static void start() {
    startWith(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true).put("INBOX_LIST_INDEX", "database"));
  }
}
