import { api } from '../api.js';
import { bindForm, messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';
import { money } from '../shop.js';

const $ = (selector) => document.querySelector(selector);

function lineRow(line, currency) {
  const row = document.createElement('tr');
  row.dataset.productId = line.product_id;
  const name = document.createElement('td');
  const a = document.createElement('a');
  a.href = `/product?slug=${encodeURIComponent(line.slug)}`;
  a.textContent = line.title;
  name.append(a);
  if (line.available !== undefined && line.quantity > line.available) {
    const warn = document.createElement('p');
    warn.className = 'field-error';
    warn.textContent = `Only ${line.available} left`;
    name.append(warn);
  }
  const price = document.createElement('td');
  price.textContent = money(line.unit_price_minor, currency);
  const qtyCell = document.createElement('td');
  const qty = document.createElement('input');
  qty.type = 'number';
  qty.min = '0';
  qty.max = '99';
  qty.value = String(line.quantity);
  qty.className = 'quantity-input qty';
  qty.setAttribute('aria-label', `Quantity of ${line.title}`);
  qtyCell.append(qty);
  const total = document.createElement('td');
  total.className = 'line-total';
  total.textContent = money(line.line_total_minor, currency);
  const actions = document.createElement('td');
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'remove-line danger';
  remove.textContent = 'Remove';
  actions.append(remove);
  row.append(name, price, qtyCell, total, actions);
  return row;
}

function show(cart) {
  const empty = cart.lines.length === 0;
  $('#cart-empty').hidden = !empty;
  $('#cart').hidden = empty;
  $('#cart-lines').replaceChildren(...cart.lines.map((l) => lineRow(l, cart.currency)));
  const currency = cart.currency || 'EUR';
  $('#cart-subtotal').textContent = money(cart.subtotal_minor, currency);
  $('#cart-discount').textContent = cart.discount_minor ? `−${money(cart.discount_minor, currency)}` : money(0, currency);
  $('#cart-total').textContent = money(cart.total_minor, currency);
  const promo = cart.promo;
  $('#promo-remove').hidden = !promo;
  $('#promo-status').textContent = promo
    ? (promo.applied ? `Code ${promo.code} applied.` : `Code ${promo.code} does not apply: ${promo.reason.message}`)
    : '';
  $('#promo-status').className = promo && !promo.applied ? 'form-status error' : 'success';
}

async function change(path, body) {
  const status = $('#cart-status');
  status.textContent = '';
  try {
    show((await api('POST', path, body)).cart);
  } catch (error) {
    status.textContent = messageFor(error);
    status.className = 'form-status error';
    show((await api('GET', '/api/cart')).cart);
  }
}

async function main() {
  renderHeader();
  show((await api('GET', '/api/cart')).cart);
  document.querySelector('main').removeAttribute('aria-busy');

  $('#cart-lines').addEventListener('change', (event) => {
    const input = event.target.closest('.quantity-input');
    if (!input) return;
    const productId = input.closest('tr').dataset.productId;
    change('/api/cart/update', { product_id: productId, quantity: Number(input.value) });
  });
  $('#cart-lines').addEventListener('click', (event) => {
    const button = event.target.closest('.remove-line');
    if (!button) return;
    change('/api/cart/remove', { product_id: button.closest('tr').dataset.productId });
  });
  bindForm($('#promo-form'), async (values) => {
    show((await api('POST', '/api/cart/promo', { code: values.code })).cart);
    $('#promo-code').value = '';
  });
  $('#promo-remove').addEventListener('click', async () => {
    show((await api('DELETE', '/api/cart/promo')).cart);
  });
}

main().catch((error) => {
  $('#cart-empty').hidden = false;
  $('#cart-empty').textContent = messageFor(error);
});
