// Socket.IO connection with the access token; an expired token is refreshed once, else the session ends.
import { io } from '../vendor/socket.io.esm.min.js';
import { API_ORIGIN, session, refresh } from './api.js';

let socket = null;
const handlers = new Map();

export function connect(onExpired) {
  disconnect();
  socket = io(API_ORIGIN || location.origin, { auth: cb => cb({ token: session.token }) });
  for (const [ev, fns] of handlers) for (const fn of fns) socket.on(ev, fn);
  // the server closed it (logout elsewhere, deactivation, a role change): socket.io does not come back by itself;
  // connecting again either works (new token) or ends in connect_error, which ends the session
  socket.on('disconnect', reason => { if (reason === 'io server disconnect') setTimeout(() => socket && socket.connect(), 500); });
  socket.on('connect_error', async err => {
    const code = err && err.data && err.data.code;
    if (!code || !/AUTH_TOKEN/.test(code)) return; // network trouble: socket.io retries by itself
    if (/EXPIRED/.test(code) && await refresh()) socket.connect();
    else onExpired(err);
  });
  return socket;
}

export function disconnect() { if (socket) { socket.removeAllListeners(); socket.disconnect(); socket = null; } }

/** Listens on every connection made from now on. */
export function on(ev, fn) {
  if (!handlers.has(ev)) handlers.set(ev, new Set());
  handlers.get(ev).add(fn);
  if (socket) socket.on(ev, fn);
}

// The server leaves this session's own replies out of its sockets (the send's answer has them). A session is this
// browser's (one localStorage): its other tabs hear those replies from the tab that sent them, through a same-origin
// channel, as if the server had sent them.
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('crm-console') : null;
const TAB_EVENTS = new Set(['conversation:new_message']);
if (tabs) {
  tabs.onmessage = e => {
    const { ev, data } = e.data || {};
    if (TAB_EVENTS.has(ev)) for (const fn of handlers.get(ev) || []) fn(data);
  };
}
/** An event the server does not send back to this session: handled here (the inbox row) and in its other tabs. */
export function echo(ev, data) {
  if (!TAB_EVENTS.has(ev)) return;
  for (const fn of handlers.get(ev) || []) fn(data);
  if (tabs) tabs.postMessage({ ev, data });
}

export function emit(ev, data) {
  return new Promise(resolve => {
    if (!socket) return resolve({ success: false });
    socket.timeout(5000).emit(ev, data, (err, ack) => resolve(err ? { success: false, error: { message: String(err) } } : ack));
  });
}

/** Re-joins the open conversation's room after a reconnect. */
export function onConnect(fn) { on('connect', fn); }
