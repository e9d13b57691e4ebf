// Shop helpers shared by the marketplace, product, cart and pricing pages.

import { api } from './api.js';

/** Minor units → "€12.99" in the visitor's locale (display only). */
export function money(minor, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** "12.5" → 1250, without floating-point arithmetic; null when empty, NaN when invalid. */
export function toMinor(text) {
  const value = text.trim();
  if (!value) return null;
  const match = /^(\d{1,10})(?:[.,](\d{1,2}))?$/.exec(value);
  if (!match) return NaN;
  return Number(match[1]) * 100 + Number((match[2] || '').padEnd(2, '0'));
}

export function stars(average) {
  const full = Math.round(average);
  return '★'.repeat(full) + '☆'.repeat(5 - full);
}

export async function addToCart(productId, quantity = 1) {
  return api('POST', '/api/cart/add', { product_id: productId, quantity });
}

/** A product card for listings. */
export function productCard(product) {
  const card = document.createElement('article');
  card.className = 'product-card';
  card.dataset.productId = product.id;
  const link = `/product?slug=${encodeURIComponent(product.slug)}`;
  if (product.images[0]) {
    const img = document.createElement('img');
    img.src = product.images[0];
    img.alt = '';
    img.loading = 'lazy';
    card.append(img);
  }
  const body = document.createElement('div');
  body.className = 'body';
  const title = document.createElement('h3');
  const a = document.createElement('a');
  a.href = link;
  a.textContent = product.title;
  title.append(a);
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = product.rating_count ? `${stars(product.rating_average)} (${product.rating_count})` : 'No reviews yet';
  const buy = document.createElement('div');
  buy.className = 'buy';
  const price = document.createElement('span');
  price.className = 'price';
  price.textContent = money(product.price_minor, product.currency);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'add-to-cart';
  button.dataset.productId = product.id;
  button.textContent = product.in_stock ? 'Add to cart' : 'Sold out';
  button.disabled = !product.in_stock;
  buy.append(price, button);
  body.append(title, meta, buy);
  card.append(body);
  return card;
}
