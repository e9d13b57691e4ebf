// The header on every page: links, and the account area.

import { currentUser, logout } from './api.js';

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

export async function renderHeader() {
  const header = document.querySelector('header.site-header');
  if (!header) return null;
  header.replaceChildren();
  const logo = link('/', 'WeBox');
  logo.className = 'logo';
  const nav = document.createElement('nav');
  nav.setAttribute('aria-label', 'Main');
  nav.append(link('/', 'Home'), link('/marketplace', 'Marketplace'), link('/pricing', 'Pricing'), link('/cart', 'Cart'));
  const account = document.createElement('div');
  account.className = 'account';
  header.append(logo, nav, account);
  const user = await currentUser();
  if (user) {
    nav.append(link('/studio/chat', 'Studio'));
    const profile = link('/profile', user.name);
    const out = document.createElement('button');
    out.type = 'button';
    out.id = 'logout';
    out.className = 'secondary';
    out.textContent = 'Log out';
    out.addEventListener('click', async () => {
      out.disabled = true;
      await logout();
      location.assign('/');
    });
    account.append(link('/orders', 'Orders'), profile, out);
  } else {
    const signup = link('/register', 'Sign up');
    signup.className = 'button';
    account.append(link('/login', 'Log in'), signup);
  }
  return user;
}
