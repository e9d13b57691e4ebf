// AI studio audio: speech, music and sound effects. The form offers the
// chosen provider's audio types, then the type's models and options (a
// voice for speech, from `GET /api/generation/voices`; lyrics or an
// instrumental for songs); the history shows each clip with a player,
// newest first (both from `MediaStudio`). `POST /api/generation/audio`
// answers once the clip is made (a few seconds), except with the song
// providers (`task: true`, Suno and Udio): they answer at once with a
// running generation, whose card `MediaStudio` follows until the song is
// made — two takes and, often, a cover.

import { api } from '../api.js';
import { $, MediaStudio, costText, element, unfinished } from '../studio-media.js';

const TYPE_LABELS = { speech: 'Speech', music: 'Music', sfx: 'Sound effect' };
const PROMPT_PLACEHOLDERS = { speech: 'The text to speak', music: 'Describe the music', sfx: 'Describe the sound' };
/** The API's limits on the prompt: songs' style descriptions are shorter. */
const PROMPT_MAX = 5000;
const SONG_PROMPT_MAX = 3000;

const INSTRUMENTAL_HINT = 'Music only, no vocals.';
const LYRICS_HINT = 'Optional: the words to sing (the provider writes them otherwise).';

/** The voices speech can use, as select choices; null until known (or when they could not be listed). */
let voices = null;

/** Whether a generation is a song from a provider that takes minutes (two takes and a cover). */
function isSong(generation) {
  return Boolean(studio.providerById(generation.provider)?.task);
}

function player(generation, file, label) {
  const audio = element('audio', 'generation-preview');
  audio.controls = true;
  audio.preload = 'metadata';
  audio.src = file.url;
  audio.setAttribute('aria-label', `${label}: ${generation.prompt}`);
  return audio;
}

/** A song: its cover, then a player per take. */
function songPreview(box, generation) {
  box.classList.add('song');
  if (generation.thumbnail_url) {
    const cover = element('img', 'generation-cover');
    cover.src = generation.thumbnail_url;
    cover.alt = `Cover art of the song “${generation.prompt}”`;
    cover.decoding = 'async';
    box.append(cover);
  }
  const takes = element('ul', 'generation-takes');
  for (const file of generation.files) {
    const take = element('li', 'generation-take');
    const name = `Take ${file.position + 1}`;
    take.append(element('span', 'generation-take-name', name), player(generation, file, name));
    takes.append(take);
  }
  box.append(takes);
}

function preview(generation) {
  const box = element('div', 'generation-previews audio');
  if (generation.files.length && isSong(generation)) {
    songPreview(box, generation);
  } else if (generation.files.length) {
    box.append(player(generation, generation.files[0], 'Play'));
  } else if (unfinished(generation)) {
    box.classList.add('empty');
    box.append(...studio.progressView(generation));
  } else {
    box.classList.add('empty');
    box.append(element('span', 'muted', 'No audio'));
  }
  return box;
}

const studio = new MediaStudio({
  kind: 'audio',
  one: 'audio clip',
  many: 'audio clips',
  keyedProviders: new Set(['elevenlabs', 'stable_audio', 'suno', 'udio']),
  options: {
    labels: {
      voice_id: 'Voice', language: 'Language', duration: 'Duration (seconds)', output_format: 'File format', seed: 'Seed',
      instrumental: 'Instrumental', lyrics: 'Lyrics', title: 'Title', negative_tags: 'Avoid styles',
    },
    order: ['voice_id', 'language', 'instrumental', 'lyrics', 'title', 'negative_tags', 'duration', 'output_format', 'seed'],
    hints: { seed: 'empty for a random one' },
    placeholders: { seed: 'random' },
    steps: { duration: 'any' },
    booleans: new Set(['instrumental']),
    multiline: new Set(['lyrics']),
    textHints: {
      voice_id: 'The id of one of your provider\'s voices.',
      language: 'Optional: a two-letter code such as en or fr (detected otherwise).',
      instrumental: INSTRUMENTAL_HINT,
      lyrics: LYRICS_HINT,
      title: 'Optional, only with lyrics: the song\'s name.',
      negative_tags: 'Optional: styles the song should not have, e.g. heavy metal, autotune.',
    },
  },
  optionRules: songRules,
  preview,
  madeText: (generation) => {
    const cost = costText(generation);
    if (unfinished(generation)) return `Song started${cost ? ` (${cost})` : ''}: its card shows the progress`;
    return `${TYPE_LABELS[generation.parameters?.audio_type] || 'Audio'} ready (${cost})`;
  },
  nameOf: (generation) => (isSong(generation) ? 'song' : 'audio clip'),
  fileName: (generation, file) => `take ${file.position + 1}`,
});

