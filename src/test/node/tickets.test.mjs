// The ticket events through the real socket.io-client 4, on one node that crm.ticket.TicketEventsNodeTest started
// (agents: admin, supervisor, agentA). Every change is made through the REST API (and one signed WhatsApp webhook for
// the auto-reopen); each event's payload is the spec's, key for key, and its ticket is the one the REST API answered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { agents, api, closeAll, connect, fromPhone, inboundText, next, phone } from "./crm.mjs";

const { admin, supervisor, agentA } = agents;

function ok(res, status = 200) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, true);
  return res.body;
}

test("ticket_created, ticket_assigned, ticket_status_changed, ticket_note_added, ticket_resolved and ticket_reopened reach every agent with the spec's payloads", async () => {
  const sockets = await connect(agentA, supervisor);
  const [a, sup] = sockets;
  try {
    // a customer writes: their conversation, then a ticket on it
    const p = phone();
    const seen = next(a, "conversation:new_message", fromPhone(p, "Se fue la luz"));
    await inboundText(p, "Rosa Díaz", "Se fue la luz");
    const { conversationId } = await seen;
    const conversation = ok(await api("GET", `/conversations/${conversationId}`, admin)).conversation;
    const customerId = conversation.customer._id;
    const mine = (e) => e?.ticket?.customer?._id === customerId;

    const created = [a, sup].map((s) => next(s, "ticket_created", mine));
    const ticket = ok(await api("POST", "/tickets", agentA, {
      customerId, conversationId, subject: "Sin luz", description: "Desde ayer", category: "technical_issue", priority: "high",
    }), 201).ticket;
    for (const e of await Promise.all(created)) {
      assert.deepEqual(Object.keys(e).sort(), ["customerId", "ticket"]);
      assert.equal(e.customerId, customerId);
      assert.deepEqual(e.ticket, ticket);
    }
    assert.match(ticket.ticketId, /^TICKET-\d{3,}$/);
    assert.equal(ticket.customer.firstName, "Rosa");
    assert.equal(ticket.customer.lastName, "Díaz");

    const assigned = [a, sup].map((s) => next(s, "ticket_assigned", (e) => e.ticketId === ticket.ticketId));
    const afterAssign = ok(await api("PUT", `/tickets/${ticket._id}/assign`, supervisor, { agentId: agentA.id })).ticket;
    for (const e of await Promise.all(assigned)) {
      assert.deepEqual(Object.keys(e).sort(), ["agentId", "ticket", "ticketId"]);
      assert.equal(e.agentId, agentA.id);
      assert.deepEqual(e.ticket, afterAssign);
      assert.equal(e.ticket.assignedAgent.firstName, agentA.firstName);
    }

    const changed = next(sup, "ticket_status_changed", (e) => e.ticket.ticketId === ticket.ticketId);
    const inProgress = ok(await api("PATCH", `/tickets/${ticket.ticketId}/status`, agentA, { status: "in_progress", reason: "En camino" })).ticket;
    const statusEvent = await changed;
    assert.deepEqual(Object.keys(statusEvent).sort(), ["previousStatus", "ticket"]);
    assert.equal(statusEvent.previousStatus, "open");
    assert.deepEqual(statusEvent.ticket, inProgress);

    const noted = next(a, "ticket_note_added", (e) => e.ticket.ticketId === ticket.ticketId);
    const added = ok(await api("POST", `/tickets/${ticket._id}/notes`, agentA, { content: "Técnico asignado 🔧", isInternal: true }), 201);
    const noteEvent = await noted;
    assert.deepEqual(Object.keys(noteEvent).sort(), ["note", "ticket"]);
    assert.equal(noteEvent.note._id, added.note._id);
    assert.equal(noteEvent.note.content, "Técnico asignado 🔧");
    assert.match(noteEvent.note.timestamp, /Z$/);
    assert.deepEqual(noteEvent.ticket, added.ticket);

    const resolvedSeen = next(sup, "ticket_resolved", (e) => e.ticket.ticketId === ticket.ticketId);
    const resolvedChange = next(a, "ticket_status_changed", (e) => e.ticket.ticketId === ticket.ticketId && e.ticket.status === "resolved");
    const resolved = ok(await api("PUT", `/tickets/${ticket._id}/resolve`, agentA, { resolutionSummary: "Fusible cambiado" }));
    assert.equal(resolved.notificationSent, true); // the sandbox sender accepted it: the customer wrote minutes ago
    const resolvedEvent = await resolvedSeen;
    assert.deepEqual(Object.keys(resolvedEvent), ["ticket"]);
    assert.deepEqual(resolvedEvent.ticket, resolved.ticket);
    assert.equal(resolvedEvent.ticket.resolution.summary, "Fusible cambiado");
    assert.equal((await resolvedChange).previousStatus, "in_progress");

    // the customer answers within 48 h: the ticket reopens
    const reopened = [a, sup].map((s) => next(s, "ticket_reopened", (e) => e.ticket.ticketId === ticket.ticketId));
    await inboundText(p, "Rosa Díaz", "Se volvió a ir");
    for (const e of await Promise.all(reopened)) {
      assert.deepEqual(Object.keys(e).sort(), ["previousStatus", "reopenCount", "ticket"]);
      assert.equal(e.previousStatus, "resolved");
      assert.equal(e.reopenCount, 1);
      assert.equal(e.ticket.status, "open");
      assert.equal(e.ticket.reopenCount, 1);
    }
    const now = ok(await api("GET", `/tickets/${ticket.ticketId}`, admin)).ticket;
    assert.equal(now.status, "open");
  } finally {
    closeAll(sockets);
  }
});
