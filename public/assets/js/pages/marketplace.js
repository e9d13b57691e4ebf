import { api } from '../api.js';
import { messageFor, showStatus, clearErrors, showError } from '../forms.js';
import { renderHeader } from '../nav.js';
import { addToCart, productCard, toMinor } from '../shop.js';

const $ = (selector) => document.querySelector(selector);
const form = $('#search-form');
const PER_PAGE = 12;

/** The listing's state lives in the address, so reloads and links keep it. */
function stateFromUrl() {
  const params = new URLSearchParams(location.search);
  return {
    q: params.get('q') || '',
    category: params.get('category') || '',
    min_price: params.get('min_price') || '',
    max_price: params.get('max_price') || '',
    min_rating: params.get('min_rating') || '',
    in_stock: params.get('in_stock') === 'true',
    sort: params.get('sort') || '',
    page: Number(params.get('page')) || 1,
  };
}

function fillForm(state) {
  $('#search-q').value = state.q;
  $('#filter-category').value = state.category;
  $('#filter-min-price').value = state.min_price ? (Number(state.min_price) / 100).toFixed(2) : '';
  $('#filter-max-price').value = state.max_price ? (Number(state.max_price) / 100).toFixed(2) : '';
  $('#filter-min-rating').value = state.min_rating;
  $('#filter-in-stock').checked = state.in_stock;
  $('#sort').value = state.sort;
}

function apiQuery(state) {
  const params = new URLSearchParams({ page: String(state.page), per_page: String(PER_PAGE) });
  for (const key of ['q', 'category', 'min_price', 'max_price', 'min_rating', 'sort']) {
    if (state[key]) params.set(key, state[key]);
  }
  if (state.in_stock) params.set('in_stock', 'true');
  return params;
}

async function load(state) {
  const params = apiQuery(state);
  const page = await api('GET', `/api/products?${params}`);
  const results = $('#results');
  results.replaceChildren(...page.products.map(productCard));
  $('#empty-state').hidden = page.total > 0;
  $('#results-count').textContent = `${page.total} product${page.total === 1 ? '' : 's'}`;
  $('#page-info').textContent = page.total ? `Page ${page.page} of ${page.pages}` : '';
  $('#prev-page').disabled = page.page <= 1;
  $('#next-page').disabled = page.page >= page.pages;
  $('#prev-page').onclick = () => go({ ...state, page: state.page - 1 });
  $('#next-page').onclick = () => go({ ...state, page: state.page + 1 });
}

function go(state) {
  const params = apiQuery(state);
  params.delete('per_page');
  if (state.page === 1) params.delete('page');
  history.pushState(null, '', `/marketplace${params.toString() ? `?${params}` : ''}`);
  return load(state).catch((error) => showStatus(form, messageFor(error)));
}

async function main() {
  renderHeader();
  const { categories } = await api('GET', '/api/categories');
  for (const c of categories) {
    const option = document.createElement('option');
    option.value = c.slug;
    option.textContent = `${c.name} (${c.product_count})`;
    $('#filter-category').append(option);
  }
  const state = stateFromUrl();
  fillForm(state);
  await load(state);
  document.querySelector('main').removeAttribute('aria-busy');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const min = toMinor($('#filter-min-price').value);
    const max = toMinor($('#filter-max-price').value);
    if (Number.isNaN(min) || Number.isNaN(max)) {
      showStatus(form, 'Prices are amounts like 12 or 12.50.');
      return;
    }
    const next = {
      q: $('#search-q').value.trim(),
      category: $('#filter-category').value,
      min_price: min === null ? '' : String(min),
      max_price: max === null ? '' : String(max),
      min_rating: $('#filter-min-rating').value,
      in_stock: $('#filter-in-stock').checked,
      sort: $('#sort').value,
      page: 1,
    };
    try {
      await go(next);
    } catch (error) {
      showError(form, error);
    }
  });

  $('#results').addEventListener('click', async (event) => {
    const button = event.target.closest('.add-to-cart');
    if (!button) return;
    button.disabled = true;
    try {
      const { cart } = await addToCart(button.dataset.productId);
      $('#cart-status').textContent = `Added. Your cart has ${cart.item_count} item${cart.item_count === 1 ? '' : 's'}.`;
    } catch (error) {
      $('#cart-status').textContent = messageFor(error);
    }
    button.disabled = false;
  });
  window.addEventListener('popstate', () => {
    const s = stateFromUrl();
    fillForm(s);
    load(s);
  });
}

main().catch((error) => showStatus(form, messageFor(error)));
