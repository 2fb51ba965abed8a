// Dashboard: GET /analytics/dashboard numbers and two small inline SVG charts (no library).
import { api } from './api.js';
import { t } from './i18n.js';
import { h, alertMsg } from './dom.js';
import { showError } from './app.js';

const SVG = 'http://www.w3.org/2000/svg';
const s = (tag, attrs = {}, ...kids) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
};

/** A bar chart: points [{label, value}], with a title and a text alternative. */
function barChart(testid, title, points) {
  const W = 320, H = 120, pad = 18;
  const max = Math.max(1, ...points.map(p => p.value));
  const bw = (W - pad) / Math.max(1, points.length);
  const svg = s('svg', { 'data-testid': testid, viewBox: `0 0 ${W} ${H + pad}`, role: 'img', 'aria-label': title, class: 'chart' },
    s('title', {}, title));
  svg.append(s('line', { x1: pad, y1: H, x2: W, y2: H, class: 'axis' }));
  points.forEach((p, i) => {
    const bh = Math.round((p.value / max) * (H - 10));
    const rect = s('rect', { x: pad + i * bw + 1, y: H - bh, width: Math.max(1, bw - 2), height: bh, class: 'bar' },
      s('title', {}, `${p.label}: ${p.value}`));
    svg.append(rect);
  });
  const step = Math.ceil(points.length / 6);
  points.forEach((p, i) => { if (i % step === 0) svg.append(s('text', { x: pad + i * bw, y: H + 13, class: 'tick' }, p.short ?? p.label)); });
  svg.append(s('text', { x: 0, y: 10, class: 'tick' }, String(Math.round(max * 10) / 10)));
  return svg;
}

export async function renderDashboard(container) {
  const box = h('section.dashboard', { testid: 'dashboard', 'aria-label': t('dashboard') }, h('h2', {}, t('dashboard')), h('p', {}, '…'));
  container.replaceChildren(box);
  let d;
  let stats = null, assistant = null;
  try {
    [d, stats, assistant] = await Promise.all([api.get('/analytics/dashboard'), api.get('/tickets/statistics').catch(() => null),
      api.get('/assistant/status').catch(() => null)]); // assistant status: admins only
  } catch (e) { showError(e); box.lastChild.textContent = e.message; return; }
  const c = d.conversations || {}, m = d.messages || {}, tk = d.tickets || {}, a = d.agents || {}, ch = d.charts || {};
  const num = (label, value) => h('div.num', {}, h('dt', {}, label), h('dd', {}, value ?? '—'));
  const round = v => v == null ? '—' : Math.round(v * 10) / 10;
  const numbers = h('dl.numbers', { testid: 'dashboard-numbers' },
    num(t('conversations'), c.total), num(t('open'), c.open), num(t('assigned'), c.assigned), num(t('resolved'), c.resolved),
    num(t('messagesToday'), m.totalToday), num(t('avgResponse'), round(m.averageResponseTime)),
    num(t('responseRate'), m.responseRate == null ? '—' : round(m.responseRate) + ' %'),
    num(t('ticketsOpen'), tk.open), num(t('ticketsResolved'), tk.resolved), num(t('agentsOnline'), `${a.online ?? 0} / ${a.total ?? 0}`), num(t('busy'), a.busy ?? 0));
  if (assistant) numbers.append(num(t('handlerAssistant'), assistant.enabled
    ? `${t('on')}${assistant.model ? ' · ' + assistant.model : ''}${assistant.pending != null ? ' · ' + assistant.pending + ' ' + t('pendingTurns') : ''}`
    : `${t('off')}${assistant.reason ? ' (' + assistant.reason + ')' : ''}`));
  const overTime = (ch.conversationsOverTime || []).map(p => ({ label: p.date, short: String(p.date).slice(5), value: p.count || 0 }));
  const byHour = (ch.responseTimesByHour || []).map(p => ({ label: p.hour + 'h', short: String(p.hour), value: Math.round((p.averageTime || 0) * 10) / 10 }));
  const byStatus = stats && stats.byStatus
    ? Object.entries(stats.byStatus).map(([k, v]) => ({ label: t('s_' + k), short: t('s_' + k).slice(0, 6), value: v || 0 }))
    : [{ label: t('ticketsOpen'), value: tk.open || 0 }, { label: t('ticketsResolved'), value: tk.resolved || 0 }];
  const fig = (testid, title, pts) => h('figure', {}, barChart(testid, title, pts), h('figcaption', {}, title));
  const heading = h('h2', { tabindex: '-1' }, t('dashboard'));
  box.replaceChildren(heading, numbers,
    h('div.charts', {},
      fig('chart-conversations', t('chartConversations'), overTime),
      fig('chart-tickets', t('chartTickets'), byStatus),
      fig('chart-response', t('chartResponse'), byHour)));
  if (document.activeElement && document.activeElement.matches('[data-nav]')) heading.focus();
}
