// One conversation: history (infinite scroll with `before`), live messages and ticks, typing, reply box, actions, turns.
import { api, request } from './api.js';
import * as sock from './socket.js';
import { t } from './i18n.js';
import { h, labelled, alertMsg, announce, fmtTime, throttle } from './dom.js';
import { state, handlerOf, customerName, showError, upsertConversation, markActiveRow, isSupervisor, applyUpdate, reconcile, assigneeOf } from './app.js';
import { renderTicketPanel } from './tickets.js';

const PAGE = 30;
const DAY_MS = 24 * 3600 * 1000;
const TICKS = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' };
const TYPING_MS = 10_000; // WhatsApp's own indicator lasts up to 25 s; without a new event, ours ends sooner

let cur = null; // {id, conv, el, list, oldest, hasMore, loading, typingTimer, ids:Set}

export const currentConversationId = () => cur && cur.id;

export function closeConversation() {
  if (!cur) return;
  sock.emit('leave:conversation', { conversationId: cur.id });
  clearTimeout(cur.typingTimer);
  cur = null;
}

export async function openConversation(id, container) {
  if (cur && cur.id === id && container.contains(cur.el)) return;
  // opened from the inbox with the keyboard? (asked now: the list is re-rendered, and hidden on phones, meanwhile)
  const fromList = !!(document.activeElement && document.activeElement.closest && document.activeElement.closest('.inbox-list'));
  closeConversation();
  const me = cur = { id, ids: new Set(), early: new Map(), hasMore: true, loading: false };
  container.replaceChildren(h('p.placeholder', {}, '…'));
  let conv;
  try { conv = reconcile((await api.get('/conversations/' + id)).conversation); }
  catch (e) { showError(e); if (cur === me) container.replaceChildren(h('p.placeholder', {}, e.message)); return; }
  if (cur !== me) return;
  me.conv = conv;
  render(container);
  markActiveRow();
  sock.emit('join:conversation', { conversationId: id });
  await loadOlder();
  scrollToEnd();
  markRead();
  // keyboard users who opened it from the list land on its heading, unless they have moved on
  const focus = document.activeElement;
  if (fromList && cur === me && (!focus || focus === document.body || focus.closest('.inbox-list'))) me.el.querySelector('h2').focus();
}

const markRead = throttle(() => {
  if (!cur) return;
  const id = cur.id;
  // only the read state: the rest of this answer may be older than a change made meanwhile (the assistant turned on)
  api.post('/conversations/' + id + '/read', {}).then(() => upsertConversation({ _id: id, unreadCount: 0 }), () => {});
}, 3000);

// re-join after a reconnection (a new socket is in no conversation room)
sock.on('connect', () => { if (cur) sock.emit('join:conversation', { conversationId: cur.id }); });

function render(container) {
  const c = cur.conv;
  const list = h('ol.message-list', { testid: 'message-list', 'aria-label': t('messages'), tabindex: '0' });
  list.addEventListener('scroll', () => { if (list.scrollTop < 60) loadOlder(); });
  const typing = h('p.typing', { testid: 'typing-indicator', hidden: true, 'aria-live': 'polite' }, customerName(c.customer) + ' ' + t('typing'));
  const handler = h('span.handler', { testid: 'handler-label' });
  const actions = h('div.actions', {});
  const header = h('header.conv-head', {},
    h('a.back', { href: '#/', 'aria-label': t('back') }, '←'),
    h('div.who', {}, h('h2', { tabindex: '-1' }, customerName(c.customer)), h('span.phone', {}, c.customer && c.customer.phoneNumber ? '+' + c.customer.phoneNumber : '')),
    h('div.handled', {}, t('handledBy') + ': ', handler), actions);
  const composer = h('div.composer');
  const turns = isSupervisor() ? h('details.turns', { testid: 'turns', ontoggle: ev => { if (ev.target.open) loadTurns(); } },
    h('summary', {}, t('turns')), h('ol.turn-list')) : null;
  const side = h('aside.side', { 'aria-label': t('tickets') });
  cur.el = h('section.conversation', { testid: 'conversation', 'data-conversation-id': cur.id, 'aria-label': customerName(c.customer) },
    h('div.conv-main', {}, header, list, typing, composer, turns), side);
  Object.assign(cur, { list, typing, handler, actions, composer, turns });
  container.replaceChildren(cur.el);
  renderState();
  renderTicketPanel(side, c);
}

