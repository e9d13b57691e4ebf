// AI studio chat: conversations on the left, the chosen one on the right.
// Replies stream token by token. An open conversation keeps a WebSocket
// (`/api/chat/conversation/{id}/stream`); a new conversation, or one whose
// socket is down, sends through `POST /api/chat/send` and reads the
// text/event-stream answer. Both carry the same events: start, token…, then
// done or error.

import { accessToken, api, ApiError, refresh } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';

const $ = (selector) => document.querySelector(selector);
const PER_PAGE = 20;
/** Providers whose keys the profile page manages. */
const KEYED_PROVIDERS = new Set(['openai', 'anthropic', 'google', 'mistral', 'groq']);
const EXTENSIONS = { markdown: 'md', json: 'json', txt: 'txt', pdf: 'pdf' };

const state = {
  providers: [],
  presets: [],
  /** The open conversation; null for a new chat. */
  conversation: null,
  /** Bumped whenever another conversation opens, so the late events of the
   *  one left behind change nothing on screen. */
  view: 0,
  page: 0,
  total: 0,
  busy: false,
  /** { ws, conversationId, ready } of the open conversation. */
  socket: null,
  /** The exchange the socket is answering. */
  socketTurn: null,
  /** The exchange being answered over the event stream. */
  eventsTurn: null,
  /** A socket that failed to open is retried once (with a renewed token if
   *  it had expired); not again until one opens. */
  socketRetried: false,
};

function status(text, kind = 'error') {
  $('#chat-status').textContent = text;
  $('#chat-status').className = `form-status ${kind}`;
}

function clearStatus() {
  $('#chat-status').textContent = '';
  $('#chat-status').className = 'form-status';
}

function setTransport(name) {
  $('#chat-transport').textContent = name;
}

function setBusy(on) {
  state.busy = on;
  $('#chat-send').disabled = on;
}

// ---- Times -----------------------------------------------------------------

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** Unix seconds, milliseconds or an ISO string → Date (null if unreadable). */
function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function ago(date) {
  let amount = (date.getTime() - Date.now()) / 1000;
  if (Math.abs(amount) < 45) return RELATIVE.format(0, 'second');
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month'], [Infinity, 'year']];
  for (const [size, unit] of steps) {
    if (Math.abs(amount) < size) return RELATIVE.format(Math.round(amount), unit);
    amount /= size;
  }
  return '';
}

