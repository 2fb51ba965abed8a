package crm.ticket;

/** {@link TicketApiTest} with lists answered by the database (TICKET_LIST_INDEX=database), as on a real MongoDB. */
class TicketApiDatabaseTest extends TicketApiTest {
  @Override
  String listIndex() {
    return "database";
  }
}
