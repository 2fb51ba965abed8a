package crm.ticket;

/** {@link TicketStatisticsTest} answered by the MongoDB aggregation ($match + $facet) on the embedded server. */
class TicketStatisticsDatabaseTest extends TicketStatisticsTest {
  @Override
  String listIndex() {
    return "database";
  }
}
