// The console: login, shell (status, language, logout), inbox list with live updates, routing.
import { api, session, setExpiredHandler, ApiError } from './api.js';
import * as sock from './socket.js';
import { t, setLang, getLang, chosenLang, languages } from './i18n.js';
import { h, labelled, select, alertMsg, announce, fmtTime, throttle } from './dom.js';
import { openConversation, closeConversation, currentConversationId } from './conversation.js';
import { renderDashboard } from './dashboard.js';
import { forgetCategories } from './tickets.js';

const root = document.getElementById('root');
export const state = { me: null, scope: 'all', status: '', pages: 1, hasMore: false, conversations: [], agentStatus: 'online', expiredNotice: false };

export function fullName(p) { return p ? [p.firstName, p.lastName].filter(Boolean).join(' ') || p.name || p.email || '' : ''; }
export function customerName(c) { return c ? (fullName(c) || c.profileName || c.phoneNumber || '') : ''; }
export const isSupervisor = () => state.me && ['admin', 'supervisor'].includes(state.me.role);

/** Who handles a conversation: the agent's name, the assistant, or nobody yet (waiting for a person). */
export function handlerOf(c) {
  if (c.assignedAgent) {
    const id = c.assignedAgent._id || c.assignedAgent.id;
    return { kind: 'agent', text: (state.me && id === state.me._id ? t('you') + ': ' : '') + (fullName(c.assignedAgent) || t('anAgent')) };
  }
  if (c.isAIEnabled) return { kind: 'assistant', text: t('handlerAssistant') };
  return { kind: 'waiting', text: t('handlerWaiting'), title: c.handoff && c.handoff.reason ? t('handoffReason') + ': ' + c.handoff.reason : null };
}

// ---- agents' names: conversation:updated names the assignee by id only; lists, conversation:assigned and the login
// say who that is
const agentNames = new Map();
export function rememberAgent(a) {
  const id = a && (a._id || a.id);
  if (id && fullName(a)) agentNames.set(id, { _id: id, firstName: a.firstName, lastName: a.lastName });
}

// REST answers and socket events race: an answer computed before a change may arrive after the change's event (a read
// receipt's answer after an assignment). The last event of each conversation is kept, and a conversation object from
// the API gets it when the event is newer (by updatedAt, which every change moves).
const lastUpdate = new Map();
const newer = (a, b) => !b || (a && Date.parse(a) > Date.parse(b));

/** A conversation as the API answered it, with any later conversation:updated applied; returns it. */
export function reconcile(c) {
  const d = c && lastUpdate.get(c._id || c.id);
  return d && newer(d.updatedAt, c.updatedAt) ? applyUpdate(c, d) : c;
}

/**
 * Applies a conversation:updated event ({conversationId, status, assignedAgentId, isAIEnabled, handoff?, updatedAt})
 * to a conversation object as the REST API answers it; returns it.
 */
export function applyUpdate(c, d) {
  c.status = d.status;
  c.isAIEnabled = d.isAIEnabled;
  c.updatedAt = d.updatedAt;
  if (d.handoff) c.handoff = d.handoff; else delete c.handoff;
  const current = assigneeOf(c);
  if (!d.assignedAgentId) { delete c.assignedAgent; delete c.assignedAgentId; }
  else if (current !== d.assignedAgentId || !fullName(c.assignedAgent)) {
    c.assignedAgentId = d.assignedAgentId;
    c.assignedAgent = agentNames.get(d.assignedAgentId) || (state.me && state.me._id === d.assignedAgentId ? state.me : { _id: d.assignedAgentId });
  }
  return c;
}

/** Errors go to the aria-live region; auth failures are handled by the expiry handler. */
export function showError(e) {
  if (e instanceof ApiError && e.status === 401) return;
  alertMsg(`${t('error')}: ${e.message || e}${e.code ? ' (' + e.code + ')' : ''}`);
}

// ---- session expiry: back to the login page
setExpiredHandler(() => endSession(true));
function endSession(expired) {
  sock.disconnect();
  session.clear();
  state.me = null;
  state.expiredNotice = expired;
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  renderLogin();
}

// ---- language from the active preset
async function loadLanguage() {
  if (chosenLang()) { setLang(chosenLang(), true); return; }
  try { const res = await api.get('/config/assistant'); setLang(res.config && res.config.language); }
  catch { /* agents without read:config keep the browser's language */ }
}

