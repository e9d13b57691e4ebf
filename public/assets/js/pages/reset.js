import { api, forgetSession } from '../api.js';
import { bindForm } from '../forms.js';
import { renderHeader } from '../nav.js';

renderHeader();
// The token travels in the fragment (never sent to servers or logged), and
// leaves the address bar as soon as it is read.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);
const form = document.querySelector('#reset-form');
if (!token) {
  document.querySelector('#reset-missing').hidden = false;
} else {
  form.hidden = false;
  bindForm(form, async (values) => {
    await api('POST', '/api/auth/password/reset', { token, password: values.password });
    forgetSession();
    form.hidden = true;
    document.querySelector('#reset-done').hidden = false;
  });
}
