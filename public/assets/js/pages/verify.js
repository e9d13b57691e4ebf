import { api } from '../api.js';
import { messageFor } from '../forms.js';
import { renderHeader } from '../nav.js';

renderHeader();
const result = document.querySelector('#verify-result');
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);
if (!token) {
  result.textContent = 'This page needs the link from the confirmation email.';
} else {
  api('POST', '/api/auth/verify-email', { token })
    .then(({ user }) => {
      result.textContent = `Thank you: ${user.email} is confirmed.`;
      result.classList.add('success');
    })
    .catch((error) => {
      result.textContent = messageFor(error);
    });
}
