import { api, storeSession } from '../api.js';
import { bindForm, nextPath } from '../forms.js';
import { renderHeader } from '../nav.js';

renderHeader();
bindForm(document.querySelector('#login-form'), async (values) => {
  const answer = await api('POST', '/api/auth/login', { email: values.email, password: values.password });
  storeSession(answer);
  location.assign(nextPath('/profile'));
});
