import { api } from '../api.js';
import { bindForm } from '../forms.js';
import { renderHeader } from '../nav.js';

renderHeader();
const form = document.querySelector('#forgot-form');
bindForm(form, async (values) => {
  const answer = await api('POST', '/api/auth/password/forgot', { email: values.email });
  const done = document.querySelector('#forgot-done');
  done.textContent = answer.message;
  done.hidden = false;
  form.hidden = true;
});
