// Checkout: the cart becomes an order (one Idempotency-Key per attempt, so a
// double click or a retry never makes two), then it is paid with the chosen
// method. Card: Stripe.js Elements when Stripe is real; against the local
// simulator, a test-card picker that confirms the PaymentIntent the way
// Stripe.js does. PayPal: off to the approval page and back here to capture.
// Bank transfer: the reference and account to pay.

import { api, ApiError, currentUser } from '../api.js';
import { bindForm, messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';
import { money } from '../shop.js';

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);

function status(text, kind = 'error') {
  const el = $('#checkout-status');
  el.textContent = text;
  el.className = `form-status ${kind}`;
}

function attemptKey() {
  let key = sessionStorage.getItem('webox.checkout-key');
  if (!key) {
    key = `checkout-${crypto.randomUUID()}`;
    sessionStorage.setItem('webox.checkout-key', key);
  }
  return key;
}

async function placeOrder(method) {
  const { order } = await api('POST', '/api/orders/checkout', { payment_method: method }, { 'Idempotency-Key': attemptKey() });
  sessionStorage.removeItem('webox.checkout-key');
  return order;
}

function showCart(cart) {
  const rows = cart.lines.map((line) => {
    const tr = document.createElement('tr');
    const cells = [line.title, String(line.quantity), money(line.line_total_minor, cart.currency)];
    tr.append(...cells.map((text) => { const td = document.createElement('td'); td.textContent = text; return td; }));
    return tr;
  });
  $('#place-lines').replaceChildren(...rows);
  $('#place-subtotal').textContent = money(cart.subtotal_minor, cart.currency);
  $('#place-discount').textContent = cart.discount_minor ? `−${money(cart.discount_minor, cart.currency)}` : money(0, cart.currency);
  $('#place-total').textContent = money(cart.total_minor, cart.currency);
}

function paid(order) {
  ['#pay-stripe', '#pay-paypal', '#pay-bank'].forEach((s) => { $(s).hidden = true; });
  $('#pay-done').hidden = false;
  $('#pay-done-link').href = `/order?id=${encodeURIComponent(order.order_id)}`;
  $('#pay-status').textContent = 'paid';
  $('#pay-status').className = 'badge ok';
}

async function refreshOrder(id) {
  return (await api('GET', `/api/orders/${encodeURIComponent(id)}`)).order;
}

function busy(button, on) {
  button.disabled = on;
  button.setAttribute('aria-busy', String(on));
}

async function stripeSection(order) {
  $('#pay-stripe').hidden = false;
  const intent = await api('POST', '/api/payment/stripe/create-intent', { order_id: order.order_id });
  let confirmCard;
  if (intent.test_api_base) {
    $('#stripe-test').hidden = false;
    confirmCard = async () => {
      const form = new URLSearchParams({
        payment_method: $('#stripe-test-card').value,
        key: intent.publishable_key || '',
        client_secret: intent.client_secret,
      });
      const reply = await fetch(`${intent.test_api_base}/v1/payment_intents/${intent.payment_intent_id}/confirm`, { method: 'POST', body: form });
      if (!reply.ok) {
        const body = await reply.json().catch(() => ({}));
        throw new Error(body?.error?.message || 'The card payment failed.');
      }
    };
  } else {
    // The real Stripe: Stripe.js and a card Element.
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = 'https://js.stripe.com/v3/';
      script.onload = resolve;
      script.onerror = () => reject(new Error('Stripe could not be loaded. Check your connection, or pay with PayPal or bank transfer.'));
      document.head.append(script);
    });
    const stripe = window.Stripe(intent.publishable_key);
    const card = stripe.elements().create('card');
    $('#stripe-card').hidden = false;
    card.mount('#stripe-card-element');
    confirmCard = async () => {
      const result = await stripe.confirmCardPayment(intent.client_secret, { payment_method: { card } });
      if (result.error) throw new Error(result.error.message);
    };
  }
  const button = $('#stripe-pay');
  button.addEventListener('click', async () => {
    busy(button, true);
    status('');
    try {
      await confirmCard();
      // WeBox asks Stripe itself before the order counts as paid.
      await api('POST', '/api/payment/stripe/confirm', { order_id: order.order_id });
      paid(order);
    } catch (error) {
      status(error instanceof ApiError || !error.message ? messageFor(error) : error.message);
    } finally {
      busy(button, false);
    }
  });
}

