import { api, currentUser } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';
import { badge, METHODS, when } from '../orders-common.js';
import { money } from '../shop.js';

const $ = (selector) => document.querySelector(selector);
const PER_PAGE = 10;

function row(order) {
  const tr = document.createElement('tr');
  tr.dataset.orderId = order.order_id;
  const id = document.createElement('td');
  const a = document.createElement('a');
  a.href = `/order?id=${encodeURIComponent(order.order_id)}`;
  a.textContent = order.order_id.slice(0, 8);
  id.append(a);
  const cells = [when(order.created_at), METHODS[order.payment_method] || order.payment_method, money(order.total_minor, order.currency)]
    .map((text) => { const td = document.createElement('td'); td.textContent = text; return td; });
  const status = document.createElement('td');
  const span = document.createElement('span');
  badge(span, order.status);
  status.append(span);
  tr.append(id, ...cells, status);
  return tr;
}

async function show(page) {
  const list = await api('GET', `/api/orders/list?page=${page}&per_page=${PER_PAGE}`);
  const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
  $('#orders-empty').hidden = list.total > 0;
  $('#orders').hidden = list.total === 0;
  $('#orders-rows').replaceChildren(...list.orders.map(row));
  $('#orders-page').textContent = `Page ${page} of ${pages}`;
  $('#orders-prev').disabled = page <= 1;
  $('#orders-next').disabled = page >= pages;
  $('#orders-prev').onclick = () => show(page - 1);
  $('#orders-next').onclick = () => show(page + 1);
}

async function main() {
  await renderHeader();
  if (!(await currentUser())) {
    location.assign(`/login?next=${encodeURIComponent('/orders')}`);
    return;
  }
  await show(1);
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  $('#orders-status').textContent = messageFor(error);
  $('#orders-status').className = 'form-status error';
  document.querySelector('main').removeAttribute('aria-busy');
});
