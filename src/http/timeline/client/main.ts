import { CONFIG, pageUrl } from './api.js';
import { projectView } from './project.js';
import { sessionView } from './session.js';
import { showState } from './state.js';

/**
 * The page's script (bundled into the page by scripts/timeline-client.ts): starts the view the
 * page is for; an error of a route shows as the page's state.
 */
const home = document.getElementById('home');
const main = document.getElementById('main');
if (home instanceof HTMLAnchorElement) home.href = pageUrl(null);
if (main) {
  (CONFIG.sessionId || location.search ? sessionView(main) : projectView(main)).catch(showState);
}
