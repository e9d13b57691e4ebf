// Form helpers: collect values, show the server's error next to its field
// (or at the top of the form), and keep the button busy while waiting.

import { ApiError } from './api.js';

function minutes(seconds) {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? 'a minute' : `${m} minutes`;
}

export function messageFor(error) {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited' && error.retryAfter) return `Too many attempts, try again in ${minutes(error.retryAfter)}.`;
    return error.message;
  }
  return 'The server could not be reached. Check your connection and try again.';
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  const status = form.querySelector('.form-status');
  if (status) { status.textContent = ''; status.className = 'form-status'; }
}

export function showStatus(form, text, kind = 'error') {
  const status = form.querySelector('.form-status');
  if (!status) return;
  status.textContent = text;
  status.className = `form-status ${kind}`;
}

export function showError(form, error, fieldMap = {}) {
  const text = messageFor(error);
  const name = error instanceof ApiError && error.field ? (fieldMap[error.field] || error.field) : null;
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const p = document.createElement('p');
    p.className = 'field-error';
    p.id = `${input.id}-error`;
    p.textContent = text;
    input.setAttribute('aria-describedby', p.id);
    input.closest('.field')?.append(p);
    input.focus();
  }
  showStatus(form, text);
}

/** Binds `handler(values)` to the form's submit, with busy state and errors. */
export function bindForm(form, handler, fieldMap) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    try {
      await handler(Object.fromEntries(new FormData(form).entries()));
    } catch (error) {
      showError(form, error, fieldMap);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

/** A same-site path from `?next=`, or the fallback. */
export function nextPath(fallback) {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