/** Handler label, actions and composer follow the conversation's state. */
function renderState() {
  const c = cur.conv;
  const hd = handlerOf(c);
  cur.handler.textContent = hd.text;
  cur.handler.className = 'handler ' + hd.kind;
  if (hd.title) cur.handler.title = hd.title; else cur.handler.removeAttribute('title');
  const mine = c.assignedAgent && (c.assignedAgent._id || c.assignedAgent.id) === state.me._id;
  const done = ['resolved', 'closed'].includes(c.status);
  const btn = (testid, label, fn, disabled) => h('button', { testid, type: 'button', disabled, onclick: () => act(fn) }, label);
  cur.actions.replaceChildren(
    btn('assign-me', t('assignMe'), () => api.post(`/conversations/${cur.id}/assign`, { agentId: state.me._id, ...(isSupervisor() ? { force: true } : {}) }), mine || done),
    btn('resolve', t('resolve'), () => api.put(`/conversations/${cur.id}/status`, { status: 'resolved' }), done),
    btn('ai-toggle', c.isAIEnabled ? t('aiOff') : t('aiOn'), () => api.put(`/conversations/${cur.id}/ai`, { enabled: !c.isAIEnabled }), done),
    btn('handoff', t('handoff'), () => api.post(`/conversations/${cur.id}/handoff`, {}), !c.isAIEnabled || done));
  cur.actions.querySelector('[data-testid=ai-toggle]').setAttribute('aria-pressed', String(!!c.isAIEnabled));
  // the composer is rebuilt only when the 24 h window opens or closes (a rebuild would drop a half-typed reply)
  const open = !!windowOpen();
  if (cur.windowWasOpen !== open) { cur.windowWasOpen = open; renderComposer(); }
}

/** The assistant's turns, when shown, after each of its answers (turns have no event of their own). */
const refreshTurnsSoon = throttle(() => { if (cur && cur.turns && cur.turns.open) loadTurns(); }, 2000);

async function act(fn) {
  const id = cur.id;
  try {
    const res = await fn();
    if (!cur || cur.id !== id) return;
    if (res.conversation) { cur.conv = reconcile(res.conversation); upsertConversation(cur.conv); }
    renderState();
    announce(handlerOf(cur.conv).text);
  } catch (e) { showError(e); }
}

function windowOpen() {
  const last = cur.conv.lastInboundAt || (cur.conv.customer && cur.conv.customer.lastInboundAt);
  return last && Date.now() - new Date(last).getTime() < DAY_MS;
}

function renderComposer() {
  const open = windowOpen();
  const text = h('textarea', { testid: 'reply-text', rows: 2, disabled: !open, placeholder: t('reply') });
  const file = h('input', { testid: 'reply-attach', type: 'file', disabled: !open,
    accept: 'image/jpeg,image/png,image/gif,image/webp,application/pdf,.doc,.docx,.txt,audio/mpeg,audio/mp4,audio/ogg,.mp3,.m4a,.ogg' });
  const send = h('button.primary', { testid: 'reply-send', type: 'submit', disabled: !open }, t('send'));
  const form = h('form.reply', {
    async onsubmit(ev) {
      ev.preventDefault();
      const content = text.value.trim();
      const f = file.files[0];
      if (!content && !f) return;
      send.disabled = true;
      try {
        if (f) {
          announce(t('uploading'));
          const up = await api.upload(f);
          const fmt = (up.format || '').toLowerCase();
          const type = ['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(fmt) ? 'image' : ['mp3', 'm4a', 'ogg'].includes(fmt) ? 'audio' : 'document';
          await sendMessage({ type, publicId: up.publicId, content: content || undefined, filename: type === 'document' ? f.name : undefined });
          file.value = '';
        } else await sendMessage({ type: 'text', content });
        text.value = '';
      } catch (e) { showError(e); }
      send.disabled = false; text.focus();
    },
  }, ...labelled(t('reply'), text), h('div.reply-tools', {}, h('label.attach', {}, t('attach'), file), send));
  text.addEventListener('keydown', ev => { if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); } });
  let typingOn = false, typingTimer;
  text.addEventListener('input', () => {
    if (!typingOn) { typingOn = true; sock.emit('agent:typing', { conversationId: cur.id, isTyping: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typingOn = false; if (cur) sock.emit('agent:typing', { conversationId: cur.id, isTyping: false }); }, 3000);
  });

  const tplForm = h('form.template', {}, h('p.placeholder', {}, '…'));
  const tpl = h('details.template-box', { open: !open }, h('summary', {}, t('template')), tplForm);
  cur.composer.replaceChildren(...(open ? [] : [h('p.notice', { role: 'status' }, t('windowClosed'))]), form, tpl);
  const me = cur;
  loadTemplates().then(list => { if (cur === me) renderTemplateForm(tplForm, list); });
}

