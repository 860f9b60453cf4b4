import { html } from 'hono/html'

// Server-rendered HTML only: no scripts, no CDNs, one stylesheet from this server, so every page works
// offline, prints, and is fully usable with a keyboard. Colours keep a contrast ratio of at least 4.5:1 on white.

export const STYLESHEET_PATH = '/ui.css'

export const STYLESHEET = `
:root{color-scheme:light;--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--link:#0550ae;--bg-alt:#f6f8fa;--focus:#bf3989}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--ink);background:#fff}
a{color:var(--link)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header.top{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.5rem;border-bottom:1px solid var(--line);background:var(--bg-alt)}
header.top .brand{font-weight:700;color:var(--ink);text-decoration:none}
header.top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
header.top nav a[aria-current=page]{font-weight:700;color:var(--ink)}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.3rem;z-index:1}
main{padding:1rem 1.5rem 3rem;max-width:1400px}
h1{font-size:1.5rem;margin:.4rem 0 .8rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;margin:.3rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--bg-alt);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.muted{color:var(--muted)}
.status{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:12px;font-weight:600;border:1px solid}
.status-finished{color:#116329;border-color:#116329}.status-failed{color:#a40e26;border-color:#a40e26}
.status-running{color:#7d4e00;border-color:#7d4e00}.status-cached{color:#0550ae;border-color:#0550ae}
.badge{display:inline-block;padding:0 .45rem;margin:0 .2rem .2rem 0;border-radius:.3rem;background:#ddf4ff;color:#0a3069;font-size:12px;font-weight:600}
.pass{color:#116329}.fail{color:#a40e26;font-weight:600}
ul.gates{list-style:none;padding:0;margin:0;font-size:12px;min-width:18rem}
.small{font-size:12px}
.scroll{overflow-x:auto;max-width:100%}
td code,.nowrap{white-space:nowrap}
tbody.group{border-top:2px solid var(--line)}
tr.trial td.name{padding-left:2rem}
tr.trial td.name::before{content:"↳ ";color:var(--muted)}
tr.context td{color:var(--muted)}
tr.differs th,tr.differs td{background:#fff8c5}
.controls{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;margin:.5rem 0 1rem}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:.15rem}
.controls input,.controls select{font:inherit;color:var(--ink);padding:.25rem .4rem;border:1px solid #8c959f;border-radius:.3rem;background:#fff}
.controls input[name=filter]{width:28rem;max-width:90vw}
button{font:inherit;padding:.3rem .8rem;border:1px solid #1f6feb;border-radius:.3rem;background:#0969da;color:#fff;cursor:pointer}
.error{border:1px solid #a40e26;background:#ffebe9;color:#82071e;padding:.5rem .8rem;border-radius:.3rem}
.note{border-left:4px solid var(--line);padding:.3rem .8rem;color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.3rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure.chart{margin:0;border:1px solid var(--line);border-radius:.4rem;padding:.5rem}
figure.chart figcaption{font-weight:600;margin-bottom:.2rem}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0;margin:.2rem 0 0;font-size:12px}
.legend svg{vertical-align:middle;margin-right:.3rem}
ol.timeline{list-style:none;padding:0;margin:.3rem 0;border-left:3px solid var(--line)}
ol.timeline li{position:relative;padding:.2rem 0 .8rem 1rem}
ol.timeline li::before{content:"";position:absolute;left:-.45rem;top:.55rem;width:.6rem;height:.6rem;border-radius:50%;background:#0969da}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`

export type Section = 'runs' | 'compare' | 'models' | 'api'

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'runs', href: '/', label: 'Runs' },
  { section: 'compare', href: '/compare', label: 'Compare' },
  { section: 'models', href: '/models', label: 'Models' },
  { section: 'api', href: '/docs', label: 'API' },
]

/** The frame every page shares: a skip link, the navigation, and one <main> landmark. */
export function page(title: string, section: Section, body: unknown) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Tarmac</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">Tarmac</a><nav aria-label="Sections"><ul>
${NAV.map((n) => html`<li><a href="${n.href}"${n.section === section ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
</ul></nav></header>
<main id="main">${body}</main></body></html>`
}

/** A wide table in a region that scrolls sideways on a narrow screen; focusable, so the keyboard can scroll it too. */
export const scrollRegion = (label: string, content: unknown) =>
  html`<div class="scroll" role="region" aria-label="${label}" tabindex="0">${content}</div>`

export const statusBadge = (status: string) => html`<span class="status status-${status}">${status}</span>`

/** Four significant digits for fractions, thousands separators for large or whole numbers. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 })
  return Number(value.toPrecision(4)).toString()
}

export const formatTime = (date: Date | null) => (date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—')

export function formatDuration(milliseconds: number | null): string {
  if (milliseconds === null) return '—'
  const seconds = Math.max(0, milliseconds / 1000)
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`
  return `${(size / 1024 / 1024).toFixed(1)} MiB`
}

export const shortId = (id: string) => id.slice(0, 8)

export const runLink = (run: { id: string; name: string }) =>
  html`<a href="/runs/${encodeURIComponent(run.id)}">${run.name}</a> <code class="muted">${shortId(run.id)}</code>`

export const modelVersionHref = (name: string, version: number) => `/models/${encodeURIComponent(name)}#v${version}`

/** Key → value pairs as a two-column table, or a line saying there are none. */
export function keyValueTable(caption: string, rows: [string, unknown][], empty: string) {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`
  return html`<table><caption class="visually-hidden">${caption}</caption><thead><tr><th scope="col">key</th><th scope="col">value</th></tr></thead>
<tbody>${rows.map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td>${v}</td></tr>`)}</tbody></table>`
}
