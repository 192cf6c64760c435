// The REST client: Mattermost's API v4 with the session cookie and Mattermost's CSRF rule
// (X-Requested-With: XMLHttpRequest, and the MMCSRF cookie's value as X-CSRF-Token).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.id = body && body.id;
  }
}

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : '';
}

/** Called when a request answers 401 (the session ended): set by the app. */
export const hooks = { onUnauthorized: null };

export async function api(method, path, body, { raw = false, headers = {}, quiet401 = false } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { 'X-Requested-With': 'XMLHttpRequest', ...headers },
  };
  if (method !== 'GET') init.headers['X-CSRF-Token'] = csrf();
  if (body !== undefined) {
    if (raw) init.body = body;
    else { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  }
  const r = await fetch(`/api/v4${path}`, init);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    if (r.status === 401 && !quiet401 && hooks.onUnauthorized) hooks.onUnauthorized();
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b === undefined ? {} : b, o);
export const put = (p, b, o) => api('PUT', p, b, o);
export const del = (p, o) => api('DELETE', p, undefined, o);
