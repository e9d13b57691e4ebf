import { renderHeader } from '../nav.js';

renderHeader();