async function paypalSection(order) {
  $('#pay-paypal').hidden = false;
  if (params.get('paypal') === 'cancel') $('#paypal-cancelled').hidden = false;
  const button = $('#paypal-pay');
  if (params.get('paypal') === 'return') {
    busy(button, true);
    status('Confirming your PayPal payment…', 'ok');
    try {
      await api('POST', '/api/payment/paypal/capture', { order_id: order.order_id });
      status('', 'ok');
      paid(order);
      return;
    } catch (error) {
      status(messageFor(error));
    } finally {
      busy(button, false);
    }
  }
  button.addEventListener('click', async () => {
    busy(button, true);
    status('');
    try {
      const created = await api('POST', '/api/payment/paypal/create-order', { order_id: order.order_id });
      location.assign(created.approval_url);
    } catch (error) {
      status(messageFor(error));
      busy(button, false);
    }
  });
}

async function bankSection(order) {
  $('#pay-bank').hidden = false;
  const { bank_transfer: bank } = await api('POST', '/api/payment/bank-transfer/generate', { order_id: order.order_id });
  $('#bank-amount').textContent = money(bank.amount_minor, bank.currency);
  $('#bank-name').textContent = bank.beneficiary.name;
  $('#bank-iban').textContent = bank.beneficiary.iban.replace(/(.{4})/g, '$1 ').trim();
  $('#bank-bic').textContent = bank.beneficiary.bic;
  $('#bank-reference').textContent = bank.reference_grouped;
  $('#bank-instructions').textContent = bank.instructions;
  $('#bank-received').textContent = money(bank.received_minor, bank.currency);
  // The order page updates once the transfer has been received.
  const poll = setInterval(async () => {
    try {
      const now = await refreshOrder(order.order_id);
      if (now.status === 'paid' || now.status === 'processing') {
        clearInterval(poll);
        $('#pay-done-text').textContent = 'Your transfer has arrived. Thank you!';
        paid(now);
      }
    } catch { /* try again on the next tick */ }
  }, 3000);
}

async function payFor(order) {
  $('#place').hidden = true;
  $('#pay').hidden = false;
  $('#pay-order-id').textContent = order.order_id;
  $('#pay-order-link').href = `/order?id=${encodeURIComponent(order.order_id)}`;
  $('#pay-amount').textContent = money(order.total_minor, order.currency);
  $('#pay-status').textContent = order.status.replace('_', ' ');
  if (order.status !== 'pending_payment') {
    if (['paid', 'processing', 'shipped', 'delivered'].includes(order.status)) paid(order);
    else status(`This order is ${order.status.replace('_', ' ')}.`);
    return;
  }
  if (order.payment_method === 'stripe') await stripeSection(order);
  else if (order.payment_method === 'paypal') await paypalSection(order);
  else await bankSection(order);
}

async function main() {
  const user = await renderHeader();
  if (!user && !(await currentUser())) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  const existing = params.get('order');
  if (existing) {
    await payFor(await refreshOrder(existing));
  } else {
    const { cart } = await api('GET', '/api/cart');
    if (!cart.lines.length) {
      $('#checkout-empty').hidden = false;
    } else {
      showCart(cart);
      $('#place').hidden = false;
      bindForm($('#place-form'), async (values) => {
        const order = await placeOrder(values.payment_method);
        history.replaceState(null, '', `/checkout?order=${encodeURIComponent(order.order_id)}`);
        await payFor(order);
      });
    }
  }
  document.querySelector('main').removeAttribute('aria-busy');
}

main().catch((error) => {
  status(messageFor(error));
  document.querySelector('main').removeAttribute('aria-busy');
});
