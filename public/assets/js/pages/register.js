import { api, storeSession } from '../api.js';
import { bindForm } from '../forms.js';
import { renderHeader } from '../nav.js';

renderHeader();
bindForm(document.querySelector('#register-form'), async (values) => {
  const answer = await api('POST', '/api/auth/register', { name: values.name, email: values.email, password: values.password });
  storeSession(answer);
  location.assign('/profile');
});