// ---- templates: the approved ones (GET /whatsapp/templates), or a name typed in when the server lists none
let templates = null; // the list's promise, for the page's life (the server keeps Meta's answer a minute)
function loadTemplates() {
  templates ??= api.get('/whatsapp/templates').then(res => res.templates || [], e => {
    templates = null; // asked again next time
    showError(e);
    return [];
  });
  return templates;
}

/** {{1}} / {{name}} in a template's text, filled in with the values given so far (the conversation shows the text). */
const fillBody = (body, values) => body.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (m, k) => values[k] || m);

function renderTemplateForm(form, list) {
  const send = h('button', { testid: 'template-send', type: 'submit' }, t('sendTemplate'));
  if (!list.length) { // none listed (no WHATSAPP_BUSINESS_ACCOUNT_ID): a name, its language and '|'-separated parameters
    const name = h('input', { testid: 'template-name', type: 'text', required: true, pattern: '[a-z0-9_]+', maxlength: 512 });
    const lang = h('input', { testid: 'template-language', type: 'text', required: true, value: 'es', size: 6, maxlength: 16 });
    const params = h('input', { testid: 'template-params-text', type: 'text' });
    form.onsubmit = async ev => {
      ev.preventDefault();
      const p = params.value.split('|').map(x => x.trim()).filter(Boolean);
      try { await sendMessage({ type: 'template', templateName: name.value.trim(), language: lang.value.trim(), templateParams: p }); params.value = ''; }
      catch (e) { showError(e); }
    };
    form.replaceChildren(h('p.hint', {}, t('noTemplates')), h('div.field', {}, ...labelled(t('templateName'), name)),
      h('div.field', {}, ...labelled(t('templateLanguage'), lang)), h('div.field', {}, ...labelled(t('templateParams'), params)), send);
    return;
  }
  const picker = h('select', { testid: 'template-picker' },
    ...list.map((tp, i) => h('option', { value: String(i) }, `${tp.name} · ${tp.language}`)));
  const preview = h('p.template-body', { testid: 'template-body' });
  const params = h('div.template-params', { testid: 'template-params' });
  let inputs = [];
  const chosen = () => list[Number(picker.value)];
  const values = () => Object.fromEntries(inputs.map(i => [i.dataset.param, i.value.trim()]));
  const show = () => {
    const tp = chosen();
    const names = tp.parameterNames || Array.from({ length: tp.parameters || 0 }, (_, i) => String(i + 1));
    inputs = names.map(n => h('input', { testid: 'template-param', type: 'text', required: true, maxlength: 1024, 'data-param': n }));
    inputs.forEach(i => i.addEventListener('input', () => { preview.textContent = fillBody(tp.body || '', values()); }));
    params.replaceChildren(...inputs.map(i => h('div.field', {}, ...labelled(t('templateParam') + ' ' + i.dataset.param, i))));
    preview.textContent = tp.body || '';
  };
  picker.addEventListener('change', show);
  form.onsubmit = async ev => {
    ev.preventDefault();
    const tp = chosen();
    const v = values();
    // positional {{1}}, {{2}}: an array in number order; named ones: an object
    const positional = inputs.every(i => /^\d+$/.test(i.dataset.param));
    const templateParams = positional ? inputs.map(i => i.dataset.param).sort((a, b) => a - b).map(k => v[k]) : v;
    try {
      await sendMessage({ type: 'template', templateName: tp.name, language: tp.language, templateParams,
        content: fillBody(tp.body || '', v) || undefined });
      inputs.forEach(i => { i.value = ''; });
      preview.textContent = tp.body || '';
    } catch (e) { showError(e); }
  };
  form.replaceChildren(h('div.field', {}, ...labelled(t('template'), picker)), preview, params, send);
  show();
}

