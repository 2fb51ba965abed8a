package crm.ticket;

import crm.config.TicketConfig;
import java.time.Duration;
import java.time.Instant;

/** The SLA targets of {@link TicketConfig}: a first response and a resolution due a priority-dependent time after creation. */
record Sla(TicketConfig config) {
  Instant responseDue(Instant createdAt, String priority) {
    return createdAt.plus(Duration.ofMinutes(config.slaResponseMinutes().getOrDefault(priority, 240)));
  }

  Instant resolutionDue(Instant createdAt, String priority) {
    return createdAt.plus(Duration.ofHours(config.slaResolutionHours().getOrDefault(priority, 72)));
  }
}
