// Order helpers shared by the order list and order pages.

export const METHODS = { stripe: 'card (Stripe)', paypal: 'PayPal', bank_transfer: 'bank transfer' };

export const STATUS_TEXT = {
  pending_payment: 'awaiting payment', paid: 'paid', processing: 'processing', shipped: 'shipped',
  delivered: 'delivered', cancelled: 'cancelled', refunded: 'refunded', expired: 'expired',
};

/** A status badge element. */
export function badge(el, status) {
  el.textContent = STATUS_TEXT[status] || status;
  el.dataset.status = status;
  el.className = `badge ${['paid', 'processing', 'shipped', 'delivered'].includes(status) ? 'ok' : ['cancelled', 'refunded', 'expired'].includes(status) ? 'warn' : ''}`;
}

export function when(unix) {
  return new Date(unix * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
