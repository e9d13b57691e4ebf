// The API client: JSON in and out, the access token in sessionStorage, and
// a silent refresh through the HttpOnly `webox_refresh` cookie when the
// token is missing or expired. The refresh token itself is never stored here.

const ACCESS_KEY = 'webox.access';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `Request failed (HTTP ${status})`);
    this.status = status;
    this.code = body?.code || 'unknown_error';
    this.field = body?.field || null;
    this.retryAfter = body?.retry_after ?? null;
  }
}

export function accessToken() {
  return sessionStorage.getItem(ACCESS_KEY);
}

export function storeSession(answer) {
  if (answer?.access_token) sessionStorage.setItem(ACCESS_KEY, answer.access_token);
}

export function forgetSession() {
  sessionStorage.removeItem(ACCESS_KEY);
}

async function send(method, path, body, token, extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let refreshing = null;

/** Exchanges the refresh cookie for a new access token; false if signed out. */
export async function refresh() {
  refreshing ??= send('POST', '/api/auth/refresh', {})
    .then((answer) => { storeSession(answer); return true; })
    .catch(() => { forgetSession(); return false; })
    .finally(() => { refreshing = null; });
  return refreshing;
}

/** Calls the API; authenticated calls refresh once when the token expired.
 *  `headers` adds request headers (e.g. `Idempotency-Key`). */
export async function api(method, path, body, headers = {}) {
  let token = accessToken();
  try {
    return await send(method, path, body, token, headers);
  } catch (error) {
    const retryable = error instanceof ApiError && error.status === 401 &&
      ['token_expired', 'unauthorized', 'session_revoked', 'token_invalid'].includes(error.code) &&
      !path.startsWith('/api/auth/login') && !path.startsWith('/api/auth/register') && !path.startsWith('/api/auth/refresh');
    if (!retryable) throw error;
    if (!(await refresh())) {
      // The session is over: carry on as a guest (routes that need an
      // account answer 401 again, and the page sends the visitor to log in).
      if (!token) throw error;
      return send(method, path, body, null, headers);
    }
    token = accessToken();
    return send(method, path, body, token, headers);
  }
}

/** The signed-in user, refreshing first if needed; null when signed out. */
export async function currentUser() {
  if (!accessToken() && !(await refresh())) return null;
  try {
    return (await api('GET', '/api/auth/me')).user;
  } catch {
    forgetSession();
    return null;
  }
}

export async function logout() {
  try { await api('POST', '/api/auth/logout'); } catch { /* already signed out */ }
  forgetSession();
}

/** Applies a theme preference (light | dark | system) to the page. */
export function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  try { localStorage.setItem('webox.theme', theme || 'system'); } catch { /* storage off */ }
}

applyTheme(localStorage.getItem('webox.theme') || 'system');