// ---- login
function renderLogin() {
  document.title = 'WhatsApp CRM';
  const email = h('input', { testid: 'login-email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { testid: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p.form-error', { testid: 'login-error', role: 'alert', hidden: !state.expiredNotice }, state.expiredNotice ? t('expired') : '');
  const submit = h('button.primary', { testid: 'login-submit', type: 'submit' }, t('login'));
  const form = h('form.login', {
    async onsubmit(ev) {
      ev.preventDefault();
      submit.disabled = true; error.hidden = true;
      try {
        await api.login(email.value.trim(), password.value);
        state.expiredNotice = false;
        await start();
      } catch (e) {
        error.textContent = e.code === 'AUTH_CREDENTIALS_INVALID' ? t('loginFailed') : `${e.message} (${e.code})`;
        error.hidden = false; submit.disabled = false; password.focus();
      }
    },
  }, h('h1', {}, t('title')), ...labelled(t('email'), email), ...labelled(t('password'), password), error, submit);
  root.replaceChildren(h('main.login-page', {}, form));
  email.focus();
}

// ---- shell
let els = {};
async function start() {
  try {
    const me = await api.get('/auth/me');
    state.me = me.agent; session.save({ agent: me.agent }); rememberAgent(me.agent);
  } catch (e) { if (!(e instanceof ApiError && e.status === 401)) { showError(e); renderLogin(); } return; }
  await loadLanguage();
  state.agentStatus = state.me.status && state.me.status !== 'offline' ? state.me.status : 'online';
  renderShell();
  sock.connect(() => endSession(true));
  route();
}

function renderShell() {
  document.title = t('title');
  const status = select('agent-status', ['online', 'busy', 'away', 'offline'].map(s => [s, t(s)]), state.agentStatus, {
    async onchange() {
      const ack = await sock.emit('agent:status', { status: status.value });
      if (ack && ack.success) { state.agentStatus = status.value; announce(t('status') + ': ' + t(status.value)); }
      else showError(new Error((ack && ack.error && ack.error.message) || 'agent:status'));
    },
  });
  // '' follows the active preset's language; a choice is remembered in this browser
  const lang = select('lang', [['', t('langAuto')], ...languages.map(l => [l, l.toUpperCase()])], chosenLang() || '', {
    async onchange() {
      if (lang.value) setLang(lang.value, true); else { localStorage.removeItem('crm_lang'); await loadLanguage(); }
      renderShell(); route();
    },
  });
  const nav = h('nav.tabs', { 'aria-label': t('mainNav') },
    h('a', { href: '#/', 'data-nav': 'inbox' }, t('inbox')),
    h('a', { href: '#/dashboard', 'data-nav': 'dashboard' }, t('dashboard')));
  const header = h('header.topbar', {},
    h('h1.brand', {}, t('title')), nav,
    h('div.top-controls', {},
      h('span.me', {}, fullName(state.me)),
      ...labelled(t('status'), status), ...labelled(t('language'), lang),
      h('button', { testid: 'logout', type: 'button', async onclick() { await api.logout(); endSession(false); } }, t('logout'))));

  const scope = select('inbox-filter-scope', [['mine', t('mine')], ['unassigned', t('unassigned')], ['all', t('all')]], state.scope,
    { onchange() { state.scope = scope.value; state.pages = 1; loadInbox(); } });
  const st = select('inbox-filter-status', [['', t('any')], ...['open', 'assigned', 'resolved', 'closed'].map(s => [s, t(s)])], state.status,
    { onchange() { state.status = st.value; state.pages = 1; loadInbox(); } });
  const list = h('ul.inbox-list', { testid: 'inbox-list', 'aria-label': t('inbox') });
  const inbox = h('section.inbox', { 'aria-label': t('inbox') },
    h('div.filters', {}, h('div.field', {}, ...labelled(t('scope'), scope)), h('div.field', {}, ...labelled(t('convStatus'), st))), list);
  const detail = h('div.detail');
  const main = h('main.workspace', {}, inbox, detail);
  els = { list, detail, main, inbox };
  root.replaceChildren(h('div.app', { testid: 'app' }, header, main));
}

// ---- inbox
let loadSeq = 0;
// changes seen here (an action's answer, a live message) after a list read was sent: that read must not undo them
const fresher = new Map(); // conversation id -> {at, patch}
function remember(id, patch) {
  const f = fresher.get(id);
  fresher.set(id, { at: performance.now(), patch: { ...(f && f.patch), ...patch } });
}
export async function loadInbox() {
  const seq = ++loadSeq;
  const sentAt = performance.now();
  const query = { limit: 50, status: state.status };
  if (state.scope !== 'all') query.assignedAgent = state.scope === 'mine' ? state.me._id : 'unassigned';
  try {
    // page 1, and the further pages the agent asked for with "more"
    let all = [], more = false;
    for (let page = 1; page <= state.pages; page++) {
      const res = await api.get('/conversations', { ...query, page });
      if (seq !== loadSeq) return;
      all = all.concat(res.conversations || []);
      more = !!(res.pagination && res.pagination.hasNext);
      if (!more) break;
    }
    const seen = new Set();
    for (const [id, f] of fresher) if (f.at <= sentAt) fresher.delete(id); // this read has them
    // what this client saw after the read was sent wins over it: its own changes (fresher), then live events (reconcile)
    state.conversations = all.filter(c => !seen.has(c._id) && seen.add(c._id))
      .map(c => (fresher.has(c._id) ? { ...c, ...fresher.get(c._id).patch } : c)).map(reconcile).filter(inView);
    state.conversations.forEach(c => rememberAgent(c.assignedAgent));
    state.hasMore = more;
    renderInbox();
  } catch (e) { showError(e); }
}
export const reloadInboxSoon = throttle(() => loadInbox(), 2000);

function renderInbox() {
  if (!els.list) return;
  const current = currentConversationId();
  const rows = state.conversations.map(c => {
    const id = c._id || c.id;
    const handler = handlerOf(c);
    const last = c.lastMessage || {};
    const a = h('a.row-link', { href: '#/c/' + id, 'aria-current': id === current ? 'true' : null },
      h('span.row-top', {},
        h('span.name', { testid: 'inbox-row-name' }, customerName(c.customer)),
        h('time', { datetime: last.timestamp || '' }, fmtTime(last.timestamp))),
      h('span.last', { testid: 'inbox-row-last' }, last.content || ''),
      h('span.row-bottom', {},
        h('span.handler.' + handler.kind, { testid: 'inbox-row-handler', title: handler.title }, handler.text),
        h('span.badge.status-' + c.status, {}, t(c.status)),
        c.unreadCount ? h('span.unread', { 'aria-label': c.unreadCount + ' ' + t('unread') }, c.unreadCount) : null));
    return h('li.inbox-row', { testid: 'inbox-row', 'data-conversation-id': id, class: 'inbox-row' + (id === current ? ' active' : '') }, a);
  });
  if (state.hasMore) rows.push(h('li.more', {}, h('button', { type: 'button', onclick() { state.pages++; loadInbox(); } }, t('more'))));
  // the rows are rebuilt: a keyboard user's focus on one stays on it (else it would fall back to the page's start)
  const focused = els.list.contains(document.activeElement) ? document.activeElement.closest('li') : null;
  const was = focused && (focused.dataset.conversationId || (focused.classList.contains('more') && 'more'));
  els.list.replaceChildren(...(rows.length ? rows : [h('li.empty', {}, t('noConversations'))]));
  if (was) {
    const again = els.list.querySelector(was === 'more' ? 'li.more button' : `li[data-conversation-id="${CSS.escape(was)}"] a`);
    if (again) again.focus();
  }
}
export function markActiveRow() { renderInbox(); }

/** Patches one conversation in the list from the API's answer (a whole conversation: what it lacks, it has not). */
export function upsertConversation(conv) {
  const id = conv._id || conv.id;
  remember(id, conv);
  const i = state.conversations.findIndex(c => (c._id || c.id) === id);
  if (i < 0) return;
  reconcile(conv);
  const next = { ...state.conversations[i], ...conv };
  for (const k of ['assignedAgent', 'handoff']) if (!(k in conv)) delete next[k];
  state.conversations[i] = next;
  renderInbox();
}

/** The assigned agent's id, or undefined. */
export const assigneeOf = c => (c.assignedAgent ? (c.assignedAgent._id || c.assignedAgent.id) : c.assignedAgentId);

/** Whether a conversation belongs in the list as filtered now (scope, status, and what a plain agent may see). */
function inView(c) {
  const assignee = assigneeOf(c);
  if (!isSupervisor() && assignee !== state.me._id && !(!assignee && c.status === 'open')) return false;
  if (state.scope === 'mine' && assignee !== state.me._id) return false;
  if (state.scope === 'unassigned' && assignee) return false;
  return !state.status || c.status === state.status;
}

// ---- live events for the list
sock.on('conversation:new_message', data => {
  const c = state.conversations.find(x => (x._id || x.id) === data.conversationId);
  const m = data.message;
  if (c && m) {
    c.lastMessage = { content: m.content, timestamp: m.timestamp, type: m.type, from: m.direction === 'inbound' ? 'customer' : 'agent' };
    if (m.direction === 'inbound' && (c._id || c.id) !== currentConversationId()) c.unreadCount = (c.unreadCount || 0) + 1;
    remember(c._id || c.id, { lastMessage: c.lastMessage, unreadCount: c.unreadCount });
    state.conversations = [c, ...state.conversations.filter(x => x !== c)];
    renderInbox();
  } else reloadInboxSoon(); // a conversation this list does not show yet
});
// status, assignee, assistant or hand-off: the row in place; out of the list when it no longer matches the filters, and
// the list read again when it now matches one it is not in (the event does not carry the row's customer and message)
sock.on('conversation:updated', d => {
  if (!state.me) return;
  const known = lastUpdate.get(d.conversationId);
  if (known && Date.parse(d.updatedAt) < Date.parse(known.updatedAt)) return; // overtaken by a later change
  lastUpdate.set(d.conversationId, d);
  const c = state.conversations.find(x => (x._id || x.id) === d.conversationId);
  const updated = applyUpdate(c ? { ...c } : { _id: d.conversationId }, d);
  if (!inView(updated)) {
    if (c) { state.conversations = state.conversations.filter(x => x !== c); renderInbox(); }
  } else if (c) {
    state.conversations = state.conversations.map(x => (x === c ? updated : x));
    renderInbox();
  } else reloadInboxSoon();
});
// conversation:updated named the new assignee by id: this says who they are
sock.on('conversation:assigned', d => {
  rememberAgent(d.assignedAgent);
  const c = state.conversations.find(x => (x._id || x.id) === d.conversationId);
  if (c && d.assignedAgent && assigneeOf(c) === d.assignedAgent.id) { c.assignedAgent = agentNames.get(d.assignedAgent.id) || c.assignedAgent; renderInbox(); }
});
sock.on('connect', () => reloadInboxSoon());
// a preset loaded, categories or the assistant changed: the next ticket form reads the categories again, and the labels
// follow the preset's language at once (unless this browser chose one)
sock.on('config:updated', d => {
  forgetCategories();
  if (!state.me || chosenLang() || !d.language) return;
  const was = getLang();
  if (setLang(d.language) && getLang() !== was) { renderShell(); route(); }
});
sock.on('agent:status_change', d => {
  if (state.me && d.agentId === state.me._id && els.main) {
    const s = document.querySelector('[data-testid=agent-status]');
    if (s && d.status !== s.value) { s.value = d.status; state.agentStatus = d.status; }
  }
});

// ---- routing: #/ inbox, #/c/<id> conversation, #/dashboard
function route() {
  if (!state.me) return;
  const hash = location.hash.replace(/^#/, '');
  document.querySelectorAll('[data-nav]').forEach(a => a.setAttribute('aria-current',
    (hash.startsWith('/dashboard') ? 'dashboard' : 'inbox') === a.dataset.nav ? 'page' : 'false'));
  if (hash.startsWith('/dashboard')) {
    closeConversation();
    els.main.classList.add('dash-mode');
    renderDashboard(els.detail);
    return;
  }
  els.main.classList.remove('dash-mode');
  const m = hash.match(/^\/c\/([\w-]+)/);
  if (m) { els.main.classList.add('has-conversation'); openConversation(m[1], els.detail); }
  else {
    els.main.classList.remove('has-conversation');
    closeConversation();
    els.detail.replaceChildren(h('p.placeholder', {}, t('pickConversation')));
  }
  if (!state.conversations.length || !els.list.childElementCount) loadInbox(); else renderInbox();
}
window.addEventListener('hashchange', route);

// ---- boot
if (session.token) start(); else { setLang(chosenLang() || getLang()); renderLogin(); }
