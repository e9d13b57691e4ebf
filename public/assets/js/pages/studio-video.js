// AI studio video: the form offers the chosen provider's models and their
// options (and a first frame for the models that animate an image); the
// history shows each video, newest first (both from `MediaStudio`). `POST
// /api/generation/video` answers at once with a running generation, whose
// card `MediaStudio` follows, showing the progress, until the video is made
// or has failed.

import { $, MediaStudio, costText, element, unfinished } from '../studio-media.js';

/** The largest first frame sent as a data: URI (providers take about 5 MB). */
const MAX_IMAGE_URI = 5 * 1024 * 1024;

/** The chosen image file, as a data: URI. */
let imageData = '';

/** Width and height of the video asked for ("540p" is the short side), so the card keeps its shape while it loads. */
function dimensions(parameters) {
  const lines = /^(\d+)p$/.exec(parameters?.resolution || '')?.[1] || (parameters?.resolution === '4k' ? '2160' : null);
  const ratio = /^(\d+):(\d+)$/.exec(parameters?.aspect_ratio || '');
  if (!lines || !ratio) return null;
  const [w, h, short] = [Number(ratio[1]), Number(ratio[2]), Number(lines)];
  return w >= h ? [Math.round((short * w) / h), short] : [short, Math.round((short * h) / w)];
}

function preview(generation) {
  const box = element('div', 'generation-previews video');
  const file = generation.files[0];
  const size = dimensions(generation.parameters);
  if (file && generation.status === 'succeeded') {
    const video = element('video', 'generation-preview');
    video.controls = true;
    video.preload = 'metadata';
    video.playsInline = true;
    video.src = file.url;
    if (generation.thumbnail_url) video.poster = generation.thumbnail_url;
    if (size) [video.width, video.height] = size;
    video.setAttribute('aria-label', `Video: ${generation.prompt}`);
    box.append(video);
  } else if (unfinished(generation)) {
    box.classList.add('empty');
    box.append(...studio.progressView(generation));
  } else {
    box.classList.add('empty');
    box.append(element('span', 'muted', 'No video'));
  }
  return box;
}

const studio = new MediaStudio({
  kind: 'video',
  one: 'video',
  many: 'videos',
  keyedProviders: new Set(['runway', 'luma', 'pika']),
  options: {
    labels: { resolution: 'Resolution', duration: 'Duration (seconds)', aspect_ratio: 'Aspect ratio', seed: 'Seed', negative_prompt: 'Negative prompt' },
    order: ['resolution', 'aspect_ratio', 'duration', 'seed', 'negative_prompt'],
    /** What the API uses when an option is left out: preselected, so the form shows what will happen. */
    defaults: { resolution: (values) => values[Math.min(values.length, 2) - 1], aspect_ratio: '16:9' },
    hints: { seed: 'empty for a random one' },
    placeholders: { seed: 'random' },
    textHints: { negative_prompt: 'Optional: what the video should not show.' },
  },
  preview,
  madeText: (generation) => {
    const cost = costText(generation);
    return `Video started${cost ? ` (${cost})` : ''}: its card shows the progress`;
  },
});

// ---- The form -----------------------------------------------------------------------

function selectedModel() {
  return studio.selectedProvider()?.models.find((model) => model.id === $('#video-model').value) || null;
}

function fillModels() {
  const models = studio.selectedProvider()?.models || [];
  $('#video-model').replaceChildren(...models.map((model) => new Option(model.id, model.id)));
  $('#video-model').value = models[0]?.id || '';
}

function needsImage() {
  return selectedModel()?.options.image_url === true;
}

/** The model's options; the first frame is a field of its own, shown when the model needs one. */
function buildOptions() {
  const { image_url: imageUrl, ...options } = selectedModel()?.options || {};
  studio.buildOptions(options);
  $('#video-image').hidden = imageUrl !== true;
  $('#video-image-url').required = imageUrl === true;
  $('#video-image-hint').textContent = `${$('#video-model').value} animates an image: give its https address or choose a file.`;
}

function showImage(uri) {
  imageData = uri;
  $('#video-image-preview').hidden = !uri;
  if (uri) $('#video-image-preview').src = uri;
  else $('#video-image-preview').removeAttribute('src');
}

function readImage(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => reject(reader.error));
    reader.readAsDataURL(file);
  });
}

async function chooseImage(input) {
  const file = input.files[0];
  showImage('');
  if (!file) return;
  if (!file.type.startsWith('image/')) { studio.invalid(input, 'Choose an image file (PNG, JPEG or WebP).'); return; }
  try {
    const uri = await readImage(file);
    if (uri.length > MAX_IMAGE_URI) { studio.invalid(input, 'This image is too large: choose one under about 3.5 MB, or give its address.'); return; }
    // A file replaces an address given before.
    $('#video-image-url').value = '';
    showImage(uri);
    studio.status('', '');
  } catch {
    studio.invalid(input, 'This file could not be read: choose another image.');
  }
}

/** The request body from the form; null (and a message) when something is off. */
function readRequest() {
  const prompt = $('#video-prompt');
  if (!prompt.value.trim()) return studio.invalid(prompt, 'Describe the video you want in the prompt.');
  const body = { provider: $('#video-provider').value, model: $('#video-model').value, prompt: prompt.value.trim() };
  if (needsImage()) {
    const url = $('#video-image-url');
    const address = url.value.trim();
    if (address && !/^https:\/\/\S+$/i.test(address)) return studio.invalid(url, 'The image address must start with https://.');
    if (!address && !imageData) return studio.invalid(url, `${body.model} animates an image: give its address or choose an image file.`);
    body.image_url = address || imageData;
  }
  return studio.readOptions(body);
}

studio.start(() => {
  fillModels();
  buildOptions();
  $('#video-provider').addEventListener('change', () => {
    fillModels();
    buildOptions();
    studio.showProvider();
  });
  $('#video-model').addEventListener('change', buildOptions);
  $('#video-image-url').addEventListener('input', () => {
    // An address replaces a file chosen before.
    if (!$('#video-image-url').value.trim() || !imageData) return;
    $('#video-image-file').value = '';
    showImage('');
  });
  $('#video-image-file').addEventListener('change', (event) => chooseImage(event.target));
  studio.bind(readRequest);
});
