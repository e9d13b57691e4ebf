// AI studio images: the form on the left offers only the options the chosen
// provider and model take (as `GET /api/generation/providers` lists them);
// the history on the right shows the generations, newest first, with
// filters. `POST /api/generation/image` answers once the image is made (a
// few seconds). A failure is recorded too, and shows as a failed card.

import { api, ApiError } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';

const $ = (selector) => document.querySelector(selector);
const PER_PAGE = 12;
/** Providers whose keys the profile page manages. */
const KEYED_PROVIDERS = new Set(['openai', 'stability']);
const OPTION_LABELS = {
  size: 'Size', quality: 'Quality', style: 'Style', n: 'Number of images', aspect_ratio: 'Aspect ratio',
  output_format: 'File format', seed: 'Seed', negative_prompt: 'Negative prompt',
};
/** The order the options show in (the API's objects have none to rely on); others follow. */
const OPTION_ORDER = ['size', 'aspect_ratio', 'quality', 'style', 'output_format', 'n', 'seed', 'negative_prompt'];
/** What the API uses when an option is left out: preselected, so the form shows what will happen. */
const DEFAULTS = { size: '1024x1024', quality: 'standard', style: 'vivid', aspect_ratio: '1:1', output_format: 'png' };
const NUMBER_HINTS = { n: 'empty for one', seed: 'empty for a random one' };
const NUMBER_PLACEHOLDERS = { seed: 'random' };
const STATUS_LABELS = { queued: 'Queued', running: 'Generating', succeeded: 'Succeeded', failed: 'Failed' };
/** Signed file links last an hour; older ones are renewed before a download. */
const LINK_MAX_AGE_MS = 50 * 60 * 1000;
const DATES = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const state = {
  providers: [],
  /** Images in the history under the current filters. */
  total: 0,
  /** Bumped whenever the filters change, so a late page of the old ones is dropped. */
  view: 0,
  busy: false,
  /** Date.now() until which the provider asked us to wait (429). */
  waitUntil: 0,
};

function status(text, kind = 'error') {
  $('#image-status').textContent = text;
  $('#image-status').className = `form-status ${kind}`;
}

function galleryStatus(text, kind = 'error') {
  $('#image-gallery-status').textContent = text;
  $('#image-gallery-status').className = `form-status ${kind}`;
}

// ---- Providers, models and their options --------------------------------------

function providerById(id) {
  return state.providers.find((provider) => provider.id === id) || null;
}

function selectedProvider() {
  return providerById($('#image-provider').value);
}

function selectedModel() {
  return selectedProvider()?.models.find((model) => model.id === $('#image-model').value) || null;
}

/** Why a provider cannot be used, as one sentence. */
function reasonText(provider) {
  const reason = provider.reason || 'it is not configured on this site.';
  return reason.toLowerCase().startsWith(provider.name.toLowerCase()) ? reason : `${provider.name} is not available: ${reason}`;
}

function fillProviders() {
  $('#image-provider').replaceChildren(...state.providers.map((provider) => {
    const option = new Option(provider.configured ? provider.name : `${provider.name} (not available)`, provider.id);
    option.disabled = !provider.configured;
    return option;
  }));
  $('#image-filter-provider').append(...state.providers.map((provider) => new Option(provider.name, provider.id)));
}

function fillModels(provider) {
  const models = provider ? provider.models : [];
  $('#image-model').replaceChildren(...models.map((model) => new Option(model.id, model.id)));
  $('#image-model').value = models[0]?.id || '';
}

function showProvider() {
  const provider = selectedProvider();
  const note = $('#image-provider-reason');
  note.hidden = !provider || provider.configured;
  note.replaceChildren();
  if (!note.hidden) {
    note.append(reasonText(provider));
    if (KEYED_PROVIDERS.has(provider.id)) {
      const link = document.createElement('a');
      link.href = '/profile';
      link.textContent = 'Manage your keys in your profile';
      note.append(' ', link, '.');
    }
  }
  const key = $('#image-provider-key');
  key.hidden = !provider?.configured || !provider.key_source;
  if (!key.hidden) key.textContent = provider.key_source === 'user' ? `Uses your own ${provider.name} API key.` : `Uses the site's ${provider.name} key.`;
  updateGenerate();
}