function latency(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// ---- Providers, models and presets ------------------------------------------

function providerById(id) {
  return state.providers.find((provider) => provider.id === id) || null;
}

/** Why a provider cannot be used, as one sentence. */
function reasonText(provider) {
  const reason = provider.reason || 'it is not configured on this site.';
  return reason.toLowerCase().startsWith(provider.name.toLowerCase()) ? reason : `${provider.name} is not available: ${reason}`;
}

function fillProviders() {
  $('#chat-provider').replaceChildren(...state.providers.map((provider) => {
    const option = new Option(provider.configured ? provider.name : `${provider.name} (not available)`, provider.id);
    option.disabled = !provider.configured;
    return option;
  }));
  const unavailable = state.providers.filter((provider) => !provider.configured);
  $('#chat-provider-notes').hidden = unavailable.length === 0;
  $('#chat-provider-notes').textContent = unavailable.map(reasonText).join(' ');
}

function fillModels(provider, wanted) {
  const select = $('#chat-model');
  const models = provider ? provider.models : [];
  select.replaceChildren(...models.map((model) => new Option(
    `${model.id} ($${model.input_usd_per_million} in / $${model.output_usd_per_million} out per 1M tokens)`, model.id)));
  // A conversation may have used a model that is no longer offered.
  if (wanted && !models.some((model) => model.id === wanted)) select.append(new Option(wanted, wanted));
  select.value = wanted || provider?.default_model || models[0]?.id || '';
}

function showProviderReason() {
  const provider = providerById($('#chat-provider').value);
  const note = $('#chat-provider-reason');
  note.hidden = !provider || provider.configured;
  if (note.hidden) { note.replaceChildren(); return; }
  note.replaceChildren(reasonText(provider));
  if (KEYED_PROVIDERS.has(provider.id)) {
    const link = document.createElement('a');
    link.href = '/profile';
    link.textContent = 'Manage your keys in your profile';
    note.append(' ', link, '.');
  }
}

function chooseProvider(id, model) {
  $('#chat-provider').value = id;
  fillModels(providerById(id), model);
  showProviderReason();
}

function fillPresets(selectedId = '') {
  const select = $('#chat-preset');
  select.replaceChildren(new Option('No preset', ''), ...state.presets.map((preset) => new Option(preset.name, String(preset.id))));
  select.value = String(selectedId);
  $('#chat-preset-delete').disabled = !select.value;
}

function selectedPreset() {
  return state.presets.find((preset) => String(preset.id) === $('#chat-preset').value) || null;
}

async function savePreset() {
  const name = $('#chat-preset-name').value.trim();
  const prompt = $('#chat-system').value.trim();
  if (!prompt) { status('Write a system prompt first, then save it as a preset.'); $('#chat-system').focus(); return; }
  if (!name) { status('Give the preset a name.'); $('#chat-preset-name').focus(); return; }
  const { preset } = await api('POST', '/api/chat/presets', { name, prompt });
  state.presets.push(preset);
  fillPresets(preset.id);
  $('#chat-preset-name').value = '';
  status(`Preset “${preset.name}” saved.`, 'ok');
}

async function deletePreset() {
  const preset = selectedPreset();
  if (!preset || !confirm(`Delete the preset “${preset.name}”?`)) return;
  await api('DELETE', `/api/chat/presets/${encodeURIComponent(preset.id)}`);
  state.presets = state.presets.filter((other) => other !== preset);
  fillPresets();
  status(`Preset “${preset.name}” deleted.`, 'ok');
}

// ---- Conversation list -----------------------------------------------------

function conversationItem(conversation) {
  const li = document.createElement('li');
  li.dataset.id = conversation.id;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'conversation';
  if (state.conversation?.id === conversation.id) button.setAttribute('aria-current', 'true');
  const title = document.createElement('span');
  title.className = 'conversation-title';
  title.textContent = conversation.title || 'Untitled chat';
  const meta = document.createElement('span');
  meta.className = 'conversation-meta';
  meta.append(conversation.model || '');
  const date = toDate(conversation.last_message_at || conversation.updated_at || conversation.created_at);
  if (date) {
    const time = document.createElement('time');
    time.dateTime = date.toISOString();
    time.textContent = ago(date);
    meta.append(' · ', time);
  }
  button.append(title, meta);
  li.append(button);
  return li;
}

function listedItem(id) {
  return $('#chat-conversations').querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
}

function updateListState() {
  $('#chat-conversations-empty').hidden = $('#chat-conversations').children.length > 0;
  $('#chat-more').hidden = state.page * PER_PAGE >= state.total;
}

async function loadConversations() {
  const page = state.page + 1;
  const answer = await api('GET', `/api/chat/conversations?page=${page}&per_page=${PER_PAGE}`);
  state.page = page;
  state.total = answer.total;
  // Conversations started here since the first page shift the pages by one.
  const fresh = answer.conversations.filter((conversation) => !listedItem(conversation.id));
  $('#chat-conversations').append(...fresh.map(conversationItem));
  updateListState();
}

/** Shows `conversation` in the list, replacing its entry; `top` moves it first. */
function upsertConversation(conversation, top) {
  const existing = listedItem(conversation.id);
  const item = conversationItem(conversation);
  if (existing && !top) existing.replaceWith(item);
  else {
    if (existing) existing.remove();
    else state.total += 1;
    $('#chat-conversations').prepend(item);
  }
  updateListState();
}

function markSelected() {
  for (const button of $('#chat-conversations').querySelectorAll('button.conversation')) {
    if (button.closest('li').dataset.id === String(state.conversation?.id)) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

function refreshTimes() {
  for (const time of $('#chat-conversations').querySelectorAll('time')) time.textContent = ago(new Date(time.dateTime));
}

// ---- Messages --------------------------------------------------------------

function messageElement(role, messageStatus) {
  const li = document.createElement('li');
  li.className = 'message';
  li.dataset.role = role;
  li.dataset.status = messageStatus;
  const author = document.createElement('p');
  author.className = 'message-author';
  author.textContent = role === 'user' ? 'You' : 'Assistant';
  const text = document.createElement('div');
  text.className = 'message-text';
  li.append(author, text);
  return li;
}

/** The lines under the text of a message, in the order they show. */
const LINES = ['message-note', 'message-error', 'message-cost'];

/** Sets one line under the text of a message; an empty text removes it. */
function setLine(li, className, text) {
  let line = li.querySelector(`.${className}`);
  if (!text) { line?.remove(); return; }
  if (!line) {
    line = document.createElement('p');
    line.className = className;
    const later = LINES.slice(LINES.indexOf(className) + 1).map((name) => li.querySelector(`.${name}`)).find(Boolean);
    li.insertBefore(line, later || null);
  }
  line.textContent = text;
}

function costText(message) {
  if (message.cost_usd === null || message.cost_usd === undefined) return '';
  const parts = [`$${message.cost_usd}`];
  if (message.tokens_in !== null && message.tokens_in !== undefined) parts.push(`${message.tokens_in} tokens in, ${message.tokens_out ?? 0} out`);
  if (message.latency_ms !== null && message.latency_ms !== undefined) parts.push(latency(message.latency_ms));
  return parts.join(' · ');
}

/** Shows a message object of the API in its element. */
function fillMessage(li, message) {
  li.dataset.id = message.id;
  li.dataset.status = message.status;
  const text = li.querySelector('.message-text');
  // An incomplete message saved without text keeps what was streamed.
  if (message.content || !text.textContent) text.textContent = message.content || '';
  if (message.role === 'assistant') {
    li.querySelector('.message-author').textContent = message.model ? `Assistant · ${message.model}` : 'Assistant';
    setLine(li, 'message-cost', costText(message));
  }
  const notes = { incomplete: 'incomplete', failed: message.error_code ? `failed (${message.error_code})` : 'failed' };
  setLine(li, 'message-note', notes[message.status] || '');
  return li;
}

function scrollToEnd(force) {
  const list = $('#chat-messages');
  if (force || list.scrollHeight - list.scrollTop - list.clientHeight < 80) list.scrollTop = list.scrollHeight;
}

function appendMessage(li) {
  $('#chat-messages').append(li);
  $('#chat-messages-empty').hidden = true;
  scrollToEnd(true);
}

// ---- An exchange: the user's message and the reply to it --------------------

function newTurn(text) {
  const user = messageElement('user', 'sending');
  user.querySelector('.message-text').textContent = text;
  appendMessage(user);
  return { text, user, assistant: null, textNode: null, started: false, settled: false, foreign: false, resolve: null };
}

function ensureAssistant(turn, model) {
  if (turn.assistant) return;
  turn.assistant = messageElement('assistant', 'streaming');
  if (model) turn.assistant.querySelector('.message-author').textContent = `Assistant · ${model}`;
  // Tokens go into one text node, so each costs an append, not a re-render.
  turn.textNode = document.createTextNode('');
  turn.assistant.querySelector('.message-text').append(turn.textNode);
  appendMessage(turn.assistant);
}

/** Makes `conversation` the open one (a new chat just got its id). */
function adoptConversation(conversation) {
  const isNew = !state.conversation;
  state.conversation = conversation;
  showConversationHead();
  upsertConversation(conversation, true);
  markSelected();
  if (isNew) {
    history.replaceState(null, '', `${location.pathname}?id=${encodeURIComponent(conversation.id)}`);
    openSocket(conversation.id);
  }
}

function started(turn, data, view) {
  turn.started = true;
  if (data.user_message) fillMessage(turn.user, data.user_message);
  else turn.user.dataset.status = 'complete';
  ensureAssistant(turn, $('#chat-model').value);
  if (data.conversation && view === state.view) adoptConversation(data.conversation);
}

function finished(turn, message, view) {
  turn.settled = true;
  if (turn.user.dataset.status === 'sending') turn.user.dataset.status = 'complete';
  ensureAssistant(turn);
  if (message) fillMessage(turn.assistant, message);
  else turn.assistant.dataset.status = 'complete';
  scrollToEnd(false);
  $('#chat-announce').textContent = 'The reply is complete.';
  const conversation = state.conversation;
  if (message && view === state.view && conversation && String(message.conversation_id) === String(conversation.id)) {
    conversation.last_message_at = message.created_at ?? conversation.last_message_at;
    conversation.model = message.model || conversation.model;
    upsertConversation(conversation, true);
    markSelected();
  }
  turn.resolve?.();
}

function errorText(code, message, retryAfter) {
  const detail = (lead) => (message && message !== lead ? `${lead} (${message})` : lead);
  switch (code) {
    case 'provider_not_configured': return message || 'This provider is not configured.';
    case 'provider_auth': return detail('The provider did not accept the API key: check the key in your profile.');
    case 'provider_rate_limited':
      return detail(retryAfter ? `The provider is rate limiting requests: try again in ${retryAfter} seconds.` : 'The provider is rate limiting requests: try again shortly.');
    case 'provider_unavailable': return detail('The provider is unavailable right now: try again in a moment.');
    case 'provider_refused': return detail('The model refused to answer this message.');
    case 'conversation_busy': return 'A reply is still being written in this conversation: wait for it to finish, then send again.';
    default: return message || 'The reply failed.';
  }
}

/** Ends an exchange with an error; the user's message always stays. */
function failed(turn, error, view) {
  turn.settled = true;
  const text = errorText(error.code, error.message, error.retry_after);
  if (view === state.view) status(text);
  if (!turn.started && !turn.assistant) {
    // Nothing was answered: the message is marked, and back in the box to retry.
    turn.user.dataset.status = 'failed';
    setLine(turn.user, 'message-note', 'not sent');
    setLine(turn.user, 'message-error', text);
    if (view === state.view && !$('#chat-input').value) $('#chat-input').value = turn.text;
  } else {
    if (turn.user.dataset.status === 'sending') turn.user.dataset.status = 'complete';
    ensureAssistant(turn);
    if (error.message_saved && error.message_saved.role !== 'user') fillMessage(turn.assistant, error.message_saved);
    else {
      const partial = turn.assistant.querySelector('.message-text').textContent !== '';
      turn.assistant.dataset.status = partial ? 'incomplete' : 'failed';
      setLine(turn.assistant, 'message-note', partial ? 'incomplete' : 'failed');
    }
    setLine(turn.assistant, 'message-error', text);
  }
  scrollToEnd(false);
  turn.resolve?.();
}

/** Applies one event of the reply (from either transport) to its exchange. */
function applyEvent(turn, type, data, view) {
  if (turn.settled) return;
  if (type === 'start') started(turn, data, view);
  else if (type === 'token' && typeof data.text === 'string') {
    ensureAssistant(turn);
    turn.textNode.appendData(data.text);
    scrollToEnd(false);
  } else if (type === 'done') finished(turn, data.message, view);
  else if (type === 'error') failed(turn, data, view);
}

function errorEvent(error) {
  if (error instanceof ApiError) return { code: error.code, message: error.message, retry_after: error.retryAfter };
  return { code: 'network', message: messageFor(error) };
}

// ---- Transport: event stream ------------------------------------------------

/** fetch with the access token, refreshing it once when it has expired. */
async function authorizedFetch(path, init = {}) {
  const attempt = () => fetch(path, { ...init, credentials: 'same-origin', headers: { ...init.headers, Authorization: `Bearer ${accessToken()}` } });
  const reply = await attempt();
  if (reply.status !== 401 || !(await refresh())) return reply;
  return attempt();
}

async function failure(reply) {
  return new ApiError(reply.status, await reply.json().catch(() => null));
}

/** One block of a text/event-stream → { type, data } (null for comments). */
function parseEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { type, data: JSON.parse(data.join('\n')) };
  } catch {
    return null;
  }
}

/** Reads an event-stream body as it arrives, calling `onEvent(type, data)`. */
async function readEvents(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const drain = (final) => {
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = final ? '' : blocks.pop();
    for (const block of blocks) {
      const event = parseEvent(block);
      if (event) onEvent(event.type, event.data);
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    drain(false);
  }
  buffer += decoder.decode();
  drain(true);
}

async function sendOverEvents(turn, options, view) {
  const body = { ...options, message: turn.text, stream: true };
  if (state.conversation) body.conversation_id = state.conversation.id;
  else {
    const system = $('#chat-system').value.trim();
    if (system) body.system_prompt = system;
  }
  state.eventsTurn = turn;
  try {
    const reply = await authorizedFetch('/api/chat/send', {
      method: 'POST',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!reply.ok) throw await failure(reply);
    if (!(reply.headers.get('Content-Type') || '').includes('text/event-stream')) {
      // Answered without streaming: the whole exchange at once.
      const whole = await reply.json();
      applyEvent(turn, 'start', whole, view);
      applyEvent(turn, 'done', whole, view);
      return;
    }
    await readEvents(reply.body, (type, data) => applyEvent(turn, type, data, view));
    if (!turn.settled) failed(turn, { code: 'connection_lost', message: 'The connection closed before the reply finished.' }, view);
  } finally {
    if (state.eventsTurn === turn) state.eventsTurn = null;
  }
}

// ---- Transport: WebSocket ---------------------------------------------------

function socketReady() {
  const socket = state.socket;
  return Boolean(socket && socket.ready && socket.ws.readyState === WebSocket.OPEN && String(socket.conversationId) === String(state.conversation?.id));
}

function openSocket(conversationId) {
  if (state.socket && String(state.socket.conversationId) === String(conversationId)) return;
  closeSocket();
  if (!('WebSocket' in window)) return;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}/api/chat/conversation/${encodeURIComponent(conversationId)}/stream?access_token=${encodeURIComponent(accessToken() || '')}`;
  let ws;
  try { ws = new WebSocket(url); } catch { return; }
  const socket = { ws, conversationId, ready: false };
  state.socket = socket;
  ws.addEventListener('message', (event) => onSocketMessage(socket, event));
  ws.addEventListener('close', () => onSocketClose(socket));
}

function closeSocket() {
  const socket = state.socket;
  const turn = state.socketTurn;
  state.socket = null;
  state.socketTurn = null;
  setTransport('sse');
  // Leaving the conversation: its unfinished reply stops being followed here.
  if (turn && !turn.settled) { turn.settled = true; turn.resolve?.(); }
  if (socket) socket.ws.close(1000);
}

function onSocketMessage(socket, event) {
  if (state.socket !== socket) return;
  let data;
  try { data = JSON.parse(event.data); } catch { return; }
  if (data.type === 'ready') {
    socket.ready = true;
    state.socketRetried = false;
    setTransport('websocket');
    return;
  }
  let turn = state.socketTurn;
  if (!turn || turn.settled) {
    // Someone sent in this conversation from another tab or device: show
    // it too — unless it is our own message, already shown from the event stream.
    if (data.type !== 'start' || state.eventsTurn) return;
    turn = newTurn(data.user_message?.content || '');
    turn.foreign = true;
    state.socketTurn = turn;
    setBusy(true);
  }
  const view = state.view;
  applyEvent(turn, data.type, data, view);
  if (turn.settled) {
    if (state.socketTurn === turn) state.socketTurn = null;
    if (turn.foreign && view === state.view) setBusy(false);
  }
}

function onSocketClose(socket) {
  if (state.socket !== socket) return;
  state.socket = null;
  setTransport('sse');
  const turn = state.socketTurn;
  state.socketTurn = null;
  if (turn && !turn.settled) {
    failed(turn, { code: 'connection_lost', message: 'The connection closed before the reply finished.' }, state.view);
    if (turn.foreign) setBusy(false);
  }
  // A socket that never opened may have carried an expired token: any API
  // call renews it if so (and only then), and the socket gets one more try.
  if (!socket.ready && !state.socketRetried) {
    state.socketRetried = true;
    api('GET', '/api/auth/me').then(() => {
      if (!state.socket && String(state.conversation?.id) === String(socket.conversationId)) openSocket(socket.conversationId);
    }, () => { /* signed out: the next send says so */ });
  }
}

function sendOverSocket(turn, options) {
  const socket = state.socket;
  return new Promise((resolve) => {
    turn.resolve = resolve;
    state.socketTurn = turn;
    socket.ws.send(JSON.stringify({ type: 'send', ...options, message: turn.text }));
    // A socket that swallows the message would leave Send disabled for good:
    // without a start in time, it is closed, and the close ends the exchange.
    setTimeout(() => { if (!turn.started && !turn.settled && state.socket === socket) socket.ws.close(); }, 30_000);
  });
}

// ---- Sending ----------------------------------------------------------------

/** Provider, model, temperature and max tokens; null (and a message) when invalid. */
function readOptions() {
  const temperature = $('#chat-temperature');
  const maxTokens = $('#chat-max-tokens');
  temperature.removeAttribute('aria-invalid');
  maxTokens.removeAttribute('aria-invalid');
  if (!temperature.checkValidity()) {
    temperature.setAttribute('aria-invalid', 'true');
    status('The temperature is a number from 0 to 2, in steps of 0.1.');
    temperature.focus();
    return null;
  }
  if (!maxTokens.checkValidity()) {
    maxTokens.setAttribute('aria-invalid', 'true');
    status('Max tokens is a whole number, 1 or more.');
    maxTokens.focus();
    return null;
  }
  const options = { provider: $('#chat-provider').value, model: $('#chat-model').value };
  if (temperature.value !== '') options.temperature = Number(temperature.value);
  if (maxTokens.value !== '') options.max_tokens = Number(maxTokens.value);
  return options;
}

/** The socket's `send` has no system prompt: it belongs to the conversation. */
async function saveSystemPrompt() {
  const wanted = $('#chat-system').value.trim();
  if (wanted === (state.conversation.system_prompt || '')) return;
  const { conversation } = await api('PATCH', `/api/chat/conversation/${encodeURIComponent(state.conversation.id)}`, { system_prompt: wanted });
  state.conversation = conversation;
}

async function send() {
  if (state.busy) return;
  const input = $('#chat-input');
  const text = input.value.trim();
  if (!text) { input.focus(); return; }
  const provider = providerById($('#chat-provider').value);
  if (!provider) { status('Choose a provider first.'); return; }
  if (!provider.configured) { status(reasonText(provider)); return; }
  const options = readOptions();
  if (!options) return;
  clearStatus();
  $('#chat-announce').textContent = '';
  input.value = '';
  const view = state.view;
  const turn = newTurn(text);
  setBusy(true);
  try {
    if (state.conversation) await saveSystemPrompt();
    if (state.conversation && socketReady()) await sendOverSocket(turn, options);
    else await sendOverEvents(turn, options, view);
  } catch (error) {
    if (!turn.settled) failed(turn, errorEvent(error), view);
  } finally {
    if (view === state.view) {
      setBusy(false);
      // After a fallback to the event stream, the socket gets another chance.
      if (state.conversation && !state.socket) openSocket(state.conversation.id);
    }
  }
}

// ---- The open conversation ----------------------------------------------------

function showConversationHead() {
  const conversation = state.conversation;
  $('#chat-title').textContent = conversation ? conversation.title || 'Untitled chat' : 'New chat';
  $('#chat-tools').hidden = !conversation;
  document.title = `${conversation ? conversation.title || 'Untitled chat' : 'New chat'} — AI studio — WeBox`;
}

function newChat() {
  state.view += 1;
  closeSocket();
  setBusy(false);
  state.conversation = null;
  state.eventsTurn = null;
  history.replaceState(null, '', location.pathname);
  showConversationHead();
  $('#chat-rename-form').hidden = true;
  $('#chat-messages').replaceChildren();
  $('#chat-messages-empty').hidden = false;
  markSelected();
  clearStatus();
}

async function openConversation(id) {
  const view = ++state.view;
  closeSocket();
  setBusy(false);
  state.eventsTurn = null;
  clearStatus();
  $('#chat-rename-form').hidden = true;
  const { conversation, messages } = await api('GET', `/api/chat/conversation/${encodeURIComponent(id)}`);
  if (view !== state.view) return;
  state.conversation = conversation;
  history.replaceState(null, '', `${location.pathname}?id=${encodeURIComponent(conversation.id)}`);
  showConversationHead();
  markSelected();
  $('#chat-messages').replaceChildren(...messages.map((message) => fillMessage(messageElement(message.role, message.status), message)));
  $('#chat-messages-empty').hidden = messages.length > 0;
  scrollToEnd(true);
  if (providerById(conversation.provider)) chooseProvider(conversation.provider, conversation.model);
  $('#chat-system').value = conversation.system_prompt || '';
  openSocket(conversation.id);
}

async function rename(event) {
  event.preventDefault();
  const input = $('#chat-title-input');
  const title = input.value.trim();
  if (!title) { status('The title cannot be empty.'); input.focus(); return; }
  $('#chat-rename-save').disabled = true;
  try {
    const { conversation } = await api('PATCH', `/api/chat/conversation/${encodeURIComponent(state.conversation.id)}`, { title });
    state.conversation = { ...state.conversation, ...conversation };
    showConversationHead();
    upsertConversation(state.conversation, false);
    markSelected();
    $('#chat-rename-form').hidden = true;
    status('Conversation renamed.', 'ok');
  } finally {
    $('#chat-rename-save').disabled = false;
  }
}

async function deleteConversation() {
  const conversation = state.conversation;
  if (!conversation || !confirm(`Delete “${conversation.title || 'Untitled chat'}”? This cannot be undone.`)) return;
  await api('DELETE', `/api/chat/conversation/${encodeURIComponent(conversation.id)}`);
  if (listedItem(conversation.id)) {
    listedItem(conversation.id).remove();
    state.total -= 1;
  }
  updateListState();
  newChat();
  status('Conversation deleted.', 'ok');
}

/** Content-Disposition → file name (RFC 6266: `filename*` first). */
function fileName(disposition) {
  if (!disposition) return null;
  const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) {
    try { return decodeURIComponent(encoded[1].trim()); } catch { /* use the plain name */ }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(disposition);
  return plain ? (plain[1] ?? plain[2]).trim() || null : null;
}

/** Exports need the access token, so the file is fetched and saved from a blob. */
async function exportConversation(format) {
  const id = state.conversation.id;
  const reply = await authorizedFetch(`/api/chat/conversation/${encodeURIComponent(id)}/export?format=${encodeURIComponent(format)}`);
  if (!reply.ok) throw await failure(reply);
  const name = fileName(reply.headers.get('Content-Disposition')) || `conversation-${id}.${EXTENSIONS[format]}`;
  const url = URL.createObjectURL(await reply.blob());
  $('#chat-export-link')?.remove();
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.id = 'chat-export-link';
  a.hidden = true;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 60_000);
}

/** Runs `action` from `button`, keeping it disabled meanwhile and showing errors. */
async function withButton(button, action) {
  button.disabled = true;
  try {
    await action();
  } catch (error) {
    status(messageFor(error));
  } finally {
    button.disabled = false;
  }
}

function bindControls() {
  $('#chat-provider').addEventListener('change', () => {
    fillModels(providerById($('#chat-provider').value), null);
    showProviderReason();
  });
  $('#chat-preset').addEventListener('change', () => {
    const preset = selectedPreset();
    $('#chat-preset-delete').disabled = !preset;
    if (preset) $('#chat-system').value = preset.prompt;
  });
  $('#chat-preset-save').addEventListener('click', (event) => withButton(event.currentTarget, savePreset));
  $('#chat-preset-delete').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    await withButton(button, deletePreset);
    button.disabled = !selectedPreset();
  });

  $('#chat-conversations').addEventListener('click', async (event) => {
    const item = event.target.closest('li[data-id]');
    if (!item) return;
    try { await openConversation(item.dataset.id); } catch (error) { status(messageFor(error)); }
  });
  $('#chat-more').addEventListener('click', (event) => withButton(event.currentTarget, loadConversations));
  $('#chat-new').addEventListener('click', () => { newChat(); $('#chat-input').focus(); });

  $('#chat-rename').addEventListener('click', () => {
    $('#chat-rename-form').hidden = false;
    $('#chat-title-input').value = state.conversation?.title || '';
    $('#chat-title-input').focus();
  });
  $('#chat-rename-cancel').addEventListener('click', () => { $('#chat-rename-form').hidden = true; });
  $('#chat-rename-form').addEventListener('submit', (event) => rename(event).catch((error) => status(messageFor(error))));
  $('#chat-delete').addEventListener('click', (event) => withButton(event.currentTarget, deleteConversation));
  for (const button of document.querySelectorAll('#chat-tools [data-format]')) {
    button.addEventListener('click', () => withButton(button, () => exportConversation(button.dataset.format)));
  }

  $('#chat-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('#chat-form').requestSubmit();
    }
  });
  $('#chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  setInterval(refreshTimes, 60_000);
}

async function main() {
  const user = await renderHeader();
  if (!user) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  const [{ providers }, { presets }] = await Promise.all([
    api('GET', '/api/chat/providers'),
    api('GET', '/api/chat/presets'),
    loadConversations(),
  ]);
  state.providers = providers;
  state.presets = presets;
  fillProviders();
  fillPresets();
  const first = providers.find((provider) => provider.configured) || providers[0];
  if (first) chooseProvider(first.id, null);
  bindControls();

  const id = new URLSearchParams(location.search).get('id');
  if (id) {
    try {
      await openConversation(id);
    } catch (error) {
      newChat();
      status(error instanceof ApiError && error.status === 404 ? 'That conversation was not found: it may have been deleted.' : messageFor(error));
    }
  }
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  status(messageFor(error));
  document.querySelector('main').removeAttribute('aria-busy');
});
