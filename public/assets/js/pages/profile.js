import { api, applyTheme, forgetSession } from '../api.js';
import { bindForm, messageFor, showStatus } from '../forms.js';
import { renderHeader } from '../nav.js';

const PROVIDER_NAMES = {
  openai: 'OpenAI', anthropic: 'Anthropic', google: 'Google Gemini', mistral: 'Mistral', groq: 'Groq',
  stability: 'Stability AI', elevenlabs: 'ElevenLabs', runway: 'Runway', luma: 'Luma', pika: 'Pika (fal.ai key)', suno: 'Suno (session cookie)', udio: 'Udio (PiAPI key)',
};
const MODEL_KINDS = ['chat', 'image', 'audio', 'video'];
const $ = (selector) => document.querySelector(selector);

function showAccount(user) {
  $('#account-email-current').textContent = user.email;
  const badge = $('#email-status');
  badge.textContent = user.email_verified ? 'verified' : 'not verified';
  badge.className = `badge ${user.email_verified ? 'ok' : 'warn'}`;
  $('#resend-verification').hidden = user.email_verified;
  $('#account-name').value = user.name;
  $('#account-email').value = user.email;
}

function showPreferences(prefs) {
  $('#pref-theme').value = prefs.theme;
  $('#pref-language').value = prefs.language;
  for (const kind of MODEL_KINDS) $(`#pref-model-${kind}`).value = prefs.default_models[kind] || '';
  $('#pref-notify-email').checked = prefs.notifications.email;
  $('#pref-notify-in-app').checked = prefs.notifications.in_app;
  $('#pref-notify-marketing').checked = prefs.notifications.marketing;
  applyTheme(prefs.theme);
}

function humanise(key) {
  const text = key.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function showStats(stats) {
  const list = $('#stats');
  list.replaceChildren();
  for (const [key, value] of Object.entries(stats)) {
    const item = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = humanise(key);
    const dd = document.createElement('dd');
    dd.textContent = key.endsWith('_minor') ? (value / 100).toFixed(2) : String(value);
    item.append(dt, dd);
    list.append(item);
  }
}

function keyRow(entry) {
  const row = document.createElement('tr');
  row.dataset.provider = entry.provider;
  const name = document.createElement('th');
  name.scope = 'row';
  name.textContent = PROVIDER_NAMES[entry.provider] || entry.provider;
  const current = document.createElement('td');
  current.className = 'api-key-current';
  current.textContent = entry.configured ? entry.masked : 'not set';
  const inputCell = document.createElement('td');
  const input = document.createElement('input');
  input.className = 'api-key-input';
  input.type = 'password';
  input.autocomplete = 'off';
  input.setAttribute('aria-label', `New ${name.textContent} key`);
  inputCell.append(input);
  const actions = document.createElement('td');
  const buttons = document.createElement('div');
  buttons.className = 'row-actions';
  const save = document.createElement('button');
  save.type = 'button';
  save.className = 'api-key-save';
  save.textContent = 'Save';
  buttons.append(save);
  if (entry.configured) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'api-key-remove danger';
    remove.textContent = 'Remove';
    buttons.append(remove);
  }
  actions.append(buttons);
  row.append(name, current, inputCell, actions);
  return row;
}

async function loadKeys() {
  const { providers } = await api('GET', '/api/profile/api-keys');
  $('#api-keys tbody').replaceChildren(...providers.map(keyRow));
}

async function onKeyAction(event) {
  const button = event.target.closest('button');
  const row = event.target.closest('tr[data-provider]');
  if (!button || !row) return;
  const status = $('#api-keys-status');
  status.textContent = '';
  status.className = 'form-status';
  button.disabled = true;
  try {
    if (button.classList.contains('api-key-save')) {
      const key = row.querySelector('.api-key-input').value;
      await api('PUT', '/api/profile/api-keys', { provider: row.dataset.provider, key });
      status.textContent = `${PROVIDER_NAMES[row.dataset.provider]} key saved.`;
    } else if (button.classList.contains('api-key-remove')) {
      await api('DELETE', `/api/profile/api-keys/${encodeURIComponent(row.dataset.provider)}`);
      status.textContent = `${PROVIDER_NAMES[row.dataset.provider]} key removed.`;
    }
    status.className = 'form-status ok';
    await loadKeys();
  } catch (error) {
    status.textContent = messageFor(error);
    status.className = 'form-status error';
    button.disabled = false;
  }
}

async function loadStats() {
  showStats((await api('GET', '/api/profile/stats')).stats);
}

async function main() {
  const user = await renderHeader();
  if (!user) {
    location.assign('/login?next=/profile');
    return;
  }
  showAccount(user);
  const [{ preferences }] = await Promise.all([api('GET', '/api/profile/preferences'), loadKeys(), loadStats()]);
  showPreferences(preferences);
  // Until here the forms show nothing real: they take input only now.
  document.querySelector('main').removeAttribute('aria-busy');

  const accountForm = $('#account-form');
  bindForm(accountForm, async (values) => {
    const update = {};
    if (values.name !== user.name) update.name = values.name;
    if (values.email.trim().toLowerCase() !== user.email) update.email = values.email;
    if (Object.keys(update).length === 0) { showStatus(accountForm, 'Nothing changed.', 'ok'); return; }
    const answer = await api('PUT', '/api/profile/update', update);
    Object.assign(user, answer.user);
    showAccount(user);
    showStatus(accountForm, update.email ? 'Saved. Check your inbox to confirm the new address.' : 'Saved.', 'ok');
  });

  $('#resend-verification').addEventListener('click', async (event) => {
    const result = $('#resend-result');
    event.target.disabled = true;
    try {
      result.textContent = (await api('POST', '/api/auth/verify-email/resend')).message;
    } catch (error) {
      result.textContent = messageFor(error);
    }
    result.hidden = false;
    event.target.disabled = false;
  });

  const passwordForm = $('#password-form');
  bindForm(passwordForm, async (values) => {
    const answer = await api('POST', '/api/profile/password', { old_password: values.old_password, new_password: values.new_password });
    passwordForm.reset();
    showStatus(passwordForm, `${answer.message} Other sessions signed out: ${answer.sessions_ended}.`, 'ok');
  });

  $('#api-keys').addEventListener('click', onKeyAction);

  const prefsForm = $('#preferences-form');
  bindForm(prefsForm, async () => {
    $('#preferences-saved').hidden = true;
    const default_models = {};
    for (const kind of MODEL_KINDS) default_models[kind] = $(`#pref-model-${kind}`).value.trim() || null;
    const { preferences: saved } = await api('PUT', '/api/profile/preferences', {
      theme: $('#pref-theme').value,
      language: $('#pref-language').value,
      default_models,
      notifications: {
        email: $('#pref-notify-email').checked,
        in_app: $('#pref-notify-in-app').checked,
        marketing: $('#pref-notify-marketing').checked,
      },
    });
    showPreferences(saved);
    $('#preferences-saved').hidden = false;
  });

  $('#logout-all').addEventListener('click', async (event) => {
    event.target.disabled = true;
    try { await api('POST', '/api/auth/logout-all'); } catch { /* signed out either way */ }
    forgetSession();
    location.assign('/login');
  });
}

main().catch((error) => {
  const status = document.createElement('p');
  status.className = 'form-status error';
  status.setAttribute('role', 'alert');
  status.textContent = messageFor(error);
  document.querySelector('main').prepend(status);
});
