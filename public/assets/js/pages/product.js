import { api, currentUser } from '../api.js';
import { bindForm, messageFor, showStatus } from '../forms.js';
import { renderHeader } from '../nav.js';
import { addToCart, money, stars } from '../shop.js';

const $ = (selector) => document.querySelector(selector);

function reviewItem(review) {
  const item = document.createElement('div');
  item.className = 'review';
  const head = document.createElement('p');
  const strong = document.createElement('strong');
  strong.textContent = review.author_name;
  head.append(strong, ` ${stars(review.rating)}${review.verified_purchase ? ' · verified purchase' : ''}`);
  const text = document.createElement('p');
  text.textContent = review.text;
  item.append(head, text);
  return item;
}

async function loadReviews(product) {
  const { reviews, total } = await api('GET', `/api/products/${product.id}/reviews?per_page=20`);
  $('#review-list').replaceChildren(...reviews.map(reviewItem));
  $('#reviews-empty').hidden = total > 0;
}

async function main() {
  const userPromise = renderHeader();
  const key = new URLSearchParams(location.search).get('slug') || new URLSearchParams(location.search).get('id');
  let detail;
  try {
    detail = await api('GET', `/api/products/${encodeURIComponent(key || '')}`);
  } catch {
    $('#product-missing').hidden = false;
    document.querySelector('main').removeAttribute('aria-busy');
    return;
  }
  const { product, rating } = detail;
  document.title = `${product.title} — WeBox`;
  if (product.images[0]) $('#product-image').src = product.images[0];
  $('#product-image').alt = product.title;
  $('#product-category').textContent = product.category;
  $('#product-title').textContent = product.title;
  $('#product-price').textContent = money(product.price_minor, product.currency);
  $('#product-stock').textContent = product.stock === null ? 'Available' : product.stock > 0 ? `${product.stock} in stock` : 'Sold out';
  $('#product-rating').textContent = rating.count ? `${stars(rating.average)} ${rating.average.toFixed(1)} (${rating.count} review${rating.count === 1 ? '' : 's'})` : 'No reviews yet';
  $('#product-description').textContent = product.description;
  $('#add-to-cart').disabled = !product.in_stock;
  $('#product').hidden = false;
  $('#reviews').hidden = false;
  await loadReviews(product);

  const buy = $('#buy-form');
  bindForm(buy, async (values) => {
    const { cart } = await addToCart(product.id, Number(values.quantity));
    showStatus(buy, `Added. Your cart has ${cart.item_count} item${cart.item_count === 1 ? '' : 's'}.`, 'ok');
  });

  const user = await userPromise;
  if (user) {
    const wish = $('#wishlist-toggle');
    wish.hidden = false;
    wish.addEventListener('click', async () => {
      wish.disabled = true;
      try {
        await api('POST', '/api/wishlist', { product_id: product.id });
        wish.textContent = 'Saved to your wishlist';
      } catch (error) {
        showStatus(buy, messageFor(error));
        wish.disabled = false;
      }
    });
    const reviewForm = $('#review-form');
    reviewForm.hidden = false;
    bindForm(reviewForm, async (values) => {
      await api('POST', `/api/products/${product.id}/reviews`, { rating: Number(values.rating), text: values.text });
      reviewForm.hidden = true;
      await loadReviews(product);
    });
  } else {
    $('#review-login').hidden = false;
  }
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  $('#product-missing').hidden = false;
  $('#product-missing').textContent = messageFor(error);
});