async function sendMessage(body) {
  const res = await request('POST', `/conversations/${cur.id}/messages`, { body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
  if (res.message) {
    addMessage(res.message, true);
    // the server does not send this session its own reply: its inbox row and its other tabs hear it from here
    sock.echo('conversation:new_message', { conversationId: cur.id, message: res.message, customer: cur.conv && cur.conv.customer });
  }
}

// ---- messages
async function loadOlder() {
  const me = cur;
  if (!me || me.loading || !me.hasMore) return;
  me.loading = true;
  try {
    const res = await api.get(`/conversations/${me.id}/messages`, { limit: PAGE, before: me.oldest });
    if (cur !== me) return;
    const msgs = res.messages || [];
    me.hasMore = !!res.hasMore && msgs.length > 0;
    const before = me.list.scrollHeight - me.list.scrollTop;
    const frag = document.createDocumentFragment();
    for (const m of msgs) { const id = m._id || m.id; if (me.ids.has(id)) continue; me.ids.add(id); frag.append(messageEl(m)); }
    me.list.prepend(frag);
    if (msgs.length) me.oldest = msgs[0]._id || msgs[0].id;
    me.list.scrollTop = me.list.scrollHeight - before; // keep the reader where they were
  } catch (e) { showError(e); }
  finally { me.loading = false; }
  // a short first page does not scroll: keep loading until it does or nothing is left
  if (cur === me && me.hasMore && me.list.scrollHeight <= me.list.clientHeight + 60) loadOlder();
}

function messageEl(m) {
  const id = m._id || m.id;
  const status = m.status || 'pending';
  const li = h('li.message.' + m.direction, { testid: 'message', 'data-message-id': id, 'data-direction': m.direction, 'data-status': status });
  const body = h('div.bubble', {});
  for (const a of m.attachments || []) {
    const url = a.url;
    if (!url) { body.append(h('span.attachment.pending', { testid: 'attachment-pending' }, '📎 ' + t('attachmentPending'))); continue; }
    if ((a.type || a.mimeType || '').startsWith('image')) body.append(h('img.attachment', { src: url, alt: a.filename || 'image', loading: 'lazy' }));
    else body.append(h('a.attachment', { href: url, target: '_blank', rel: 'noopener' }, '📎 ' + (a.filename || a.type || 'file')));
  }
  if (m.type === 'template' && !m.content) body.append(h('em', {}, '[' + (m.templateName || 'template') + ']'));
  if (m.content) body.append(h('p.text', {}, m.content));
  const meta = h('div.meta', {}, h('time', { datetime: m.timestamp }, fmtTime(m.timestamp)));
  if (m.direction === 'outbound') {
    const by = m.metadata && m.metadata.sentBy;
    const who = by === 'assistant' ? t('handlerAssistant') : by === 'system' ? t('system') : m.agent ? [m.agent.firstName, m.agent.lastName].filter(Boolean).join(' ') : '';
    if (who) meta.prepend(h('span.sender', {}, who));
    meta.append(h('span.ticks', { testid: 'message-ticks', title: t(status), 'aria-label': t(status) }, TICKS[status] || ''));
  }
  const reaction = m.metadata && m.metadata.reaction;
  if (reaction && reaction.emoji) meta.append(h('span.reaction', { testid: 'message-reaction', title: t('reaction'), 'aria-label': t('reaction') + ' ' + reaction.emoji }, reaction.emoji));
  body.append(meta);
  li.append(body);
  return li;
}

/** A message changed after it was shown (its attachment downloaded, a reaction): redrawn in place, ticks kept. */
function replaceMessage(m) {
  const id = m._id || m.id;
  const li = cur && cur.list.querySelector(`[data-message-id="${CSS.escape(id)}"]`);
  if (!li) return;
  li.replaceWith(messageEl({ ...m, status: later(m.status, li.dataset.status) }));
}

function addMessage(m, own) {
  const id = m._id || m.id;
  if (!cur || cur.ids.has(id)) return;
  cur.ids.add(id);
  if (cur.early.has(id)) { m = { ...m, status: later(m.status, cur.early.get(id)) }; cur.early.delete(id); }
  const nearEnd = cur.list.scrollHeight - cur.list.scrollTop - cur.list.clientHeight < 120;
  cur.list.append(messageEl(m));
  if (!cur.oldest) cur.oldest = id;
  if (nearEnd || own) scrollToEnd();
}

const RANK = { pending: 0, sent: 1, delivered: 2, failed: 3, read: 4 }; // statuses only move forward (as the server's)
const later = (a, b) => ((RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a);

function setStatus(messageId, status) {
  if (!cur) return;
  const li = cur.list.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
  if (!li) { cur.early.set(messageId, later(cur.early.get(messageId), status)); return; } // before its message: kept
  if (later(li.dataset.status, status) !== status || li.dataset.status === status) return;
  li.dataset.status = status;
  const ticks = li.querySelector('[data-testid=message-ticks]');
  if (ticks) { ticks.textContent = TICKS[status] || ''; ticks.title = t(status); ticks.setAttribute('aria-label', t(status)); }
}

function scrollToEnd() { if (cur) cur.list.scrollTop = cur.list.scrollHeight; }

sock.on('conversation:new_message', d => {
  if (!cur || d.conversationId !== cur.id || !d.message) return;
  addMessage(d.message, false);
  if (d.message.direction === 'outbound') refreshTurnsSoon();
  if (d.message.direction === 'inbound') {
    cur.conv.lastInboundAt = d.message.timestamp || new Date().toISOString();
    showTyping(false);
    renderState();
    markRead();
    announce(customerName(cur.conv.customer) + ': ' + (d.message.content || d.message.type));
  }
});
sock.on('message:status_update', d => setStatus(d.messageId, d.status));
sock.on('message:updated', d => { if (cur && d.conversationId === cur.id && d.message) replaceMessage(d.message); });
sock.on('customer:typing', d => { if (cur && d.conversationId === cur.id) showTyping(d.isTyping !== false); });
// status, assignee, assistant, hand-off: the header and actions in place (app.js patches the inbox row)
sock.on('conversation:updated', d => {
  if (!cur || d.conversationId !== cur.id || !cur.conv) return; // still loading: reconcile() applies it then
  applyUpdate(cur.conv, d);
  renderState();
  announce(handlerOf(cur.conv).text);
});
// conversation:updated named the assignee by id; this names them
sock.on('conversation:assigned', d => {
  if (!cur || d.conversationId !== cur.id || !cur.conv || !d.assignedAgent || assigneeOf(cur.conv) !== d.assignedAgent.id) return;
  cur.conv.assignedAgent = { _id: d.assignedAgent.id, firstName: d.assignedAgent.firstName, lastName: d.assignedAgent.lastName };
  renderState();
});

/** Shown on isTyping true, hidden on false, or TYPING_MS after the last event (the customer may just leave). */
function showTyping(on) {
  if (!cur) return;
  cur.typing.hidden = !on;
  clearTimeout(cur.typingTimer);
  if (on) cur.typingTimer = setTimeout(() => { if (cur) cur.typing.hidden = true; }, TYPING_MS);
}

// ---- assistant turns (supervisors and admins)
async function loadTurns() {
  const box = cur.turns.querySelector('.turn-list');
  try {
    const res = await api.get('/assistant/turns', { conversationId: cur.id, limit: 20 });
    const turns = res.turns || [];
    box.replaceChildren(...(turns.length ? turns.map(tu => h('li.turn', {},
      h('div.turn-head', {}, h('time', {}, fmtTime(tu.startedAt || tu.createdAt || tu.at)), ' · ', h('strong', {}, tu.outcome || ''),
        tu.latencyMs != null ? ` · ${tu.latencyMs} ms` : ''),
      tu.reply ? h('p', {}, tu.reply) : null,
      (tu.calls || []).length ? h('ul.calls', {}, ...(tu.calls || []).map(c => h('li', {}, h('code', {}, c.name || c.function || '?'),
        ' ', (c.result && c.result.success === false) ? '✗' : '✓'))) : null)) : [h('li.empty', {}, t('noTurns'))]));
  } catch (e) { showError(e); }
}
