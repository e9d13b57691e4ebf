import { api } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';
import { addToCart, money } from '../shop.js';

const $ = (selector) => document.querySelector(selector);

function planCard({ product, plan }) {
  const card = document.createElement('article');
  card.className = 'card';
  card.dataset.productId = product.id;
  const h2 = document.createElement('h2');
  h2.textContent = product.title;
  const price = document.createElement('p');
  price.className = 'price';
  price.textContent = product.price_minor === 0 ? 'Free' : `${money(product.price_minor, product.currency)} / ${plan.billing_interval}`;
  const description = document.createElement('p');
  description.className = 'muted';
  description.textContent = product.description;
  const features = document.createElement('ul');
  for (const f of plan.features) {
    const li = document.createElement('li');
    li.textContent = f;
    features.append(li);
  }
  const choose = document.createElement('button');
  choose.type = 'button';
  choose.className = 'choose-plan';
  choose.textContent = `Choose ${product.title.replace(/ plan$/, '')}`;
  card.append(h2, price, description, features, choose);
  return card;
}

async function main() {
  renderHeader();
  const { plans } = await api('GET', '/api/plans');
  $('#plans').replaceChildren(...plans.map(planCard));
  document.querySelector('main').removeAttribute('aria-busy');
  $('#plans').addEventListener('click', async (event) => {
    const button = event.target.closest('.choose-plan');
    if (!button) return;
    button.disabled = true;
    try {
      await addToCart(button.closest('[data-product-id]').dataset.productId);
      location.assign('/cart');
    } catch (error) {
      $('#pricing-status').textContent = messageFor(error);
      button.disabled = false;
    }
  });
}

main().catch((error) => { $('#pricing-status').textContent = messageFor(error); });