function optionLabel(name) {
  return OPTION_LABELS[name] || name.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase());
}

/** A labelled field around `control`, with an optional hint under it. */
function optionField(name, control, hint) {
  const field = document.createElement('div');
  field.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = control.id;
  label.textContent = optionLabel(name);
  field.append(label, control);
  if (hint) {
    const p = document.createElement('p');
    p.className = 'hint';
    p.id = `${control.id}-hint`;
    p.textContent = hint;
    control.setAttribute('aria-describedby', p.id);
    field.append(p);
  }
  return field;
}

/** The control for one option as the API describes it: a list of values,
 *  a {min, max} range, or `true` for free text. `previous` is what the
 *  control of the same name held, kept if still allowed. */
function optionControl(name, spec, previous) {
  const id = `image-option-${name}`;
  if (Array.isArray(spec)) {
    const select = document.createElement('select');
    select.id = id;
    select.name = name;
    select.append(...spec.map((value) => new Option(String(value), String(value))));
    const wanted = [previous, DEFAULTS[name]].find((value) => value !== undefined && spec.map(String).includes(value));
    select.value = wanted ?? String(spec[0] ?? '');
    return optionField(name, select);
  }
  if (spec && typeof spec === 'object' && Number.isFinite(spec.min) && Number.isFinite(spec.max)) {
    // A range of one value leaves nothing to choose.
    if (spec.min === spec.max) return null;
    const input = document.createElement('input');
    input.id = id;
    input.name = name;
    input.type = 'number';
    input.min = String(spec.min);
    input.max = String(spec.max);
    input.step = '1';
    input.inputMode = 'numeric';
    input.placeholder = NUMBER_PLACEHOLDERS[name] || 'default';
    if (previous !== undefined && previous !== '' && Number(previous) >= spec.min && Number(previous) <= spec.max) input.value = previous;
    return optionField(name, input, `${spec.min} to ${spec.max}; ${NUMBER_HINTS[name] || 'empty for the default'}.`);
  }
  if (spec === true) {
    const input = document.createElement('input');
    input.id = id;
    input.name = name;
    input.maxLength = 4000;
    input.autocomplete = 'off';
    if (previous) input.value = previous;
    return optionField(name, input, name === 'negative_prompt' ? 'Optional: what the image should not show.' : 'Optional.');
  }
  return null;
}

/** Rebuilds the option controls for the chosen provider and model. */
function buildOptions() {
  const box = $('#image-options');
  const previous = Object.fromEntries([...box.querySelectorAll('[name]')].map((control) => [control.name, control.value]));
  const options = selectedModel()?.options || {};
  const rank = (name) => (OPTION_ORDER.includes(name) ? OPTION_ORDER.indexOf(name) : OPTION_ORDER.length);
  const names = Object.keys(options).sort((a, b) => rank(a) - rank(b));
  const fields = names.map((name) => optionControl(name, options[name], previous[name])).filter(Boolean);
  box.replaceChildren(box.querySelector('legend'), ...fields);
  box.hidden = fields.length === 0;
}

function updateGenerate() {
  const provider = selectedProvider();
  $('#image-generate').disabled = state.busy || !provider?.configured || Date.now() < state.waitUntil;
}

// ---- Generating -----------------------------------------------------------------

function setBusy(on) {
  state.busy = on;
  const form = $('#image-form');
  if (on) form.setAttribute('aria-busy', 'true');
  else form.removeAttribute('aria-busy');
  $('#image-progress').hidden = !on;
  updateGenerate();
}

