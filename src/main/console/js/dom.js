// Tiny DOM helpers: h('div.cls', {attrs}, ...children).
import { t } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name);
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

let uid = 0;
/** A labelled control: returns [label, control] with matching for/id. */
export function labelled(text, control) {
  control.id ||= 'f' + (++uid);
  return [h('label', { for: control.id }, text), control];
}

export function select(testid, options, value, attrs = {}) {
  const s = h('select', { testid, ...attrs });
  for (const [v, label] of options) s.append(h('option', { value: v, selected: v === value }, label));
  return s;
}

/** Shows an error (or notice) in the aria-live alert region for a while. */
export function alertMsg(text, kind = 'error') {
  const box = document.getElementById('alerts');
  const item = h('div.alert.' + kind, {}, text, h('button.close', { type: 'button', 'aria-label': t('close'), onclick: () => item.remove() }, '×'));
  box.append(item);
  setTimeout(() => item.remove(), 8000);
}

export function announce(text) { document.getElementById('status-live').textContent = text; }

export const fmtTime = iso => { if (!iso) return ''; const d = new Date(iso); return isNaN(d) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }); };

/** At most one call per `ms`: the first at once, the last of a burst when the time is up (API rate limits). */
export function throttle(fn, ms) {
  let last = 0, timer = null;
  return function run() {
    const wait = last + ms - Date.now();
    if (wait <= 0) { last = Date.now(); fn(); }
    else if (!timer) timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
  };
}