/** An instrumental has no words: lyrics and Instrumental exclude each other, and the hints say why one is off. */
function songRules() {
  const instrumental = $('#audio-options [name=instrumental]');
  const lyrics = $('#audio-options [name=lyrics]');
  if (!instrumental || !lyrics) return;
  const hasLyrics = Boolean(lyrics.value.trim());
  lyrics.disabled = instrumental.checked;
  instrumental.disabled = hasLyrics && !instrumental.checked;
  $('#audio-option-lyrics-hint').textContent = instrumental.checked
    ? 'Off: an instrumental has no words. Uncheck Instrumental to write lyrics.'
    : `${LYRICS_HINT} Up to ${lyrics.maxLength.toLocaleString('en')} characters.`;
  $('#audio-option-instrumental-hint').textContent = instrumental.disabled
    ? 'Off while there are lyrics: an instrumental has no words.'
    : INSTRUMENTAL_HINT;
}

function selectedType() {
  return studio.selectedProvider()?.audio_types.find((type) => type.audio_type === $('#audio-type').value) || null;
}

function fillTypes() {
  const types = studio.selectedProvider()?.audio_types || [];
  const previous = $('#audio-type').value;
  $('#audio-type').replaceChildren(...types.map((type) => new Option(TYPE_LABELS[type.audio_type] || type.audio_type, type.audio_type)));
  $('#audio-type').value = types.some((type) => type.audio_type === previous) ? previous : types[0]?.audio_type || '';
}

/** The type's models; the prompt says what it is for (a song's style, the text to speak...). */
function fillModels() {
  const models = selectedType()?.models || [];
  $('#audio-model').replaceChildren(...models.map((model) => new Option(model, model)));
  $('#audio-model').value = models[0] || '';
  const type = $('#audio-type').value;
  const song = Boolean(studio.selectedProvider()?.task);
  const prompt = $('#audio-prompt');
  prompt.placeholder = song ? 'The style and mood, e.g. dreamy synth-pop with a female voice' : PROMPT_PLACEHOLDERS[type] || 'Describe the sound';
  prompt.maxLength = song ? SONG_PROMPT_MAX : PROMPT_MAX;
  $('#audio-prompt-label').textContent = song ? 'Style / description' : type === 'speech' ? 'Text' : 'Prompt';
  $('#audio-prompt-hint').textContent = `Up to ${prompt.maxLength.toLocaleString('en')} characters.${song ? ' A song takes a few minutes.' : ''} Ctrl+Enter generates.`;
}

/** The API's options for the type, as controls: the voices as a list, the
 *  language only for the models that take one. */
function buildOptions() {
  const options = { ...(selectedType()?.options || {}) };
  if (options.voice_id) options.voice_id = voices || true;
  if (options.language) {
    if (options.language.models?.includes($('#audio-model').value)) options.language = true;
    else delete options.language;
  }
  studio.buildOptions(options);
}

/** Lists the voices once, when a provider that speaks can be used. */
async function loadVoices() {
  const speaks = studio.providers.some((provider) => provider.configured && provider.audio_types.some((type) => type.options.voice_id));
  if (!speaks) return;
  try {
    const answer = await api('GET', '/api/generation/voices');
    voices = answer.voices.map((voice) => ({ value: voice.voice_id, label: voice.category ? `${voice.name} (${voice.category})` : voice.name }));
  } catch {
    // Then a voice id can still be typed in.
    voices = null;
  }
}

function readRequest() {
  const prompt = $('#audio-prompt');
  const type = $('#audio-type').value;
  const song = Boolean(studio.selectedProvider()?.task);
  if (!prompt.value.trim()) {
    const wanted = song ? 'Describe the style of the song.' : type === 'speech' ? 'Write the text to speak.' : 'Describe the sound you want in the prompt.';
    return studio.invalid(prompt, wanted);
  }
  const voice = $('#audio-options [name=voice_id]');
  if (voice && !voice.value.trim()) return studio.invalid(voice, 'Choose a voice.');
  return studio.readOptions({ provider: $('#audio-provider').value, audio_type: type, model: $('#audio-model').value, prompt: prompt.value.trim() });
}

studio.start(async () => {
  await loadVoices();
  fillTypes();
  fillModels();
  buildOptions();
  $('#audio-provider').addEventListener('change', () => {
    fillTypes();
    fillModels();
    buildOptions();
    studio.showProvider();
  });
  $('#audio-type').addEventListener('change', () => {
    fillModels();
    buildOptions();
  });
  $('#audio-model').addEventListener('change', buildOptions);
  studio.bind(readRequest);
});
