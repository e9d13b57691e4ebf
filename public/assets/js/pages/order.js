import { accessToken, api, currentUser } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';
import { badge, METHODS, STATUS_TEXT, when } from '../orders-common.js';
import { money } from '../shop.js';

const $ = (selector) => document.querySelector(selector);
const id = new URLSearchParams(location.search).get('id') || '';

function message(text, kind = 'error') {
  $('#order-message').textContent = text;
  $('#order-message').className = `form-status ${kind}`;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function show(order) {
  document.title = `Order ${order.order_id.slice(0, 8)} — WeBox`;
  $('#order-id').textContent = order.order_id.slice(0, 8);
  badge($('#order-status'), order.status);
  $('#order-lines').replaceChildren(...order.lines.map((line) => {
    const tr = document.createElement('tr');
    tr.append(cell(line.title), cell(money(line.unit_price_minor, order.currency)), cell(String(line.quantity)), cell(money(line.line_total_minor, order.currency)));
    return tr;
  }));
  $('#order-subtotal').textContent = money(order.subtotal_minor, order.currency);
  $('#order-discount').textContent = order.discount_minor ? `−${money(order.discount_minor, order.currency)}${order.promo_code ? ` (${order.promo_code})` : ''}` : money(0, order.currency);
  $('#order-total').textContent = money(order.total_minor, order.currency);
  $('#order-method').textContent = METHODS[order.payment_method] || order.payment_method;
  $('#order-refund').hidden = !order.refund;
  if (order.refund) {
    $('#order-refund').textContent = order.refund.status === 'manual'
      ? `${money(order.refund.amount_minor, order.refund.currency)} will be sent back to you by bank transfer.`
      : `${money(order.refund.amount_minor, order.refund.currency)} refunded to your ${METHODS[order.refund.provider] || order.refund.provider}.`;
  }
  const pending = order.status === 'pending_payment';
  $('#order-pay').hidden = !pending;
  $('#order-pay').href = `/checkout?order=${encodeURIComponent(order.order_id)}`;
  $('#order-invoice').hidden = !order.invoice;
  if (order.invoice) $('#order-invoice').textContent = `Download invoice ${order.invoice.number}`;
  $('#order-cancel').hidden = !(pending || order.status === 'paid');
  $('#order-cancel').textContent = order.status === 'paid' ? 'Cancel and refund' : 'Cancel order';
  $('#order-timeline').replaceChildren(...order.history.map((step) => {
    const li = document.createElement('li');
    li.dataset.status = step.to_status;
    const time = document.createElement('time');
    time.dateTime = new Date(step.at * 1000).toISOString();
    time.textContent = when(step.at);
    const what = document.createElement('strong');
    what.textContent = ` ${STATUS_TEXT[step.to_status] || step.to_status}`;
    li.append(time, what);
    if (step.note) {
      const note = document.createElement('p');
      note.className = 'hint';
      note.textContent = step.note;
      li.append(note);
    }
    return li;
  }));
}

async function load() {
  show((await api('GET', `/api/orders/${encodeURIComponent(id)}`)).order);
}

/** The invoice needs the access token, so it is fetched and saved as a file. */
async function downloadInvoice() {
  const reply = await fetch(`/api/orders/${encodeURIComponent(id)}/invoice`, { headers: { Authorization: `Bearer ${accessToken()}` } });
  if (!reply.ok) {
    const body = await reply.json().catch(() => ({}));
    throw new Error(body.message || 'The invoice could not be downloaded.');
  }
  const name = /filename="([^"]+)"/.exec(reply.headers.get('Content-Disposition') || '')?.[1] || 'invoice.pdf';
  const url = URL.createObjectURL(await reply.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.id = 'invoice-link';
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 60_000);
}

async function main() {
  await renderHeader();
  if (!(await currentUser())) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  await load();
  $('#order-invoice').addEventListener('click', async () => {
    $('#order-invoice').disabled = true;
    try { await downloadInvoice(); message(''); } catch (error) { message(error.message); } finally { $('#order-invoice').disabled = false; }
  });
  $('#order-cancel').addEventListener('click', async () => {
    const paidAlready = $('#order-cancel').textContent.includes('refund');
    if (!confirm(paidAlready ? 'Cancel this order? Your payment will be refunded.' : 'Cancel this order?')) return;
    $('#order-cancel').disabled = true;
    try {
      show((await api('POST', `/api/orders/${encodeURIComponent(id)}/cancel`, {})).order);
      message('The order is cancelled.', 'ok');
    } catch (error) {
      message(messageFor(error));
    } finally {
      $('#order-cancel').disabled = false;
    }
  });
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  message(messageFor(error));
  document.querySelector('main').removeAttribute('aria-busy');
});
