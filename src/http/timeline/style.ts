/** The page's stylesheet: light and dark schemes, one column on a narrow window. @internal */
export const TIMELINE_CSS = `
:root {
  --bg: #f7f7f9; --panel: #ffffff; --fg: #1d2330; --muted: #5b6475; --line: #d9dce3;
  --accent: #2457c5; --err: #c4161c; --err-bg: #fde8e8; --warn: #b45309; --ok: #15803d;
  --span: #dbe5fb; --span-timeout: #fde2c8; --mark: #6b7486; --agent: #7c3aed; --tool: #9bd3c6; --llm: #0e7490;
  --risk-low: #16a34a; --risk-medium: #d97706; --risk-high: #ea580c; --risk-critical: #be123c;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151c; --panel: #1a1f29; --fg: #e4e8f0; --muted: #9aa3b5; --line: #2e3544;
    --accent: #7aa2ff; --err: #ff6b6b; --err-bg: #3a1d22; --warn: #fbbf24; --ok: #4ade80;
    --span: #243457; --span-timeout: #4a3320; --mark: #8d96a8; --agent: #b794f6; --tool: #1f5f55; --llm: #22d3ee;
    --risk-low: #4ade80; --risk-medium: #fbbf24; --risk-high: #fb923c; --risk-critical: #fb7185;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 600; text-decoration: none; color: var(--fg); }
.live { margin-left: auto; font-size: .85rem; color: var(--muted); }
.live[data-live="on"]::before { content: "● "; color: var(--ok); }
main { padding: 1rem 1.2rem 2rem; max-width: 1600px; margin: 0 auto; outline: none; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
.muted { color: var(--muted); }
.state { padding: 2rem; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.state[data-state="not-found"] h1, .state[data-state="error"] h1 { color: var(--err); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; min-width: 0; }
.strip { contain: content; display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
.counts { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; max-height: 12rem; overflow: auto; }
.counts li { display: grid; grid-template-columns: minmax(8rem, 14rem) 3.5rem 1fr; gap: .5rem; align-items: center; font-size: .85rem; }
.counts .name { padding-bottom: 2px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.counts .n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { height: .55rem; border-radius: 3px; background: var(--accent); width: var(--w); min-width: 2px; }
.bar.error { background: var(--err); }
.spark { display: flex; align-items: flex-end; gap: 2px; height: 4.5rem; border-bottom: 1px solid var(--line); }
.spark span { flex: 1 1 0; max-width: 2rem; background: var(--err); height: var(--h); min-height: 1px; border-radius: 2px 2px 0 0; }
.spark span.none { background: var(--line); }
table { border-collapse: collapse; width: 100%; }
.table-wrap { overflow-x: auto; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { color: var(--err); font-weight: 600; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
.session { display: grid; grid-template-columns: minmax(0, 1fr) 22rem; gap: 1rem; align-items: start; }
.session > .wide { grid-column: 1 / -1; }
.session > .body { min-width: 0; }
.side { position: sticky; top: .5rem; min-width: 0; }
.totals { display: flex; flex-wrap: wrap; gap: .3rem 1.6rem; margin: 0; }
.totals div { display: grid; }
.totals dt { font-size: .75rem; color: var(--muted); }
.totals dd { margin: 0; font-size: 1.05rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.totals dd.err { color: var(--err); }
.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; }
.filters label { display: grid; gap: 2px; font-size: .8rem; color: var(--muted); }
.filters label.check { display: flex; align-items: center; gap: .3rem; color: var(--fg); font-size: .9rem; }
input, select, button { font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line); border-radius: 5px; padding: .25rem .45rem; }
button { cursor: pointer; }
.tl-scroll { contain: content; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.lane, .axis { display: flex; width: max-content; min-width: 100%; min-height: 2.6rem; border-bottom: 1px solid var(--line); }
.axis { min-height: 1.6rem; font-size: .72rem; color: var(--muted); }
.lane-name { position: sticky; left: 0; z-index: 3; flex: 0 0 9rem; padding: .5rem .6rem; background: var(--panel); border-right: 1px solid var(--line); font-weight: 600; font-size: .85rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.track { position: relative; flex: 0 0 auto; min-height: 4.6rem; }
.axis .track { min-height: 1.6rem; }
.tick { position: absolute; top: .3rem; white-space: nowrap; border-left: 1px solid var(--line); padding-left: 3px; }
.mark { position: absolute; top: .45rem; width: 12px; height: 12px; padding: 0; border-radius: 50%; border: 2px solid var(--panel); background: var(--mark); z-index: 2; }
.mark.k-agent { background: var(--agent); border-radius: 3px; }
.mark.k-tool { border-radius: 2px; transform: rotate(45deg); }
.mark.risk-low { background: var(--risk-low); }
.mark.risk-medium { background: var(--risk-medium); }
.mark.risk-high { background: var(--risk-high); }
.mark.risk-critical { background: var(--risk-critical); }
.mark.k-approval { background: var(--accent); }
.mark.k-llm { background: var(--llm); border-radius: 50% 50% 3px 3px; }
.mark.k-warn { background: var(--warn); border-radius: 0; clip-path: polygon(50% 0, 100% 100%, 0 100%); width: 14px; height: 14px; }
.mark.k-error { background: var(--err); width: 16px; height: 16px; top: .3rem; box-shadow: 0 0 0 3px var(--err-bg); }
.mark[aria-pressed="true"] { outline: 3px solid var(--fg); outline-offset: 1px; }
.span { position: absolute; top: .65rem; height: 6px; background: var(--span); border-radius: 3px; z-index: 1; }
.span.timed_out, .span.rejected { background: var(--span-timeout); }
.span.tool { background: var(--tool); top: .6rem; height: 8px; }
.span.tool.failed { background: var(--err-bg); box-shadow: inset 0 0 0 1px var(--err); }
.span.open { background-image: repeating-linear-gradient(90deg, transparent 0 6px, var(--panel) 6px 9px); }
.label { position: absolute; top: 1.35rem; max-width: 160px; font-size: .72rem; color: var(--fg); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; z-index: 2; }
.label.level-1 { top: 2.4rem; }
.label.level-2 { top: 3.45rem; }
.span-label { color: var(--muted); }
.err-label { font-weight: 600; color: var(--err); background: var(--err-bg); border-radius: 4px; padding: 0 .3rem; }
.wf { border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.wf-scroll { contain: strict; height: min(60vh, 26rem); overflow-y: auto; overflow-x: hidden; position: relative; }
.wf-space { position: relative; }
.wf-body { position: absolute; inset: 0; }
.wf-body > .wf-row { position: absolute; left: 0; right: 0; }
.wf-row { display: grid; grid-template-columns: 6.6rem 7rem minmax(6rem, 1fr) 5.2rem 5.5rem 4.2rem 4.2rem 4.2rem; gap: .5rem; align-items: center; height: 26px; padding: 0 .6rem; font-size: .82rem; border-bottom: 1px solid var(--line); cursor: pointer; }
.wf-row > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.wf-row .num { text-align: right; font-variant-numeric: tabular-nums; }
.wf-row .time { font-variant-numeric: tabular-nums; color: var(--muted); }
.wf-head { font-weight: 600; font-size: .75rem; color: var(--muted); cursor: default; border-bottom: 1px solid var(--line); }
.wf-row[aria-selected="true"] { background: var(--span); }
.wf:focus-visible .wf-row[aria-selected="true"] { outline: 2px solid var(--accent); outline-offset: -2px; }
.wf-label { display: flex; align-items: center; gap: .4rem; }
.wf-label .mark { position: static; flex: 0 0 auto; width: 10px; height: 10px; border-width: 1px; box-shadow: none; }
.wf-label .text { overflow: hidden; text-overflow: ellipsis; }
.status.s-failed, .status.s-error { color: var(--err); font-weight: 600; }
.status.s-open, .status.s-pending { color: var(--warn); }
.status.s-ok, .status.s-approved { color: var(--ok); }
.status.s-timed_out, .status.s-rejected { color: var(--warn); }
.details dl { display: grid; grid-template-columns: auto 1fr; gap: .15rem .6rem; margin: 0 0 .6rem; font-size: .85rem; }
.details dt { color: var(--muted); }
.details dd { margin: 0; overflow-wrap: anywhere; }
.json { margin: 0; padding: .6rem; background: var(--bg); border-radius: 6px; font: .8rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 28rem; overflow: auto; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .8rem; color: var(--muted); margin-top: .5rem; }
.legend .mark, .legend .span { position: static; display: inline-block; vertical-align: middle; margin-right: .3rem; }
.legend .span { width: 1.4rem; }
.more { margin-top: .6rem; }
@media (max-width: 900px) {
  .session, .strip { grid-template-columns: minmax(0, 1fr); }
  .side { position: static; }
  .wf-row { grid-template-columns: 5.6rem minmax(4rem, 1fr) minmax(5rem, 2fr) 4.6rem; }
  .wf-row > :nth-child(n+5) { display: none; }
  .lane-name { flex-basis: 6rem; }
  main { padding: .7rem; }
}
`;
