// AI studio images: the form on the left offers only the options the chosen
// provider and model take; the history on the right shows the generations,
// newest first, with filters (both from `MediaStudio`). `POST
// /api/generation/image` answers once the image is made (a few seconds). A
// failure is recorded too, and shows as a failed card.

import { $, MediaStudio, costText, element } from '../studio-media.js';

/** Width and height of the image asked for, so the card keeps its shape while it loads. */
function dimensions(parameters) {
  const size = /^(\d+)x(\d+)$/.exec(parameters?.size || '');
  if (size) return [size[1], size[2]];
  const ratio = /^(\d+):(\d+)$/.exec(parameters?.aspect_ratio || '');
  return ratio ? [ratio[1], ratio[2]] : null;
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

const studio = new MediaStudio({
  kind: 'image',
  one: 'image',
  many: 'images',
  keyedProviders: new Set(['openai', 'stability']),
  options: {
    labels: {
      size: 'Size', quality: 'Quality', style: 'Style', n: 'Number of images', aspect_ratio: 'Aspect ratio',
      output_format: 'File format', seed: 'Seed', negative_prompt: 'Negative prompt',
    },
    /** The order the options show in (the API's objects have none to rely on); others follow. */
    order: ['size', 'aspect_ratio', 'quality', 'style', 'output_format', 'n', 'seed', 'negative_prompt'],
    /** What the API uses when an option is left out: preselected, so the form shows what will happen. */
    defaults: { size: '1024x1024', quality: 'standard', style: 'vivid', aspect_ratio: '1:1', output_format: 'png' },
    hints: { n: 'empty for one', seed: 'empty for a random one' },
    placeholders: { seed: 'random' },
    textHints: { negative_prompt: 'Optional: what the image should not show.' },
  },
  preview: previews,
  madeText: (generation) => {
    const count = generation.files.length;
    return `${count > 1 ? `${count} images` : 'Image'} ready (${costText(generation)})`;
  },
});

function selectedModel() {
  return studio.selectedProvider()?.models.find((model) => model.id === $('#image-model').value) || null;
}

function fillModels() {
  const models = studio.selectedProvider()?.models || [];
  $('#image-model').replaceChildren(...models.map((model) => new Option(model.id, model.id)));
  $('#image-model').value = models[0]?.id || '';
}

function buildOptions() {
  studio.buildOptions(selectedModel()?.options || {});
}

/** The request body from the form; null (and a message) when something is off. */
function readRequest() {
  const prompt = $('#image-prompt');
  if (!prompt.value.trim()) return studio.invalid(prompt, 'Describe the image you want in the prompt.');
  return studio.readOptions({ provider: $('#image-provider').value, model: $('#image-model').value, prompt: prompt.value.trim() });
}

studio.start(() => {
  fillModels();
  buildOptions();
  $('#image-provider').addEventListener('change', () => {
    fillModels();
    buildOptions();
    studio.showProvider();
  });
  $('#image-model').addEventListener('change', buildOptions);
  studio.bind(readRequest);
});
