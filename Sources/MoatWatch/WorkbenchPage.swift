import MoatReports

/// The workbench page: a shell whose only model text (the title) goes through `HTMLText`, the current
/// snapshot as a JSON data block, and a small script that draws everything else with `textContent`
/// (never `innerHTML`) and redraws on every event from `/events`. No external scripts, styles or fonts.
enum WorkbenchPage {
    static func html(title: String, snapshotJSON: String, nonce: String) -> String {
        let t = HTMLText.escape(title)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <link rel="icon" href="data:,">
            <title>\(t) — moat watch</title>
            <style nonce="\(nonce)">\(css)</style>
            </head>
            <body>
            <header class="bar">
            <div class="title"><h1 id="w-title">\(t)</h1><span id="w-owner" class="muted"></span></div>
            <div class="state"><span id="w-build-state" class="pill"></span> <span id="w-live" class="pill">connecting…</span> <span id="w-built" class="muted"></span></div>
            </header>
            <main class="grid">
            <section class="diagram-panel" aria-label="Data-flow diagram">
            <div class="toolbar"><button id="w-zoom-in" type="button" title="Zoom in">+</button><button id="w-zoom-out" type="button" title="Zoom out">−</button><button id="w-fit" type="button" title="Fit the diagram to the panel">Fit</button><a id="w-svg-link" href="#" target="_blank" rel="noopener noreferrer">Open SVG</a><span class="hint">scroll to zoom · drag to pan · click a component to filter its threats</span></div>
            <div id="w-stage" class="stage"><p class="empty">Loading the diagram…</p></div>
            <div id="w-errors" class="errors" hidden></div>
            </section>
            <aside class="side">
            <section id="w-summary"></section>
            <section id="w-problems"></section>
            <section id="w-threats"></section>
            </aside>
            </main>
            <noscript><p class="empty">The live workbench needs JavaScript; <code>moat report</code> writes a static review instead.</p></noscript>
            <script id="w-initial" type="application/json">\(snapshotJSON)</script>
            <script nonce="\(nonce)">\(script)</script>
            </body>
            </html>

            """
    }

    /// Scripts and styles only with this response's nonce; no plugins, frames, forms or other origins;
    /// the event stream is the only connection.
    static func contentSecurityPolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; img-src data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    static let css = #"""
        :root{--crit:#b71c1c;--high:#d84315;--med:#9a7400;--low:#1565c0;--ok:#2e7d32;--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--bg:#f5f7fa;--pick:#6a1b9a}
        *{box-sizing:border-box}html,body{height:100%;margin:0}
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg);display:flex;flex-direction:column}
        header.bar{display:flex;align-items:center;justify-content:space-between;gap:16px;padding:8px 16px;background:var(--ink);color:#fff}
        header.bar h1{font-size:17px;margin:0;display:inline}header .muted{color:#cbd2d9;font-size:12px;margin-left:10px}
        .state{white-space:nowrap}.pill{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;background:#52606d;color:#fff}
        .pill:empty{display:none}.pill.ok{background:var(--ok)}.pill.warn{background:#b26a00}.pill.bad{background:var(--crit)}
        main.grid{flex:1;min-height:0;display:grid;grid-template-columns:minmax(0,1fr) minmax(380px,36%)}
        .diagram-panel{position:relative;display:flex;flex-direction:column;min-height:0;border-right:1px solid var(--line);background:#fff}
        .toolbar{display:flex;align-items:center;gap:6px;padding:6px 10px;border-bottom:1px solid var(--line);font-size:12px}
        .toolbar button,.toolbar a{font:inherit;border:1px solid var(--line);background:#fff;border-radius:4px;padding:2px 10px;cursor:pointer;color:var(--ink);text-decoration:none}
        .toolbar button:hover,.toolbar a:hover{background:var(--bg)}.toolbar .hint{color:var(--muted);margin-left:auto}
        .stage{position:relative;flex:1;min-height:0;overflow:hidden;cursor:grab;touch-action:none;user-select:none}
        .stage.dragging{cursor:grabbing}.stage svg{position:absolute;left:0;top:0;transform-origin:0 0;max-width:none}
        .stage.stale svg{opacity:.3;filter:grayscale(.7)}.stage a{cursor:pointer}
        .stage g.node.w-selected a>:first-child{stroke:var(--pick);stroke-width:4px}
        .empty{color:var(--muted);padding:24px;margin:0}
        .errors{position:absolute;left:16px;right:16px;top:50px;max-height:65%;overflow:auto;background:#fff;border:2px solid var(--crit);border-radius:6px;box-shadow:0 6px 24px rgba(0,0,0,.18);padding:8px 14px}
        .errors h2{font-size:15px;color:var(--crit);margin:4px 0 8px}
        .headline{font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace;font-weight:600;overflow-wrap:anywhere}
        pre{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;margin:2px 0 8px;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);padding:4px 8px;border-radius:4px}
        code{font:12px ui-monospace,Menlo,Consolas,monospace}
        .side{overflow:auto;padding:4px 16px 24px;min-height:0}
        .side h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:14px 0 6px}.side h2 .stale{color:var(--crit);text-transform:none;letter-spacing:0}
        .cards{display:grid;grid-template-columns:repeat(4,1fr);gap:6px}
        .card{border-radius:6px;padding:5px 8px;color:#fff;font-size:12px}.card b{display:block;font-size:22px;line-height:1.15}.card.zero{opacity:.4}
        .sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}
        .box{background:#fff;border:1px solid var(--line);border-radius:6px;padding:7px 10px;margin-top:8px}
        .box p{margin:2px 0}.box ul{margin:2px 0;padding-left:18px}.muted{color:var(--muted)}
        .diag{border-left:3px solid var(--med);padding-left:8px;margin:6px 0}.diag.error{border-color:var(--crit)}
        .filter{display:flex;gap:8px;align-items:center;background:#f3e5f5;border:1px solid #ce93d8;border-radius:6px;padding:4px 8px;font-size:13px;margin-bottom:6px}
        .filter button{margin-left:auto;font:inherit;font-size:12px;border:1px solid #ce93d8;background:#fff;border-radius:4px;cursor:pointer}
        .component{background:#fff;border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 10px}
        .component.picked{border-color:var(--pick);box-shadow:0 0 0 1px var(--pick)}
        .component h3{font-size:14px;margin:2px 0 4px;cursor:pointer}.component h3 small{font-weight:normal;color:var(--muted)}
        .finding{display:grid;grid-template-columns:64px 1fr;gap:1px 8px;padding:5px 0;border-top:1px solid var(--line)}
        .finding .meta,.finding .fix{grid-column:2;color:var(--muted);font-size:12px}.finding .meta code{color:var(--ink);font-size:11.5px}.finding.closed{opacity:.6}
        .badge{color:#fff;border-radius:4px;padding:1px 4px;font-size:10.5px;font-weight:600;text-transform:uppercase;text-align:center;align-self:start}
        """#

    static let script = #"""
        (function () {
          'use strict';
          var $ = function (id) { return document.getElementById(id); };
          // Builds an element; strings become text nodes, never markup.
          function el(tag, props) {
            var n = document.createElement(tag);
            if (props) Object.keys(props).forEach(function (k) {
              var v = props[k];
              if (v === null || v === undefined || v === false) return;
              if (k === 'class') n.className = v;
              else if (k === 'text') n.textContent = v;
              else if (k === 'title') n.title = v;
              else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), v);
              else n.setAttribute(k, String(v));
            });
            for (var i = 2; i < arguments.length; i++) add(n, arguments[i]);
            return n;
          }
          function add(n, c) {
            if (c === null || c === undefined || c === false) return;
            if (Array.isArray(c)) { c.forEach(function (x) { add(n, x); }); return; }
            n.append(typeof c === 'string' ? document.createTextNode(c) : c);
          }
          // Replaces a node's children; arrays are flattened, null and false skipped.
          function fill(n) {
            n.replaceChildren();
            for (var i = 1; i < arguments.length; i++) add(n, arguments[i]);
          }
          function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

          var state = null, drawnBuild = 0, drawnDiagram = 0, selected = null;
          var view = { s: 1, x: 0, y: 0, touched: false };
          var stage = $('w-stage');

          function render(s) {
            if (!s || typeof s.build !== 'number' || s.build <= drawnBuild) return;
            drawnBuild = s.build; state = s;
            var v = s.view;
            var title = v ? v.title : s.model;
            document.title = title + ' — moat watch';
            $('w-title').textContent = title;
            $('w-owner').textContent = v && v.owner ? 'owner: ' + v.owner : '';
            var included = s.files.length > 1 ? ' + ' + plural(s.files.length - 1, 'included file') : '';
            $('w-built').textContent = s.model + included + ' · build ' + s.build + ' at ' + s.builtAt;
            var bs = $('w-build-state');
            bs.textContent = s.status === 'ok' ? 'ok' : plural(s.errorCount, 'error');
            bs.className = 'pill ' + (s.status === 'ok' ? 'ok' : 'bad');
            if (selected && v && !v.elements.some(function (e) { return e.id === selected; }) &&
                !v.components.some(function (c) { return c.id === selected; })) selected = null;
            renderDiagram(s); renderErrors(s); renderSummary(s); renderProblems(s); renderThreats(s);
            document.body.setAttribute('data-build', String(s.build));
            document.body.setAttribute('data-status', s.status);
          }

          // The diagram: Graphviz's SVG parsed as XML (not HTML) and imported, with anything active removed.
          function renderDiagram(s) {
            var v = s.view;
            stage.classList.toggle('stale', s.status !== 'ok');
            if (!v || !v.svg) {
              var why = v && v.diagramError ? 'The diagram could not be drawn: ' + v.diagramError
                : 'No diagram yet: the model has not loaded without errors since the workbench started.';
              fill(stage, el('p', { class: 'empty', text: why }));
              drawnDiagram = 0;
              return;
            }
            if (v.build === drawnDiagram) return;
            var doc = new DOMParser().parseFromString(v.svg, 'image/svg+xml');
            var svg = doc.documentElement;
            if (!svg || svg.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
              fill(stage, el('p', { class: 'empty', text: 'The diagram could not be read.' }));
              return;
            }
            Array.prototype.forEach.call(svg.querySelectorAll('script,foreignObject,iframe'), function (n) { n.remove(); });
            var box = (svg.getAttribute('viewBox') || '0 0 800 600').split(/[\s,]+/).map(Number);
            svg.setAttribute('width', String(box[2] || 800));
            svg.setAttribute('height', String(box[3] || 600));
            fill(stage, document.importNode(svg, true));
            drawnDiagram = v.build;
            if (view.touched) apply(); else fit();
            highlight();
          }

          function diagramSize() {
            var svg = stage.querySelector('svg');
            return svg ? { w: Number(svg.getAttribute('width')), h: Number(svg.getAttribute('height')) } : null;
          }
          function apply() {
            var svg = stage.querySelector('svg');
            if (svg) svg.style.transform = 'translate(' + view.x + 'px,' + view.y + 'px) scale(' + view.s + ')';
          }
          function fit() {
            var size = diagramSize(), w = stage.clientWidth, h = stage.clientHeight;
            if (!size || !w || !h) return;
            var s = Math.min(w / size.w, h / size.h) * 0.97;
            view = { s: s, x: (w - size.w * s) / 2, y: Math.min(16, (h - size.h * s) / 2), touched: false };
            apply();
          }
          function zoomAt(px, py, factor) {
            var s = Math.min(12, Math.max(0.05, view.s * factor)), k = s / view.s;
            view.x = px - (px - view.x) * k; view.y = py - (py - view.y) * k; view.s = s; view.touched = true;
            apply();
          }
          stage.addEventListener('wheel', function (e) {
            e.preventDefault();
            var r = stage.getBoundingClientRect();
            zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
          }, { passive: false });
          stage.addEventListener('pointerdown', function (e) {
            if (e.button !== 0) return;
            var start = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, target: e.target, moved: false };
            function move(m) {
              var dx = m.clientX - start.x, dy = m.clientY - start.y;
              if (!start.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
              start.moved = true; stage.classList.add('dragging');
              view.x = start.vx + dx; view.y = start.vy + dy; view.touched = true; apply();
            }
            function up() {
              window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up);
              stage.classList.remove('dragging');
              if (!start.moved) clicked(start.target);
            }
            window.addEventListener('pointermove', move); window.addEventListener('pointerup', up);
          });
          // Diagram links are filters, not navigation.
          stage.addEventListener('click', function (e) { if (e.target.closest && e.target.closest('a')) e.preventDefault(); });
          $('w-zoom-in').addEventListener('click', function () { zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 1.25); });
          $('w-zoom-out').addEventListener('click', function () { zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 0.8); });
          $('w-fit').addEventListener('click', fit);
          window.addEventListener('resize', function () { if (!view.touched) fit(); });
          $('w-svg-link').setAttribute('href', '/diagram.svg' + location.search);

          function anchorOf(a) {
            var href = a.getAttribute('href') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
            return href.charAt(0) === '#' ? href.slice(1) : null;
          }
          function clicked(target) {
            if (!state || !state.view || !target.closest) return;
            var a = target.closest('a');
            var anchor = a && anchorOf(a);
            if (!anchor) return;
            var hit = state.view.elements.filter(function (e) { return e.anchor === anchor; })[0];
            if (hit) select(hit.id);
          }
          function select(id) {
            selected = selected === id ? null : id;
            renderThreats(state); highlight();
          }
          function highlight() {
            Array.prototype.forEach.call(stage.querySelectorAll('.w-selected'), function (n) { n.classList.remove('w-selected'); });
            if (!selected || !state || !state.view) return;
            var e = state.view.elements.filter(function (x) { return x.id === selected; })[0];
            if (!e) return;
            Array.prototype.forEach.call(stage.querySelectorAll('a'), function (a) {
              if (anchorOf(a) === e.anchor) { var g = a.closest('g.node'); if (g) g.classList.add('w-selected'); }
            });
          }

          function renderErrors(s) {
            var box = $('w-errors');
            var diagramError = s.status === 'ok' && s.view && s.view.diagramError;
            if (s.status === 'ok' && !diagramError) { box.hidden = true; fill(box); return; }
            var head = diagramError ? 'The diagram could not be redrawn'
              : plural(s.errorCount, 'error') + ' in the model' +
                (s.view ? ' — the diagram and threats are from the last good build (' + s.view.builtAt + ')' : '');
            var errors = s.diagnostics.filter(function (d) { return d.severity === 'error'; });
            fill(box, el('h2', { text: head }),
              errors.map(function (d) {
                return el('div', { class: 'diag error' }, el('div', { class: 'headline', text: d.headline }),
                  d.detail ? el('pre', { text: d.detail }) : null);
              }),
              diagramError ? el('pre', { text: s.view.diagramError }) : null);
            box.hidden = false;
          }

          function renderSummary(s) {
            var v = s.view, section = $('w-summary');
            if (!v) { fill(section); return; }
            var cards = el('div', { class: 'cards' }, v.openBySeverity.map(function (c) {
              return el('div', { class: 'card sev-' + c.key + (c.count ? '' : ' zero') }, el('b', { text: String(c.count) }), 'open ' + c.key);
            }));
            var statuses = v.byStatus.map(function (c) { return c.count + ' ' + c.key; }).join(' · ') || 'no findings';
            var maturity = el('div', { class: 'box' },
              el('p', null, el('strong', { text: 'Declared maturity: ' }), 'level ' + v.declared + ' — ' + v.declaredName),
              el('p', null, el('strong', { text: 'Evidenced maturity: ' }), 'level ' + v.evidenced + ' — ' + v.evidencedName));
            if (v.next) {
              var steps = [];
              if (v.next.missingPractices.length) steps.push(el('li', null, 'declare the practices ',
                v.next.missingPractices.map(function (p, i) { return [i ? ', ' : '', el('code', { text: p.id, title: p.title })]; })));
              if (v.next.blockingFindings) steps.push(el('li', { text: 'close ' + plural(v.next.blockingFindings, 'open finding') + ' expected at level ' + v.next.level + ' or below' }));
              if (!steps.length) steps.push(el('li', { text: 'nothing: the model already evidences it' }));
              maturity.append(el('p', null, el('strong', { text: 'To evidence level ' + v.next.level + ' (' + v.next.name + '):' })), el('ul', null, steps));
            }
            var stale = s.status !== 'ok' ? el('span', { class: 'stale', text: ' · from the last good build at ' + v.builtAt }) : null;
            fill(section, el('h2', null, 'Summary', stale), cards,
              el('p', { class: 'muted', text: plural(v.findings, 'finding') + ': ' + statuses }), maturity);
          }

          function renderProblems(s) {
            var section = $('w-problems');
            var warnings = s.diagnostics.filter(function (d) { return d.severity !== 'error'; });
            var errors = s.diagnostics.filter(function (d) { return d.severity === 'error'; });
            if (!s.diagnostics.length) { fill(section, el('h2', { text: 'Problems' }), el('p', { class: 'muted', text: 'No errors or warnings.' })); return; }
            fill(section, el('h2', { text: 'Problems (' + plural(errors.length, 'error') + ', ' + plural(warnings.length, 'warning') + ')' }),
              errors.concat(warnings).map(function (d) {
                return el('details', { class: 'diag ' + d.severity },
                  el('summary', null, el('span', { class: 'headline', text: d.headline })),
                  d.detail ? el('pre', { text: d.detail }) : null);
              }));
          }

          function renderThreats(s) {
            var v = s.view, section = $('w-threats');
            if (!v) { fill(section); return; }
            var list = v.components;
            var parts = [el('h2', null, 'Threats by component',
              s.status !== 'ok' ? el('span', { class: 'stale', text: ' · from the last good build at ' + v.builtAt }) : null)];
            if (selected) {
              list = list.filter(function (c) { return c.id === selected; });
              var e = v.elements.filter(function (x) { return x.id === selected; })[0];
              var name = e ? e.name : selected;
              parts.push(el('div', { class: 'filter' }, el('span', null, 'Showing ', el('strong', { text: name }), ' only'),
                el('button', { type: 'button', text: 'Show all', onclick: function () { select(selected); } })));
              if (!list.length) parts.push(el('p', { class: 'muted', text: 'No threats for ' + name + '.' }));
            } else if (!list.length) {
              parts.push(el('p', { class: 'muted', text: 'No threats.' }));
            }
            list.forEach(function (c) {
              var sub = c.kind + ' ' + c.id + (c.level ? ' · evidenced level ' + c.level : '') + (c.mitigated ? ' · ' + c.mitigated + ' mitigated' : '');
              var card = el('article', { class: 'component' + (c.id === selected ? ' picked' : ''), 'data-component': c.id },
                el('h3', { title: 'Show only this component', onclick: function () { select(c.id); } }, c.name + ' ', el('small', { text: sub })));
              c.findings.forEach(function (f) {
                var refs = f.cwe.map(function (n) { return 'CWE-' + n; }).concat(f.capec.map(function (n) { return 'CAPEC-' + n; })).join(' ');
                var meta = ' · ' + f.status + (f.open ? ' · expected at level ' + f.level : '') + ' · ' + f.stride + (refs ? ' · ' + refs : '');
                card.append(el('div', { class: 'finding' + (f.open ? '' : ' closed') },
                  el('span', { class: 'badge sev-' + f.severity, text: f.severity }),
                  el('strong', { text: f.title }),
                  el('div', { class: 'meta', title: f.strideNames }, el('code', { text: f.id }), meta + (f.tracking ? ' · ' + f.tracking : '')),
                  f.fix && f.open ? el('div', { class: 'fix', text: 'fix: ' + f.fix }) : null));
              });
              parts.push(card);
            });
            fill(section, parts);
          }

          function setLive(text, kind) { var p = $('w-live'); p.textContent = text; p.className = 'pill ' + kind; }

          try { render(JSON.parse($('w-initial').textContent)); } catch (e) { setLive('could not read the page data', 'bad'); }
          window.addEventListener('load', function () {
            if (!window.EventSource) { setLive('no live updates in this browser', 'warn'); return; }
            var events = new EventSource('/events' + location.search);
            events.addEventListener('snapshot', function (e) { render(JSON.parse(e.data)); });
            events.onopen = function () { setLive('live', 'ok'); };
            events.onerror = function () { setLive(events.readyState === 2 ? 'disconnected' : 'reconnecting…', 'warn'); };
          });
        })();
        """#
}
