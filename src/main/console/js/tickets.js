// Ticket side panel for a conversation: list, create, status, notes.
import { api } from './api.js';
import * as sock from './socket.js';
import { t, getLang } from './i18n.js';
import { h, labelled, select, announce, fmtTime } from './dom.js';
import { showError } from './app.js';

const STATUSES = ['new', 'open', 'in_progress', 'pending_customer', 'waiting_internal', 'resolved', 'closed'];
let categories = null;
let panel = null; // {el, conv, list}

async function loadCategories() {
  if (categories) return categories;
  try { categories = (await api.get('/config/ticket-categories')).categories || []; }
  catch { categories = [{ id: 'general_inquiry', label: 'Consulta general', labelEn: 'General inquiry' }]; }
  return categories;
}
/** The categories changed (a preset loaded): read again at the next ticket form. */
export function forgetCategories() { categories = null; }
const catLabel = c => (getLang() === 'en' ? c.labelEn : c.label) || c.label || c.id;

export async function renderTicketPanel(container, conv) {
  const convId = conv._id || conv.id;
  const list = h('ul.ticket-list');
  const title = h('input', { testid: 'ticket-new-title', type: 'text', required: true, maxlength: 200 });
  const category = h('select', { testid: 'ticket-new-category' });
  const desc = h('textarea', { testid: 'ticket-new-description', rows: 3 });
  const create = h('button.primary', { testid: 'ticket-create', type: 'submit' }, t('create'));
  const form = h('form.ticket-new', {
    async onsubmit(ev) {
      ev.preventDefault();
      if (!title.value.trim()) { title.focus(); return; }
      create.disabled = true;
      try {
        await api.post('/tickets', { customerId: conv.customerId || (conv.customer && conv.customer._id), conversationId: convId,
          subject: title.value.trim(), description: desc.value.trim() || title.value.trim(), category: category.value });
        title.value = ''; desc.value = '';
        announce(t('newTicket') + ' ✓');
        await loadTickets();
      } catch (e) { showError(e); }
      create.disabled = false;
    },
  }, h('h3', {}, t('newTicket')), ...labelled(t('subject'), title), ...labelled(t('category'), category),
  ...labelled(t('description'), desc), create);
  panel = { conv, convId, list };
  container.replaceChildren(h('section.ticket-panel', { testid: 'ticket-panel', 'aria-label': t('tickets') },
    h('h2', {}, t('tickets')), list, form));
  const cats = await loadCategories();
  category.replaceChildren(...cats.map(c => h('option', { value: c.id }, catLabel(c))));
  await loadTickets();
}

async function loadTickets() {
  const p = panel;
  if (!p) return;
  try {
    const res = await api.get(`/conversations/${p.convId}/tickets`);
    if (panel !== p) return;
    const tickets = res.tickets || [];
    // an event about a change already shown (our own create, status or note) leaves the list as it is
    const sig = tickets.map(tk => `${tk._id}:${tk.status}:${(tk.notes || []).length}`).join();
    if (sig === p.sig) return;
    p.sig = sig;
    p.list.replaceChildren(...(tickets.length ? tickets.map(ticketEl) : [h('li.empty', {}, t('noTickets'))]));
  } catch (e) { showError(e); }
}

function ticketEl(tk) {
  const id = tk._id || tk.id;
  const summary = h('input', { type: 'text', testid: 'ticket-resolution' });
  const resolveForm = h('form.resolve-form', {
    hidden: true,
    async onsubmit(ev) {
      ev.preventDefault();
      if (!summary.value.trim()) { summary.focus(); return; }
      await setStatus({ status: 'resolved', resolutionSummary: summary.value.trim() });
      resolveForm.hidden = true;
    },
  }, ...labelled(t('resolution'), summary), h('button', { type: 'submit' }, t('resolve')));
  async function setStatus(body) {
    try {
      const res = await api.put(`/tickets/${id}/status`, body);
      tk.status = res.ticket ? res.ticket.status : body.status;
      resign();
      announce(t('ticketStatus') + ': ' + t('s_' + tk.status));
    } catch (e) { showError(e); }
    status.value = tk.status;
  }
  const status = select('ticket-status', STATUSES.map(s => [s, t('s_' + s)]), tk.status, {
    onchange() {
      // resolving needs a summary (it is sent to the customer): ask for it inline first
      if (status.value === 'resolved') { resolveForm.hidden = false; summary.focus(); status.value = tk.status; return; }
      resolveForm.hidden = true;
      setStatus({ status: status.value });
    },
  });
  const noteText = h('input', { testid: 'ticket-note-text', type: 'text' });
  const internal = h('input', { type: 'checkbox', checked: true });
  const notes = h('ul.notes', {}, ...(tk.notes || []).map(noteEl));
  const addNote = h('form.note-add', {
    async onsubmit(ev) {
      ev.preventDefault();
      const content = noteText.value.trim();
      if (!content) return;
      try {
        const res = await api.post(`/tickets/${id}/notes`, { content, isInternal: internal.checked });
        if (res.note) notes.append(noteEl(res.note));
        noteText.value = '';
        tk.notes = [...(tk.notes || []), res.note || {}];
        resign();
      } catch (e) { showError(e); }
    },
  }, ...labelled(t('note'), noteText), h('label.check', {}, internal, ' ' + t('internal')),
  h('button', { testid: 'ticket-note-add', type: 'submit' }, t('addNote')));
  const li = h('li.ticket', { testid: 'ticket-item', 'data-ticket-id': id },
    h('div.ticket-head', {}, h('strong', {}, tk.ticketId || id), ' ', h('span', {}, tk.subject || '')),
    h('div.field', {}, ...labelled(t('ticketStatus'), status)), resolveForm, notes, addNote);
  li.ticket = tk;
  return li;
}

/** The signature of what the panel shows now, after a change made here. */
function resign() {
  if (!panel) return;
  panel.sig = [...panel.list.querySelectorAll('[data-testid=ticket-item]')].map(li => li.ticket)
    .map(tk => `${tk._id}:${tk.status}:${(tk.notes || []).length}`).join();
}

function noteEl(n) {
  const who = n.agent ? [n.agent.firstName, n.agent.lastName].filter(Boolean).join(' ') : '';
  return h('li.note' + (n.isInternal ? '.internal' : ''), {}, h('span.meta', {}, `${who} · ${fmtTime(n.timestamp)}`), h('p', {}, n.content));
}

// other agents' changes to this conversation's tickets
for (const ev of ['ticket_created', 'ticket_status_changed', 'ticket_resolved', 'ticket_reopened', 'ticket_assigned', 'ticket_note_added']) {
  sock.on(ev, d => {
    const tk = d && d.ticket;
    const cid = tk && (tk.conversationId || (tk.conversation && (tk.conversation._id || tk.conversation)));
    if (panel && (!cid || cid === panel.convId) && document.body.contains(panel.list)) {
      const active = document.activeElement;
      if (!(active && panel.list.contains(active))) loadTickets();
    }
  });
}
