/**
 * The web dashboard: one self-contained page (inline CSS and vanilla JS, charts drawn as SVG, no
 * CDN, no build step) so that it works on a host without internet access, which is where admin
 * endpoints live. It polls `status` and `stats` relative to its own URL, so it works under any
 * prefix a proxy puts it behind.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meshlet admin</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2430; --mute:#6b7483; --line:#e3e6eb; --ok:#1a8f4c; --bad:#c62f2f; --warn:#b7791f; --acc:#2f6fd6; --acc2:#8a46c9; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; gap:24px; align-items:baseline; padding:14px 24px; background:var(--ink); color:#fff; flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .meta { color:#c9d0db; font-size:13px; }
  header .meta b { color:#fff; font-weight:600; }
  #conn { margin-left:auto; font-size:12px; }
  main { padding:18px 24px; display:grid; gap:18px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; min-width:0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--mute); margin:0 0 10px; font-weight:600; }
  .figures { display:flex; gap:28px; margin-bottom:6px; }
  .figure .v { font-size:26px; font-weight:600; font-variant-numeric: tabular-nums; }
  .figure .l { color:var(--mute); font-size:12px; }
  svg.chart { width:100%; height:140px; display:block; }
  svg.chart .grid { stroke:var(--line); stroke-width:1; }
  svg.chart .axis { fill:var(--mute); font-size:10px; }
  svg.chart path.line { fill:none; stroke-width:2; }
  svg.chart path.area { stroke:none; opacity:.12; }
  table { width:100%; border-collapse:collapse; font-size:13px; }
  th { text-align:left; color:var(--mute); font-weight:600; border-bottom:1px solid var(--line); padding:6px 8px; white-space:nowrap; }
  td { border-bottom:1px solid var(--line); padding:6px 8px; vertical-align:top; }
  td.num { text-align:right; font-variant-numeric: tabular-nums; }
  code { font:12px ui-monospace, SFMono-Regular, Menlo, monospace; }
  .pill { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; }
  .up, .online, .closed { background:#e3f5ea; color:var(--ok); }
  .down, .offline, .open { background:#fbe5e5; color:var(--bad); }
  .halfOpen, .not-started { background:#fdf1dc; color:var(--warn); }
  button { font:inherit; font-size:12px; padding:3px 10px; border-radius:5px; border:1px solid var(--line); background:#fff; cursor:pointer; }
  button:hover { border-color:var(--acc); color:var(--acc); }
  .empty { color:var(--mute); font-style:italic; }
  .ref { margin-bottom:14px; }
  .ref h3 { font-size:14px; margin:0 0 4px; }
  .ref .listed { color:var(--mute); font-size:12px; margin-bottom:6px; }
</style>
</head>
<body>
<header>
  <h1>Meshlet</h1>
  <span class="meta">application <b id="app">–</b></span>
  <span class="meta">mode <b id="mode">–</b></span>
  <span class="meta">registry <b id="registry">–</b></span>
  <span class="meta">uptime <b id="uptime">–</b></span>
  <span class="meta">in flight <b id="inflight">–</b></span>
  <span class="meta" id="conn">connecting…</span>
</header>
<main>
  <section>
    <h2>Calls per second</h2>
    <div class="figures">
      <div class="figure"><div class="v" id="cps">0</div><div class="l">calls/s (last second)</div></div>
      <div class="figure"><div class="v" id="eps">0</div><div class="l">errors/s</div></div>
    </div>
    <svg class="chart" id="chart-cps" viewBox="0 0 600 140" preserveAspectRatio="none"></svg>
  </section>
  <section>
    <h2>Latency p99 / p50 (ms)</h2>
    <div class="figures">
      <div class="figure"><div class="v" id="p99">–</div><div class="l">p99 ms (last second)</div></div>
      <div class="figure"><div class="v" id="p50">–</div><div class="l">p50 ms</div></div>
    </div>
    <svg class="chart" id="chart-p99" viewBox="0 0 600 140" preserveAspectRatio="none"></svg>
  </section>
  <section class="wide">
    <h2>Exported services</h2>
    <table id="services"><thead><tr><th>Service</th><th>Protocol</th><th>Address</th><th>State</th><th>Methods</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>References and endpoints</h2>
    <div id="references"></div>
  </section>
</main>
<script>
(function () {
  'use strict';
  var SECONDS = 60;
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function pill(state) { return el('span', { className: 'pill ' + String(state).replace(/ /g, '-'), text: state }); }
  function fmtMs(v) { return v === undefined || v === null ? '–' : (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)); }
  function fmtUptime(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h > 0 ? h + 'h ' + m + 'm' : m > 0 ? m + 'm ' + (s % 60) + 's' : s + 's';
  }
  function setText(id, v) { document.getElementById(id).textContent = v; }

  function renderStatus(s) {
    setText('app', s.application || '(unnamed)');
    setText('mode', s.mode || '–');
    setText('registry', s.registryUrl || s.registry || 'none');
    setText('uptime', fmtUptime(s.uptimeMs || 0));
    var inf = s.inFlight || { client: 0, server: 0 };
    setText('inflight', inf.client + ' out / ' + inf.server + ' in');
    var tbody = document.querySelector('#services tbody');
    tbody.textContent = '';
    var services = s.services || [];
    if (services.length === 0) tbody.appendChild(el('tr', null, [el('td', { colspan: '6', className: 'empty', text: 'no exported services' })]));
    services.forEach(function (svc) {
      var action = svc.state === 'offline' ? 'online' : 'offline';
      var btn = el('button', { className: action + '-btn', text: action === 'offline' ? 'Take offline' : 'Bring online' });
      btn.disabled = svc.state === 'not started';
      btn.addEventListener('click', function () { command(action, svc.service); });
      tbody.appendChild(el('tr', { 'data-service': svc.service, 'data-protocol': svc.protocol }, [
        el('td', null, [el('code', { text: svc.service })]),
        el('td', { text: svc.protocol }),
        el('td', null, [el('code', { text: svc.address || '–' })]),
        el('td', { className: 'state' }, [pill(svc.state)]),
        el('td', { text: (svc.methods || []).join(', ') }),
        el('td', null, [btn]),
      ]));
    });
    var refs = document.getElementById('references');
    refs.textContent = '';
    var references = s.references || [];
    if (references.length === 0) refs.appendChild(el('div', { className: 'empty', text: 'no references' }));
    references.forEach(function (r) {
      var rows = (r.endpoints || []).map(function (e) {
        return el('tr', { 'data-endpoint': e.address }, [
          el('td', null, [el('code', { text: e.address })]),
          el('td', { className: 'health' }, [pill(e.health)]),
          el('td', { className: 'breaker' }, [e.breaker ? pill(e.breaker) : el('span', { className: 'empty', text: 'n/a' })]),
          el('td', { className: 'num', text: String(e.inFlight) }),
          el('td', { className: 'num ewma', text: fmtMs(e.ewmaMs) }),
          el('td', { className: 'num calls', text: String(e.calls) }),
          el('td', { className: 'num', text: String(e.errors) }),
        ]);
      });
      if (rows.length === 0) rows.push(el('tr', null, [el('td', { colspan: '7', className: 'empty', text: 'no endpoints' })]));
      refs.appendChild(el('div', { className: 'ref', 'data-reference': r.service }, [
        el('h3', null, [el('code', { text: r.service }), el('span', { className: 'empty', text: '  over ' + r.protocol })]),
        el('div', { className: 'listed', text: 'registry lists: ' + ((r.listed || []).join(', ') || 'nothing') }),
        el('table', null, [
          el('thead', null, [el('tr', null, ['Endpoint', 'Health', 'Breaker', 'In flight', 'EWMA ms', 'Calls', 'Errors'].map(function (h) { return el('th', { text: h }); }))]),
          el('tbody', null, rows),
        ]),
      ]));
    });
  }

  var NS = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs) { var e = document.createElementNS(NS, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  /** Draws one or more series (arrays of numbers) with a shared y scale and grid lines. */
  function chart(id, series, colors, unit) {
    var svg = document.getElementById(id), W = 600, H = 140, top = 8, bottom = 16, left = 34;
    svg.textContent = '';
    var max = 0;
    series.forEach(function (s) { s.forEach(function (v) { if (v > max) max = v; }); });
    max = max <= 0 ? 1 : niceCeil(max);
    for (var i = 0; i <= 2; i++) {
      var y = top + (H - top - bottom) * (i / 2);
      svg.appendChild(svgEl('line', { x1: left, x2: W, y1: y, y2: y, class: 'grid' }));
      var t = svgEl('text', { x: 2, y: y + 3, class: 'axis' }); t.textContent = fmtAxis(max * (1 - i / 2)) + unit; svg.appendChild(t);
    }
    var label = svgEl('text', { x: left, y: H - 2, class: 'axis' }); label.textContent = '−' + SECONDS + ' s'; svg.appendChild(label);
    series.forEach(function (s, k) {
      if (s.length < 2) return;
      var step = (W - left) / (s.length - 1), d = '';
      s.forEach(function (v, j) {
        var x = left + j * step, y = top + (H - top - bottom) * (1 - v / max);
        d += (j === 0 ? 'M' : 'L') + x.toFixed(1) + ',' + y.toFixed(1);
      });
      var base = (H - bottom).toFixed(1);
      svg.appendChild(svgEl('path', { d: d + 'L' + W + ',' + base + 'L' + left + ',' + base + 'Z', class: 'area', fill: colors[k] }));
      svg.appendChild(svgEl('path', { d: d, class: 'line', stroke: colors[k] }));
    });
  }
  function niceCeil(v) { var p = Math.pow(10, Math.floor(Math.log10(v))); var m = v / p; return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p; }
  function fmtAxis(v) { return v === 0 ? '0' : v >= 1000 ? (v / 1000) + 'k' : v >= 10 ? Math.round(v) : v.toFixed(v >= 1 ? 1 : 2); }

  function renderStats(st) {
    var c = st.client || [], s = st.server || [], n = Math.max(c.length, s.length);
    var calls = [], errors = [], p99 = [], p50 = [];
    for (var i = 0; i < n; i++) {
      var a = c[i] || { calls: 0, errors: 0, p99: 0, p50: 0 }, b = s[i] || { calls: 0, errors: 0, p99: 0, p50: 0 };
      calls.push(a.calls + b.calls);
      errors.push(a.errors + b.errors);
      p99.push(Math.max(a.p99, b.p99));
      p50.push(Math.max(a.p50, b.p50));
    }
    setText('cps', n ? String(calls[n - 1]) : '0');
    setText('eps', n ? String(errors[n - 1]) : '0');
    setText('p99', n && calls[n - 1] > 0 ? fmtMs(p99[n - 1]) : '–');
    setText('p50', n && calls[n - 1] > 0 ? fmtMs(p50[n - 1]) : '–');
    chart('chart-cps', [calls, errors], ['#2f6fd6', '#c62f2f'], '');
    chart('chart-p99', [p99, p50], ['#8a46c9', '#1a8f4c'], '');
  }

  function getJson(path) {
    return fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function command(action, service) {
    fetch(action + '?service=' + encodeURIComponent(service), { method: 'POST', headers: { accept: 'application/json' } })
      .then(function () { return refresh(); });
  }
  function refresh() {
    return Promise.all([getJson('status'), getJson('stats?seconds=' + SECONDS)]).then(function (r) {
      renderStatus(r[0]);
      renderStats(r[1]);
      setText('conn', 'live · ' + new Date().toLocaleTimeString());
      document.body.setAttribute('data-loaded', 'true');
    }, function (err) { setText('conn', 'unreachable: ' + err.message); });
  }
  refresh();
  setInterval(refresh, 1000);
})();
</script>
</body>
</html>
`;
