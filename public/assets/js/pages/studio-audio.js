// AI studio audio: speech, music and sound effects. The form offers the
// chosen provider's audio types, then the type's models and options (a
// voice for speech, from `GET /api/generation/voices`); the history shows
// each clip with a player, newest first (both from `MediaStudio`). `POST
// /api/generation/audio` answers once the clip is made (a few seconds).

import { api } from '../api.js';
import { $, MediaStudio, costText, element } from '../studio-media.js';

const TYPE_LABELS = { speech: 'Speech', music: 'Music', sfx: 'Sound effect' };
const PROMPT_PLACEHOLDERS = { speech: 'The text to speak', music: 'Describe the music', sfx: 'Describe the sound' };

/** The voices speech can use, as select choices; null until known (or when they could not be listed). */
let voices = null;

function preview(generation) {
  const box = element('div', 'generation-previews audio');
  const file = generation.files[0];
  if (file) {
    const audio = element('audio', 'generation-preview');
    audio.controls = true;
    audio.preload = 'metadata';
    audio.src = file.url;
    audio.setAttribute('aria-label', `Play: ${generation.prompt}`);
    box.append(audio);
  } else {
    box.classList.add('empty');
    box.append(element('span', 'muted', generation.status === 'failed' ? 'No audio' : 'Generating…'));
  }
  return box;
}

const studio = new MediaStudio({
  kind: 'audio',
  one: 'audio clip',
  many: 'audio clips',
  keyedProviders: new Set(['elevenlabs', 'stable_audio']),
  options: {
    labels: { voice_id: 'Voice', language: 'Language', duration: 'Duration (seconds)', output_format: 'File format', seed: 'Seed' },
    order: ['voice_id', 'language', 'duration', 'output_format', 'seed'],
    hints: { seed: 'empty for a random one' },
    placeholders: { seed: 'random' },
    steps: { duration: 'any' },
    textHints: {
      voice_id: 'The id of one of your provider\'s voices.',
      language: 'Optional: a two-letter code such as en or fr (detected otherwise).',
    },
  },
  preview,
  madeText: (generation) => `${TYPE_LABELS[generation.parameters?.audio_type] || 'Audio'} ready (${costText(generation)})`,
});

function selectedType() {
  return studio.selectedProvider()?.audio_types.find((type) => type.audio_type === $('#audio-type').value) || null;
}

function fillTypes() {
  const types = studio.selectedProvider()?.audio_types || [];
  const previous = $('#audio-type').value;
  $('#audio-type').replaceChildren(...types.map((type) => new Option(TYPE_LABELS[type.audio_type] || type.audio_type, type.audio_type)));
  $('#audio-type').value = types.some((type) => type.audio_type === previous) ? previous : types[0]?.audio_type || '';
}

function fillModels() {
  const models = selectedType()?.models || [];
  $('#audio-model').replaceChildren(...models.map((model) => new Option(model, model)));
  $('#audio-model').value = models[0] || '';
  const type = $('#audio-type').value;
  $('#audio-prompt').placeholder = PROMPT_PLACEHOLDERS[type] || 'Describe the sound';
  $('#audio-prompt-label').textContent = type === 'speech' ? 'Text' : 'Prompt';
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
  const speech = $('#audio-type').value === 'speech';
  if (!prompt.value.trim()) return studio.invalid(prompt, speech ? 'Write the text to speak.' : 'Describe the sound you want in the prompt.');
  const voice = $('#audio-options [name=voice_id]');
  if (voice && !voice.value.trim()) return studio.invalid(voice, 'Choose a voice.');
  return studio.readOptions({
    provider: $('#audio-provider').value, audio_type: $('#audio-type').value, model: $('#audio-model').value, prompt: prompt.value.trim(),
  });
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