function clearInvalid() {
  for (const control of $('#image-form').querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

function invalid(control, text) {
  control.setAttribute('aria-invalid', 'true');
  status(text);
  control.focus();
  return null;
}

/** The request body from the form; null (and a message) when something is off. */
function readRequest() {
  const prompt = $('#image-prompt');
  if (!prompt.value.trim()) return invalid(prompt, 'Describe the image you want in the prompt.');
  const body = { provider: $('#image-provider').value, model: $('#image-model').value, prompt: prompt.value.trim() };
  for (const control of $('#image-options').querySelectorAll('[name]')) {
    if (control.type === 'number') {
      if (!control.checkValidity()) return invalid(control, `${optionLabel(control.name)} is a whole number from ${control.min} to ${control.max}.`);
      if (control.value !== '') body[control.name] = Number(control.value);
    } else if (control.tagName === 'SELECT') {
      body[control.name] = control.value;
    } else if (control.value.trim()) {
      body[control.name] = control.value.trim();
    }
  }
  return body;
}

function errorText(error) {
  if (!(error instanceof ApiError)) return messageFor(error);
  const { code, message, retryAfter } = error;
  const detail = (lead) => (message && message !== lead ? `${lead} (${message})` : lead);
  switch (code) {
    case 'provider_auth': return detail('The provider did not accept the API key: check the key in your profile.');
    case 'provider_rate_limited':
      return detail(retryAfter ? `The provider is rate limiting requests: try again in ${retryAfter} seconds.` : 'The provider is rate limiting requests: try again shortly.');
    case 'provider_unavailable': return detail('The provider is unavailable right now: try again in a moment.');
    case 'provider_refused': return detail('The provider refused this prompt.');
    case 'provider_bad_output': return detail('The provider did not send a usable image: try again.');
    default: return message || 'The image could not be generated.';
  }
}

function showFailure(error) {
  status(errorText(error));
  if (!(error instanceof ApiError)) return;
  const control = error.field && $('#image-form').querySelector(`[name="${CSS.escape(error.field)}"]`);
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
  if (error.code === 'provider_rate_limited' && error.retryAfter) {
    state.waitUntil = Date.now() + error.retryAfter * 1000;
    updateGenerate();
    setTimeout(updateGenerate, error.retryAfter * 1000 + 50);
  }
}

/** A failure answer has no generation, but one may have been recorded:
 *  the newest one, if it is this request's, joins the gallery. */
async function showRecordedFailure(body, sentAt) {
  const { images } = await api('GET', '/api/generation/images?per_page=1');
  const newest = images[0];
  if (newest && !cardOf(newest.id) && newest.prompt === body.prompt && newest.model === body.model && newest.created_at >= sentAt - 60) {
    addGeneration(newest);
  }
}

async function generate() {
  if (state.busy) return;
  const provider = selectedProvider();
  if (!provider) { status('Choose a provider first.'); return; }
  if (!provider.configured) { status(reasonText(provider)); return; }
  clearInvalid();
  const body = readRequest();
  if (!body) return;
  const sentAt = Date.now() / 1000;
  setBusy(true);
  status('Generating…', 'busy');
  try {
    const { generation } = await api('POST', '/api/generation/image', body);
    const shown = addGeneration(generation);
    const count = generation.files.length;
    status(`${count > 1 ? `${count} images` : 'Image'} ready (${costText(generation)})${shown ? '' : ': the filters hide it'}.`, 'ok');
  } catch (error) {
    showFailure(error);
    if (error instanceof ApiError && error.status !== 400) await showRecordedFailure(body, sentAt).catch(() => { /* the message says enough */ });
  } finally {
    setBusy(false);
  }
}

// ---- The gallery ------------------------------------------------------------------

function costText(generation) {
  if (generation.status === 'failed' && !generation.cost_micros) return 'not charged';
  if (generation.cost_usd === null || generation.cost_usd === undefined) return '';
  // "0.040000" → "$0.04": cents always, smaller digits only when there are some.
  return `$${String(generation.cost_usd).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}

/** Width and height of the image asked for, so the card keeps its shape while it loads. */
function dimensions(parameters) {
  const size = /^(\d+)x(\d+)$/.exec(parameters?.size || '');
  if (size) return [size[1], size[2]];
  const ratio = /^(\d+):(\d+)$/.exec(parameters?.aspect_ratio || '');
  return ratio ? [ratio[1], ratio[2]] : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function previews(generation) {
  const box = element('div', 'generation-previews');
  const size = dimensions(generation.parameters);
  for (const file of generation.files) {
    const link = element('a');
    link.href = file.url;
    link.target = '_blank';
    link.rel = 'noopener';
    const img = element('img', 'generation-preview');
    img.src = file.url;
    img.alt = generation.files.length > 1 ? `Image ${file.position + 1} of ${generation.files.length}: ${generation.prompt}` : generation.prompt;
    img.loading = 'lazy';
    img.decoding = 'async';
    if (size) [img.width, img.height] = size;
    link.append(img);
    box.append(link);
  }
  if (generation.files.length === 0) {
    box.classList.add('empty');
    box.append(element('span', 'muted', generation.status === 'failed' ? 'No image' : 'Generating…'));
  }
  if (generation.files.length > 1) box.classList.add('several');
  return box;
}

function generationCard(generation) {
  const li = element('li', 'generation');
  li.dataset.id = generation.id;
  li.dataset.status = generation.status;
  li.dataset.provider = generation.provider;
  li.dataset.loaded = String(Date.now());

  const body = element('div', 'generation-body');
  body.append(element('p', 'generation-prompt', generation.prompt));
  const meta = element('p', 'generation-meta');
  meta.append(`${generation.model} · ${providerById(generation.provider)?.name || generation.provider}`);
  const created = generation.created_at ? new Date(generation.created_at * 1000) : null;
  if (created && !Number.isNaN(created.getTime())) {
    const time = element('time', '', DATES.format(created));
    time.dateTime = created.toISOString();
    meta.append(' · ', time);
  }
  const facts = element('p', 'generation-meta');
  const badge = element('span', `badge generation-state ${{ succeeded: 'ok', failed: 'warn' }[generation.status] || ''}`.trim(), STATUS_LABELS[generation.status] || generation.status);
  facts.append(badge, ' ', element('span', 'generation-cost', costText(generation)));
  body.append(meta, facts);
  if (generation.error) body.append(element('p', 'generation-error', generation.error.message || generation.error.code));

  const actions = element('div', 'generation-actions');
  for (const file of generation.files) {
    const many = generation.files.length > 1;
    const download = element('a', 'button secondary generation-download', many ? `Download ${file.position + 1}` : 'Download');
    download.href = `${file.url}&download`;
    download.download = '';
    if (many) download.setAttribute('aria-label', `Download image ${file.position + 1}`);
    actions.append(download);
  }
  const remove = element('button', 'danger generation-delete', 'Delete');
  remove.type = 'button';
  actions.append(remove);
  body.append(actions);

  li.append(previews(generation), body);
  return li;
}

function cardOf(id) {
  return $('#image-gallery').querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
}

function filters() {
  return { provider: $('#image-filter-provider').value, status: $('#image-filter-status').value };
}

function matchesFilters(generation) {
  const { provider, status: wanted } = filters();
  return (!provider || generation.provider === provider) && (!wanted || generation.status === wanted);
}

function updateGalleryState() {
  const empty = $('#image-gallery').children.length === 0;
  const { provider, status: wanted } = filters();
  $('#image-gallery-empty').hidden = !empty;
  $('#image-gallery-empty').textContent = provider || wanted
    ? 'No images match these filters.'
    : 'No images yet: describe one on the left and generate it.';
  $('#image-more').hidden = $('#image-gallery').children.length >= state.total;
}

function fetchPage(page) {
  const query = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
  for (const [name, value] of Object.entries(filters())) if (value) query.set(name, value);
  return api('GET', `/api/generation/images?${query}`);
}

/** Adds the images of a page not shown yet; how many that was. */
function showPage(answer) {
  state.total = answer.total;
  const fresh = answer.images.filter((generation) => !cardOf(generation.id));
  $('#image-gallery').append(...fresh.map(generationCard));
  updateGalleryState();
  return fresh.length;
}

/** The images after those shown. Images made or deleted here since shift
 *  the pages, so the page holding the first one missing is asked for, and
 *  the one after it when that brought less than a page of new ones. */
async function loadMore() {
  const view = state.view;
  const page = Math.floor($('#image-gallery').children.length / PER_PAGE) + 1;
  const answer = await fetchPage(page);
  if (view !== state.view || showPage(answer) === PER_PAGE || page * PER_PAGE >= answer.total) return;
  const next = await fetchPage(page + 1);
  if (view === state.view) showPage(next);
}

async function reloadGallery() {
  const view = ++state.view;
  $('#image-gallery').setAttribute('aria-busy', 'true');
  try {
    const answer = await fetchPage(1);
    if (view !== state.view) return;
    $('#image-gallery').replaceChildren();
    showPage(answer);
  } finally {
    if (view === state.view) $('#image-gallery').removeAttribute('aria-busy');
  }
}

/** Puts a generation first in the gallery if the filters let it show; whether it shows. */
function addGeneration(generation) {
  if (!matchesFilters(generation)) return false;
  const existing = cardOf(generation.id);
  if (existing) existing.remove();
  else state.total += 1;
  $('#image-gallery').prepend(generationCard(generation));
  updateGalleryState();
  $('#image-announce').textContent = generation.status === 'succeeded' ? 'The new image is first in your images.' : 'The failed attempt is first in your images.';
  return true;
}

async function deleteGeneration(card) {
  const prompt = card.querySelector('.generation-prompt').textContent;
  if (!confirm(`Delete the image “${prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt}”? This cannot be undone.`)) return;
  await api('DELETE', `/api/generation/image/${encodeURIComponent(card.dataset.id)}`);
  const next = card.nextElementSibling || card.previousElementSibling;
  card.remove();
  state.total -= 1;
  updateGalleryState();
  galleryStatus('Image deleted.', 'ok');
  (next?.querySelector('.generation-delete') || $('#image-history-title')).focus();
}

/** A card shown for a while has links past their expiry: renew them, then download. */
async function downloadFresh(link) {
  const card = link.closest('li.generation');
  const index = [...card.querySelectorAll('.generation-download')].indexOf(link);
  const { generation } = await api('GET', `/api/generation/image/${encodeURIComponent(card.dataset.id)}`);
  const renewed = generationCard(generation);
  card.replaceWith(renewed);
  renewed.querySelectorAll('.generation-download')[index]?.click();
}

// ---- Wiring ---------------------------------------------------------------------

function bindControls() {
  $('#image-provider').addEventListener('change', () => {
    fillModels(selectedProvider());
    buildOptions();
    showProvider();
  });
  $('#image-model').addEventListener('change', buildOptions);
  $('#image-options').addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
  $('#image-prompt').addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
  $('#image-prompt').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('#image-form').requestSubmit();
    }
  });
  $('#image-form').addEventListener('submit', (event) => {
    event.preventDefault();
    generate();
  });

  for (const filter of [$('#image-filter-provider'), $('#image-filter-status')]) {
    filter.addEventListener('change', () => {
      galleryStatus('', '');
      reloadGallery().catch((error) => galleryStatus(messageFor(error)));
    });
  }
  $('#image-more').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try { await loadMore(); } catch (error) { galleryStatus(messageFor(error)); } finally { button.disabled = false; }
  });
  $('#image-gallery').addEventListener('click', async (event) => {
    const download = event.target.closest('.generation-download');
    if (download && Date.now() - Number(download.closest('li.generation').dataset.loaded) > LINK_MAX_AGE_MS) {
      event.preventDefault();
      try { await downloadFresh(download); } catch (error) { galleryStatus(messageFor(error)); }
      return;
    }
    const remove = event.target.closest('.generation-delete');
    if (!remove) return;
    remove.disabled = true;
    try {
      await deleteGeneration(remove.closest('li.generation'));
    } catch (error) {
      galleryStatus(messageFor(error));
    } finally {
      remove.disabled = false;
    }
  });
}

async function main() {
  const user = await renderHeader();
  if (!user) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  const [{ image }, firstPage] = await Promise.all([api('GET', '/api/generation/providers'), fetchPage(1)]);
  state.providers = image;
  showPage(firstPage);
  fillProviders();
  const first = image.find((provider) => provider.configured) || image[0];
  if (first) $('#image-provider').value = first.id;
  fillModels(first);
  buildOptions();
  showProvider();
  bindControls();
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  status(messageFor(error));
  document.querySelector('main').removeAttribute('aria-busy');
});
