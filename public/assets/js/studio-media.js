// What the AI studio media pages (images, audio, video) have in common: a
// form on the left that offers only the options the chosen provider and
// model take (as `GET /api/generation/providers` lists them), and the
// history on the right, newest first, with filters, pages, downloads and
// deletion. Each page makes one `MediaStudio` for its kind and adds what is
// its own (models, voices, previews). The page's elements are `#{kind}-…`
// and its API is `/api/generation/{kind}` and `/api/generation/{kind}s`.
//
// Some generations take minutes (videos, songs): the API answers at once
// with a running generation, and its card polls `GET
// /api/generation/{kind}/{id}` every second, showing the progress, until it
// is made or has failed. Cards still running when the page loads carry on
// the same way.

import { api, ApiError } from './api.js';
import { messageFor } from './forms.js';
import { renderHeader } from './nav.js';

export const $ = (selector) => document.querySelector(selector);

const PER_PAGE = 12;
const STATUS_LABELS = { queued: 'Queued', running: 'Generating', succeeded: 'Succeeded', failed: 'Failed' };
/** Signed file links last an hour; older ones are renewed before a download. */
const LINK_MAX_AGE_MS = 50 * 60 * 1000;
const DATES = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const POLL_MS = 1000;
/** Polls while the network or the API fails back off to this. */
const MAX_POLL_MS = 15000;

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function costText(generation) {
  if (generation.status === 'failed' && !generation.cost_micros) return 'not charged';
  if (generation.cost_usd === null || generation.cost_usd === undefined) return '';
  // "0.040000" → "$0.04": cents always, smaller digits only when there are some.
  return `$${String(generation.cost_usd).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}

/** Why a provider cannot be used, as one sentence. */
export function reasonText(provider) {
  const reason = provider.reason || 'it is not configured on this site.';
  return reason.toLowerCase().startsWith(provider.name.toLowerCase()) ? reason : `${provider.name} is not available: ${reason}`;
}

/** Whether a generation is still being made (its card is followed). */
export function unfinished(generation) {
  return generation.status === 'queued' || generation.status === 'running';
}

/** The prompt as messages quote it. */
function quoted(prompt) {
  return `“${prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt}”`;
}

function progressText(generation) {
  return `${generation.status === 'queued' ? 'Queued' : 'Generating'}… ${generation.progress || 0}%`;
}

export class MediaStudio {
  /**
   * @param {object} page
   * @param {string} page.kind `image`, `audio` or `video`: the ids, the API paths and the history's list.
   * @param {string} page.one What one generation is called in messages ("image").
   * @param {string} page.many And several ("images").
   * @param {Set<string>} page.keyedProviders Providers whose keys the profile page manages.
   * @param {object} page.options How options show: `labels`, `order`, `defaults` (preselected values,
   *   or a function of the allowed ones), `hints`, `placeholders` and `steps` for number fields,
   *   `textHints` for free text, `booleans` (a Set: the names of the `true` options that are
   *   checkboxes, not free text), `multiline` (a Set: free text in a textarea).
   * @param {() => void} [page.optionRules] Called whenever the option controls are built or
   *   changed, to tie them to each other.
   * @param {(generation: object) => Node} page.preview The media of a card (`progressView` while it is made).
   * @param {(generation: object) => string} page.madeText The status line once a generation is made,
   *   or started (no full stop).
   * @param {(generation: object) => string} [page.nameOf] What this generation is called in
   *   messages, when not `one` ("song").
   * @param {(generation: object, file: object) => string} [page.fileName] One of several files of
   *   a generation, in its download's label ("take 2"); `{one} 2` otherwise.
   */
  constructor(page) {
    Object.assign(this, page);
    this.providers = [];
    /** Generations in the history under the current filters. */
    this.total = 0;
    /** Bumped whenever the filters change, so a late page of the old ones is dropped. */
    this.view = 0;
    this.busy = false;
    /** Date.now() until which the provider asked us to wait (429). */
    this.waitUntil = 0;
    /** Ids of the generations whose cards are being polled. */
    this.following = new Set();
    /** The generation started from the form last, while it is made: the status line follows it. */
    this.started = null;
  }

  /** Defaults of the page's `nameOf` and `fileName`. */
  nameOf() {
    return this.one;
  }

  fileName(generation, file) {
    return `${this.one} ${file.position + 1}`;
  }

  /** The page's element `#{kind}-{name}`. */
  el(name) {
    return document.getElementById(`${this.kind}-${name}`);
  }

  status(text, kind = 'error') {
    this.el('status').textContent = text;
    this.el('status').className = `form-status ${kind}`;
  }

  galleryStatus(text, kind = 'error') {
    this.el('gallery-status').textContent = text;
    this.el('gallery-status').className = `form-status ${kind}`;
  }

  // ---- Providers and their options ------------------------------------------------

  providerById(id) {
    return this.providers.find((provider) => provider.id === id) || null;
  }

  selectedProvider() {
    return this.providerById(this.el('provider').value);
  }

  /** Fills the provider select and the filter; chooses the first that works. */
  fillProviders(providers) {
    this.providers = providers;
    this.el('provider').replaceChildren(...providers.map((provider) => {
      const option = new Option(provider.configured ? provider.name : `${provider.name} (not available)`, provider.id);
      option.disabled = !provider.configured;
      return option;
    }));
    this.el('filter-provider').append(...providers.map((provider) => new Option(provider.name, provider.id)));
    const first = providers.find((provider) => provider.configured) || providers[0];
    if (first) this.el('provider').value = first.id;
  }

  /** Says why the chosen provider cannot be used, or whose key it uses. */
  showProvider() {
    const provider = this.selectedProvider();
    const note = this.el('provider-reason');
    note.hidden = !provider || provider.configured;
    note.replaceChildren();
    if (!note.hidden) {
      note.append(reasonText(provider));
      if (this.keyedProviders.has(provider.id)) {
        const link = document.createElement('a');
        link.href = '/profile';
        link.textContent = 'Manage your keys in your profile';
        note.append(' ', link, '.');
      }
    }
    const key = this.el('provider-key');
    key.hidden = !provider?.configured || !provider.key_source;
    if (!key.hidden) key.textContent = provider.key_source === 'user' ? `Uses your own ${provider.name} API key.` : `Uses the site's ${provider.name} key.`;
    this.updateGenerate();
  }

  optionLabel(name) {
    return this.options.labels?.[name] || name.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase());
  }

  /** A labelled field around `control`, with an optional hint under it. */
  optionField(name, control, hint) {
    const checkbox = control.type === 'checkbox';
    const field = element('div', checkbox ? 'field checkbox' : 'field');
    const label = element('label', '', this.optionLabel(name));
    label.htmlFor = control.id;
    if (checkbox) field.append(control, label);
    else field.append(label, control);
    if (hint) {
      const p = element('p', 'hint', hint);
      p.id = `${control.id}-hint`;
      control.setAttribute('aria-describedby', p.id);
      field.append(p);
    }
    return field;
  }

  /** The control for one option as the API describes it: a list of values
   *  (or of `{value, label}`), a {min, max} range (with an optional
   *  `default`), `true` for free text (or a checkbox, for the page's
   *  `booleans`), or `{max_chars}` for free text up to that length, `with`
   *  the option it is only given with. `previous` is what the control of the
   *  same name held, kept if still allowed. */
  optionControl(name, spec, previous) {
    const id = `${this.kind}-option-${name}`;
    const { defaults = {}, hints = {}, placeholders = {}, textHints = {}, steps = {}, booleans = new Set(), multiline = new Set() } = this.options;
    if (Array.isArray(spec)) {
      const select = element('select');
      select.id = id;
      select.name = name;
      const choices = spec.map((choice) => (choice && typeof choice === 'object' ? choice : { value: choice, label: String(choice) }));
      select.append(...choices.map((choice) => new Option(choice.label, String(choice.value))));
      // Numbers are sent as numbers.
      if (choices.length && choices.every((choice) => typeof choice.value === 'number')) select.dataset.type = 'number';
      const values = choices.map((choice) => String(choice.value));
      const fallback = typeof defaults[name] === 'function' ? defaults[name](spec) : defaults[name];
      const wanted = [previous, fallback].find((value) => value !== undefined && values.includes(String(value)));
      select.value = wanted !== undefined ? String(wanted) : values[0] ?? '';
      return this.optionField(name, select);
    }
    if (spec && typeof spec === 'object' && Number.isFinite(spec.min) && Number.isFinite(spec.max)) {
      // A range of one value leaves nothing to choose.
      if (spec.min === spec.max) return null;
      const input = element('input');
      input.id = id;
      input.name = name;
      input.type = 'number';
      input.min = String(spec.min);
      input.max = String(spec.max);
      input.step = String(steps[name] ?? 1);
      input.inputMode = input.step === '1' ? 'numeric' : 'decimal';
      input.placeholder = spec.default !== undefined ? String(spec.default) : placeholders[name] || 'default';
      if (previous !== undefined && previous !== '' && Number(previous) >= spec.min && Number(previous) <= spec.max) input.value = previous;
      const empty = hints[name] || (spec.default !== undefined ? `empty for ${spec.default}` : 'empty for the default');
      return this.optionField(name, input, `${spec.min} to ${spec.max}; ${empty}.`);
    }
    if (spec === true && booleans.has(name)) {
      const input = element('input');
      input.id = id;
      input.name = name;
      input.type = 'checkbox';
      input.checked = previous === true;
      return this.optionField(name, input, textHints[name]);
    }
    const limited = spec && typeof spec === 'object' && Number.isFinite(spec.max_chars);
    if (spec === true || limited) {
      const input = element(multiline.has(name) ? 'textarea' : 'input');
      input.id = id;
      input.name = name;
      input.maxLength = limited ? spec.max_chars : 4000;
      input.autocomplete = 'off';
      if (input.tagName === 'TEXTAREA') input.rows = 6;
      if (typeof previous === 'string' && previous) input.value = previous.slice(0, input.maxLength);
      let hint = textHints[name] || 'Optional.';
      if (limited) {
        hint += ` Up to ${spec.max_chars.toLocaleString('en')} characters.`;
        if (spec.with) input.dataset.with = spec.with;
      }
      return this.optionField(name, input, hint);
    }
    return null;
  }

  /** Rebuilds the option controls from `options` ({name: spec}), keeping what still fits. */
  buildOptions(options) {
    const box = this.el('options');
    const previous = Object.fromEntries([...box.querySelectorAll('[name]')]
      .map((control) => [control.name, control.type === 'checkbox' ? control.checked : control.value]));
    const order = this.options.order || [];
    const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
    const names = Object.keys(options).sort((a, b) => rank(a) - rank(b));
    const fields = names.map((name) => this.optionControl(name, options[name], previous[name])).filter(Boolean);
    box.replaceChildren(box.querySelector('legend'), ...fields);
    box.hidden = fields.length === 0;
    this.linkOptions();
  }

  /** The page's rules between its options, then: an option given only
   *  `with` another can be filled in only once the other is. */
  linkOptions() {
    this.optionRules?.();
    const box = this.el('options');
    for (const control of box.querySelectorAll('[data-with]')) {
      const other = box.querySelector(`[name="${CSS.escape(control.dataset.with)}"]`);
      control.disabled = !other || other.disabled || !other.value.trim();
    }
  }

  updateGenerate() {
    const provider = this.selectedProvider();
    this.el('generate').disabled = this.busy || !provider?.configured || Date.now() < this.waitUntil;
  }

  // ---- Generating -----------------------------------------------------------------

  setBusy(on) {
    this.busy = on;
    const form = this.el('form');
    if (on) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
    this.el('progress').hidden = !on;
    this.updateGenerate();
  }

  clearInvalid() {
    for (const control of this.el('form').querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  }

  /** Marks `control` as what is wrong, says why; null, for `return`. */
  invalid(control, text) {
    control.setAttribute('aria-invalid', 'true');
    this.status(text);
    control.focus();
    return null;
  }

  /** Adds the option controls' values to `body` (not those switched off); null (and a message) when one is off. */
  readOptions(body) {
    for (const control of this.el('options').querySelectorAll('[name]')) {
      if (control.disabled) continue;
      if (control.type === 'checkbox') {
        body[control.name] = control.checked;
      } else if (control.type === 'number') {
        if (!control.checkValidity()) {
          const what = control.step === '1' ? 'a whole number' : 'a number';
          return this.invalid(control, `${this.optionLabel(control.name)} is ${what} from ${control.min} to ${control.max}.`);
        }
        if (control.value !== '') body[control.name] = Number(control.value);
      } else if (control.tagName === 'SELECT') {
        if (control.value !== '') body[control.name] = control.dataset.type === 'number' ? Number(control.value) : control.value;
      } else if (control.value.trim()) {
        body[control.name] = control.value.trim();
      }
    }
    return body;
  }

  errorText(error) {
    if (!(error instanceof ApiError)) return messageFor(error);
    const { code, message, retryAfter } = error;
    const detail = (lead) => (message && message !== lead ? `${lead} (${message})` : lead);
    switch (code) {
      case 'provider_auth': return detail('The provider did not accept the API key: check the key in your profile.');
      case 'provider_rate_limited':
        return detail(retryAfter ? `The provider is rate limiting requests: try again in ${retryAfter} seconds.` : 'The provider is rate limiting requests: try again shortly.');
      case 'provider_unavailable': return detail('The provider is unavailable right now: try again in a moment.');
      case 'provider_refused': return detail('The provider refused this prompt.');
      case 'provider_bad_output': return detail(`The provider did not send a usable ${this.one}: try again.`);
      default: return message || `The ${this.one} could not be generated.`;
    }
  }

  showFailure(error) {
    this.status(this.errorText(error));
    if (!(error instanceof ApiError)) return;
    const control = error.field && this.el('form').querySelector(`[name="${CSS.escape(error.field)}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.focus();
    }
    if (error.code === 'provider_rate_limited' && error.retryAfter) {
      this.waitUntil = Date.now() + error.retryAfter * 1000;
      this.updateGenerate();
      setTimeout(() => this.updateGenerate(), error.retryAfter * 1000 + 50);
    }
  }

  /** A failure answer has no generation, but one may have been recorded:
   *  the newest one, if it is this request's, joins the gallery. */
  async showRecordedFailure(body, sentAt) {
    const answer = await api('GET', `/api/generation/${this.kind}s?per_page=1`);
    const newest = answer[`${this.kind}s`][0];
    if (newest && !this.cardOf(newest.id) && newest.prompt === body.prompt && newest.model === body.model && newest.created_at >= sentAt - 60) {
      this.addGeneration(newest);
    }
  }

  /** Checks the provider, asks `readRequest()` for the body (null when the
   *  form is not right: it said why) and sends it. */
  async generate(readRequest) {
    if (this.busy) return;
    const provider = this.selectedProvider();
    if (!provider) { this.status('Choose a provider first.'); return; }
    if (!provider.configured) { this.status(reasonText(provider)); return; }
    this.clearInvalid();
    const body = readRequest();
    if (!body) return;
    const sentAt = Date.now() / 1000;
    this.setBusy(true);
    this.status('Generating…', 'busy');
    try {
      const { generation } = await api('POST', `/api/generation/${this.kind}`, body);
      if (unfinished(generation)) this.started = generation.id;
      const shown = this.addGeneration(generation);
      this.status(`${this.madeText(generation)}${shown ? '' : ': the filters hide it'}.`, 'ok');
    } catch (error) {
      this.showFailure(error);
      if (error instanceof ApiError && error.status !== 400) await this.showRecordedFailure(body, sentAt).catch(() => { /* the message says enough */ });
    } finally {
      this.setBusy(false);
    }
  }

  // ---- The gallery ------------------------------------------------------------------

  card(generation) {
    const li = element('li', 'generation');
    li.dataset.id = generation.id;
    li.dataset.status = generation.status;
    li.dataset.provider = generation.provider;
    li.dataset.loaded = String(Date.now());

    const body = element('div', 'generation-body');
    body.append(element('p', 'generation-prompt', generation.prompt));
    const meta = element('p', 'generation-meta');
    meta.append(`${generation.model} · ${this.providerById(generation.provider)?.name || generation.provider}`);
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
      if (many) download.setAttribute('aria-label', `Download ${this.fileName(generation, file)}`);
      actions.append(download);
    }
    const remove = element('button', 'danger generation-delete', 'Delete');
    remove.type = 'button';
    actions.append(remove);
    body.append(actions);

    li.append(this.preview(generation), body);
    this.follow(li, generation);
    return li;
  }

  cardOf(id) {
    return this.el('gallery').querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
  }

  /** Shows `generation` in place of its card, if it has one; the new card. */
  replaceCard(generation) {
    const old = this.cardOf(generation.id);
    if (!old) return null;
    const card = this.card(generation);
    old.replaceWith(card);
    return card;
  }

  filters() {
    return { provider: this.el('filter-provider').value, status: this.el('filter-status').value };
  }

  matchesFilters(generation) {
    const { provider, status: wanted } = this.filters();
    return (!provider || generation.provider === provider) && (!wanted || generation.status === wanted);
  }

  updateGalleryState() {
    const count = this.el('gallery').children.length;
    const { provider, status: wanted } = this.filters();
    this.el('gallery-empty').hidden = count > 0;
    this.el('gallery-empty').textContent = provider || wanted
      ? `No ${this.many} match these filters.`
      : `No ${this.many} yet: describe one on the left and generate it.`;
    this.el('more').hidden = count >= this.total;
  }

  fetchPage(page) {
    const query = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    for (const [name, value] of Object.entries(this.filters())) if (value) query.set(name, value);
    return api('GET', `/api/generation/${this.kind}s?${query}`);
  }

  /** Adds the generations of a page not shown yet; how many that was. */
  showPage(answer) {
    this.total = answer.total;
    const fresh = answer[`${this.kind}s`].filter((generation) => !this.cardOf(generation.id));
    this.el('gallery').append(...fresh.map((generation) => this.card(generation)));
    this.updateGalleryState();
    return fresh.length;
  }

  /** The generations after those shown. Those made or deleted here since
   *  shift the pages, so the page holding the first one missing is asked
   *  for, and the one after it when that brought less than a page of new ones. */
  async loadMore() {
    const view = this.view;
    const page = Math.floor(this.el('gallery').children.length / PER_PAGE) + 1;
    const answer = await this.fetchPage(page);
    if (view !== this.view || this.showPage(answer) === PER_PAGE || page * PER_PAGE >= answer.total) return;
    const next = await this.fetchPage(page + 1);
    if (view === this.view) this.showPage(next);
  }

  async reloadGallery() {
    const view = ++this.view;
    const gallery = this.el('gallery');
    gallery.setAttribute('aria-busy', 'true');
    try {
      const answer = await this.fetchPage(1);
      if (view !== this.view) return;
      gallery.replaceChildren();
      this.showPage(answer);
    } finally {
      if (view === this.view) gallery.removeAttribute('aria-busy');
    }
  }

  /** Puts a generation first in the gallery if the filters let it show; whether it shows. */
  addGeneration(generation) {
    if (!this.matchesFilters(generation)) return false;
    const existing = this.cardOf(generation.id);
    if (existing) existing.remove();
    else this.total += 1;
    this.el('gallery').prepend(this.card(generation));
    this.updateGalleryState();
    this.announce(generation.status === 'failed'
      ? `The failed attempt is first in your ${this.many}.`
      : `The new ${this.one} is first in your ${this.many}.`);
    return true;
  }

  announce(text) {
    this.el('announce').textContent = text;
  }

  async deleteGeneration(card) {
    const prompt = card.querySelector('.generation-prompt').textContent;
    if (!confirm(`Delete the ${this.one} ${quoted(prompt)}? This cannot be undone.`)) return;
    await api('DELETE', `/api/generation/${this.kind}/${encodeURIComponent(card.dataset.id)}`);
    const next = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    this.total -= 1;
    this.updateGalleryState();
    this.galleryStatus(`${this.one[0].toUpperCase()}${this.one.slice(1)} deleted.`, 'ok');
    (next?.querySelector('.generation-delete') || this.el('history-title')).focus();
  }

  /** One generation as it is now. */
  async fetchGeneration(id) {
    const { generation } = await api('GET', `/api/generation/${this.kind}/${encodeURIComponent(id)}`);
    return generation;
  }

  /** A card shown for a while has links past their expiry: renew them, then download. */
  async downloadFresh(link) {
    const card = link.closest('li.generation');
    const index = [...card.querySelectorAll('.generation-download')].indexOf(link);
    const renewed = this.replaceCard(await this.fetchGeneration(card.dataset.id));
    renewed?.querySelectorAll('.generation-download')[index]?.click();
  }

  // ---- Following a generation as it is made --------------------------------------

  /** The bar and the text labelling it that stand for a generation being made, in its card. */
  progressView(generation) {
    const text = element('span', 'muted generation-progress-text', progressText(generation));
    text.id = `${this.kind}-progress-${generation.id}`;
    const bar = element('progress', 'generation-progress');
    bar.max = 100;
    bar.value = generation.progress || 0;
    bar.setAttribute('aria-labelledby', text.id);
    return [bar, text];
  }

  /** Called with every card shown: one still being made is polled (once, however often it is redrawn). */
  follow(card, generation) {
    card.dataset.progress = String(generation.progress || 0);
    if (!unfinished(generation) || this.following.has(generation.id)) return;
    this.following.add(generation.id);
    setTimeout(() => this.poll(generation.id, POLL_MS), POLL_MS);
  }

  async poll(id, delay) {
    // A card filtered out or deleted is no longer followed (it is again if it shows again).
    if (!this.cardOf(id)) { this.following.delete(id); return; }
    let generation;
    try {
      generation = await this.fetchGeneration(id);
    } catch (error) {
      if (error.status === 404) { this.following.delete(id); return; }
      const later = Math.min(delay * 2, MAX_POLL_MS);
      setTimeout(() => this.poll(id, later), later);
      return;
    }
    const card = this.cardOf(id);
    if (!card) { this.following.delete(id); return; }
    if (unfinished(generation)) {
      const bar = card.querySelector('progress.generation-progress');
      if (bar && generation.status === card.dataset.status) {
        card.dataset.progress = String(generation.progress || 0);
        bar.value = generation.progress || 0;
        card.querySelector('.generation-progress-text').textContent = progressText(generation);
      } else {
        // Queued → running: redrawn (it is still followed, so this loop goes on).
        this.replaceCard(generation);
      }
      setTimeout(() => this.poll(id, POLL_MS), POLL_MS);
      return;
    }
    this.following.delete(id);
    this.replaceCard(generation);
    this.finished(generation);
  }

  /** Says a followed generation is done: announced, and on the status line if the form started it. */
  finished(generation) {
    const name = this.nameOf(generation);
    const text = generation.status === 'succeeded'
      ? `The ${name} ${quoted(generation.prompt)} is ready (${costText(generation)}).`
      : `The ${name} ${quoted(generation.prompt)} could not be made: ${generation.error?.message || 'the provider failed'}.`;
    this.announce(text);
    if (generation.id === this.started) {
      this.started = null;
      this.status(text, generation.status === 'succeeded' ? 'ok' : 'error');
    }
  }

  // ---- Wiring ---------------------------------------------------------------------

  /** The form's and the gallery's events; `readRequest` as for `generate`. */
  bind(readRequest) {
    const form = this.el('form');
    form.addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
    this.el('options').addEventListener('input', () => this.linkOptions());
    this.el('prompt').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.generate(readRequest);
    });

    for (const filter of [this.el('filter-provider'), this.el('filter-status')]) {
      filter.addEventListener('change', () => {
        this.galleryStatus('', '');
        this.reloadGallery().catch((error) => this.galleryStatus(messageFor(error)));
      });
    }
    this.el('more').addEventListener('click', async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try { await this.loadMore(); } catch (error) { this.galleryStatus(messageFor(error)); } finally { button.disabled = false; }
    });
    this.el('gallery').addEventListener('click', async (event) => {
      const download = event.target.closest('.generation-download');
      if (download && Date.now() - Number(download.closest('li.generation').dataset.loaded) > LINK_MAX_AGE_MS) {
        event.preventDefault();
        try { await this.downloadFresh(download); } catch (error) { this.galleryStatus(messageFor(error)); }
        return;
      }
      const remove = event.target.closest('.generation-delete');
      if (!remove) return;
      remove.disabled = true;
      try {
        await this.deleteGeneration(remove.closest('li.generation'));
      } catch (error) {
        this.galleryStatus(messageFor(error));
      } finally {
        remove.disabled = false;
      }
    });
  }

  /** A link to one generation (`?id=`, as the "ready" emails give): its
   *  card brought into view, marked and focused — fetched and put first when
   *  it is not on the first page. */
  async showLinked() {
    const id = new URLSearchParams(location.search).get('id');
    if (!id) return;
    let card = this.cardOf(id);
    if (!card) {
      try {
        card = this.card(await this.fetchGeneration(id));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          this.galleryStatus(`This ${this.one} is not in your history any more.`);
          return;
        }
        throw error;
      }
      this.el('gallery').prepend(card);
      this.updateGalleryState();
    }
    card.classList.add('linked');
    card.tabIndex = -1;
    card.scrollIntoView({ block: 'center' });
    card.focus({ preventScroll: true });
  }

  /** Signs the visitor in (or sends them to log in), then loads this kind's
   *  providers and the first page of the history; `setUp(providers)` fills
   *  the form. */
  async start(setUp) {
    const run = async () => {
      const user = await renderHeader();
      if (!user) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        return;
      }
      const [providers, firstPage] = await Promise.all([api('GET', '/api/generation/providers'), this.fetchPage(1)]);
      this.fillProviders(providers[this.kind]);
      this.showPage(firstPage);
      await setUp();
      this.showProvider();
      document.querySelector('main').removeAttribute('aria-busy');
      await this.showLinked();
    };
    await run().catch((error) => {
      this.status(messageFor(error));
      document.querySelector('main').removeAttribute('aria-busy');
    });
  }
}
