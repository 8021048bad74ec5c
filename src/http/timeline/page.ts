import type { PageConfig } from './client/page-config.js';
import { TIMELINE_SCRIPT } from './client-bundle.js';
import { TIMELINE_CSS } from './style.js';

/** JSON that is safe inside a `<script>` element: no `<` can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The whole page: inline CSS and script under the response's nonce, nothing fetched. @internal */
export function timelineHtml(nonce: string, config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>eventrail timeline</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${TIMELINE_CSS}</style>
</head>
<body>
<header class="top">
<a class="brand" id="home">eventrail · timeline</a>
<span id="live" class="live" role="status" aria-live="polite"></span>
</header>
<main id="main" tabindex="-1"><p class="state" data-state="loading">Loading…</p></main>
<script type="application/json" id="timeline-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${TIMELINE_SCRIPT}</script>
</body>
</html>
`;
}
