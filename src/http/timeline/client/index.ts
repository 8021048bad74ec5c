import { CORE_JS } from './core.js';
import { DETAILS_JS } from './details.js';
import { FILTERS_JS } from './filters.js';
import { LANES_JS } from './lanes.js';
import { LIVE_JS } from './live.js';
import { PROJECT_JS } from './project.js';
import { SESSION_JS } from './session.js';
import { STRIP_JS } from './strip.js';

/** Starts the view the page is for; an error of a route shows as the page's state. */
const BOOT_JS = `
document.getElementById('home').href = pageUrl(null);
(CONFIG.sessionId || location.search ? sessionView() : projectView()).catch(showState);
`;

/**
 * The page's script: plain ES2020 in one strict-mode function, no framework, no build step.
 * @internal
 */
export const TIMELINE_SCRIPT = [
  "(function () {\n'use strict';",
  CORE_JS,
  STRIP_JS,
  PROJECT_JS,
  LANES_JS,
  FILTERS_JS,
  DETAILS_JS,
  LIVE_JS,
  SESSION_JS,
  BOOT_JS,
  '})();',
].join('\n');
