// REST client for /api/v2: base URL, tokens, refresh, the error envelope.
const params = new URLSearchParams(location.search);
const fromParam = params.get('api');
if (fromParam) sessionStorage.setItem('crm_api', fromParam);
/** Server origin ('' = same origin): ?api=, then window.CRM_API, then <meta name=crm-api>, then what an earlier ?api= said. */
export const API_ORIGIN = (fromParam || window.CRM_API || document.querySelector('meta[name=crm-api]')?.content || sessionStorage.getItem('crm_api') || '').replace(/\/+$/, '');
const BASE = API_ORIGIN + '/api/v2';

const K_TOKEN = 'whatsapp_crm_token', K_REFRESH = 'whatsapp_crm_refresh_token', K_AGENT = 'whatsapp_crm_agent';

export class ApiError extends Error {
  constructor(status, code, message, field) { super(message || code); this.status = status; this.code = code; this.field = field; }
}

let onExpired = () => {};
/** Called (once per expiry) when the session cannot be kept: the app goes back to the login page. */
export function setExpiredHandler(fn) { onExpired = fn; }

export const session = {
  get token() { return localStorage.getItem(K_TOKEN); },
  get refreshToken() { return localStorage.getItem(K_REFRESH); },
  get agent() { try { return JSON.parse(localStorage.getItem(K_AGENT)); } catch { return null; } },
  save(res) {
    if (res.token) localStorage.setItem(K_TOKEN, res.token);
    if (res.refreshToken) localStorage.setItem(K_REFRESH, res.refreshToken);
    if (res.agent) localStorage.setItem(K_AGENT, JSON.stringify(res.agent));
  },
  clear() { [K_TOKEN, K_REFRESH, K_AGENT].forEach(k => localStorage.removeItem(k)); },
};

async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok || (body && body.success === false)) {
    const e = (body && body.error) || {};
    throw new ApiError(res.status, e.code || 'HTTP_' + res.status, e.message || res.statusText, e.field);
  }
  return body || {};
}

let refreshing = null;
/** One refresh at a time; resolves true when a new access token was stored. */
export function refresh() {
  if (!session.refreshToken) return Promise.resolve(false);
  refreshing ??= fetch(BASE + '/auth/refresh', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  }).then(parse).then(res => { session.save(res); return true; }, () => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

const isAuthFailure = e => e instanceof ApiError && e.status === 401;

/** request('GET', '/conversations', {query, body, form, headers}) -> parsed body; throws ApiError. */
export async function request(method, path, opts = {}, retried = false) {
  const url = new URL(BASE + path, location.href);
  for (const [k, v] of Object.entries(opts.query || {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = { ...(opts.headers || {}) };
  if (session.token) headers.Authorization = 'Bearer ' + session.token;
  let body;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.body); }
  let res;
  try { res = await fetch(url, { method, headers, body }); }
  catch (err) { throw new ApiError(0, 'NETWORK_ERROR', err.message); }
  try { return await parse(res); }
  catch (e) {
    if (isAuthFailure(e) && !opts.noAuthRetry) {
      if (!retried && /EXPIRED/.test(e.code) && await refresh()) return request(method, path, opts, true);
      onExpired(e);
    }
    throw e;
  }
}

export const api = {
  get: (p, query) => request('GET', p, { query }),
  post: (p, body) => request('POST', p, { body }),
  put: (p, body) => request('PUT', p, { body }),
  upload: (file) => { const f = new FormData(); f.append('file', file); return request('POST', '/upload', { form: f }); },
  async login(email, password) {
    const res = await request('POST', '/auth/login', { body: { email, password }, noAuthRetry: true });
    session.save(res);
    return res;
  },
  async logout() {
    try { await request('POST', '/auth/logout', { body: { refreshToken: session.refreshToken }, noAuthRetry: true }); } catch { /* leaving anyway */ }
    session.clear();
  },
};
