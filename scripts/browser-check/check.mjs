// Checks the built book in a real browser (Debian's chromium, driven by playwright-core).
//
//   node scripts/browser-check/check.mjs book/build [book/src]
//
// It serves the directory on a free localhost port, opens every page at 1280 px wide (and
// every page with a diagram but print.html again at 390 px, a phone), waits for mermaid to
// render, and fails, naming the page, the diagram and the problem, when:
//   - a mermaid diagram did not render (no svg, or mermaid's error svg), at either width;
//   - a label of a diagram's source (participant, message, note, loop, node, edge or
//     subgraph label) is not in the rendered svg's text (mermaid reads `#...;` as an entity
//     code, so a bare `#` can swallow the rest of a label: write `#35;`), at either width;
//   - at 1280 px: a diagram's text is smaller than MIN_FONT_PX on screen (font size times
//     the svg's scale); a label does not fit the box mermaid measured for it, or is drawn
//     over by another box (a node over a subgraph's title); a click on a diagram does not
//     open it at full size (book/diagram-zoom.js);
//   - an internal link points to a missing page, or its #fragment to no id of that page;
//   - a heading (h1 to h3; h1 and h2 in print.html) is covered by another element once a
//     link to it was followed;
//   - a table is wider than the text column without a scrolling wrapper, a code block is
//     cut (neither wraps nor scrolls), or a transcript (a `text` block) needs scrolling;
//   - print.html leaves a <details> (a hint) closed, or a page does on `beforeprint`
//     (book/print-details.js);
//   - a page throws a JavaScript error.
// BOOK_CHECK_PAGES=a.html,b.html checks only those pages (their links are then not
// checked); BOOK_CHECK_VERBOSE=1 prints every diagram's sizes; BOOK_CHECK_SCREENSHOTS=DIR
// saves every diagram as it looks at 1280 px, as DIR/PAGE-N.png.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const MIN_FONT_PX = 11;
const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const root = path.resolve(process.argv[2] || 'book/build');
if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`check-book-in-browser: no book in ${root} (build it first: make book)`);
    process.exit(2);
}
// The markdown (by default beside the build), to name the source line of a diagram.
const srcDir = path.resolve(process.argv[3] || path.join(path.dirname(root), 'src'));

const started = Date.now();
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// ---------------------------------------------------------------- the site's pages
const only = (process.env.BOOK_CHECK_PAGES || '').split(',').filter(Boolean);
const shots = process.env.BOOK_CHECK_SCREENSHOTS;
const pages = fs.readdirSync(root)
    .filter((f) => f.endsWith('.html') && f !== '404.html' && f !== 'toc.html')
    .filter((f) => !only.length || only.includes(f))
    .sort((a, b) => (a === 'print.html') - (b === 'print.html') || a.localeCompare(b));

// ---------------------------------------------------------------- a static file server
const TYPES = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
    '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
    '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.txt': 'text/plain; charset=utf-8',
};
function fileOf(urlPath) {
    let p = decodeURIComponent(urlPath);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(root, path.normalize(p));
    return file.startsWith(root) ? file : null;
}
const server = http.createServer((req, res) => {
    const file = fileOf(new URL(req.url, 'http://x').pathname);
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end('not found');
        return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---------------------------------------------------------------- diagram sources
function decodeHtml(s) {
    return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
        if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : +e.slice(1));
        return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' }[e.toLowerCase()] ?? m;
    });
}
// Mermaid's own entity codes: #35; #lt; #quot; ...
function decodeMermaid(s) {
    return s.replace(/#([a-z]+|[0-9]+);/gi, (m, e) =>
        /^[0-9]+$/.test(e) ? String.fromCodePoint(+e)
            : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' }[e.toLowerCase()] ?? m));
}
function sourcesOf(html) {
    return [...html.matchAll(/<pre class="mermaid">([\s\S]*?)<\/pre>/g)].map((m) => decodeHtml(m[1]));
}
// The texts a reader must find in the diagram, one per rendered line.
function labelsOf(source) {
    const lines = source.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('%%'));
    const kind = (lines[0] || '').split(/\s+/)[0];
    const raw = [];
    const quoted = (l) => { for (const m of l.matchAll(/"([^"]*)"/g)) raw.push(m[1]); };
    for (const l of lines.slice(1)) {
        let m;
        if (kind === 'sequenceDiagram') {
            if ((m = l.match(/^(?:participant|actor)\s+(\S+)(?:\s+as\s+(.+))?$/))) raw.push(m[2] ?? m[1]);
            else if ((m = l.match(/^note\s+(?:over|left of|right of)\s+[^:]+:(.*)$/i))) raw.push(m[1]);
            else if ((m = l.match(/^(?:loop|alt|else|opt|par|and|critical|option|break)\b(.*)$/))) raw.push(m[1]);
            else if ((m = l.match(/^[^:]*?(?:<<)?-{1,2}(?:>>|>|x|\))[+-]?\s*[^:]+:(.*)$/))) raw.push(m[1]);
        } else if (kind.startsWith('stateDiagram')) {
            if ((m = l.match(/^(\S+)\s*-->\s*(\S+?)\s*(?::(.*))?$/))) {
                for (const s of [m[1], m[2]]) if (s !== '[*]') raw.push(s);
                if (m[3] !== undefined) raw.push(m[3]);
            } else quoted(l);
        } else {
            // flowchart, graph, block-beta and the rest: the book quotes its labels; also take
            // an unquoted label in a node shape or between pipes.
            quoted(l);
            const unquoted = l.replace(/"[^"]*"/g, '""');
            for (const u of unquoted.matchAll(/\w\s*(?:\[\[|\[\(|\(\(|\{\{|\[\/|\[|\(|\{|>)([^"[\](){}|]+)(?:\]\]|\)\]|\)\)|\}\}|\/\]|\]|\)|\})/g)) raw.push(u[1]);
            for (const u of unquoted.matchAll(/\|([^"|]+)\|/g)) raw.push(u[1]);
        }
    }
    const out = [];
    for (const r of raw) {
        for (const part of r.split(/<br\s*\/?>/i)) {
            const text = decodeMermaid(part.replace(/<\/?[a-z][^>]*>/gi, '')).replace(/\s+/g, ' ').trim();
            if (text) out.push(text);
        }
    }
    return out;
}
// Where the n-th diagram of a chapter is in its markdown, when it can be told.
function sourceLine(page, n) {
    const md = path.join(srcDir, page.replace(/\.html$/, '.md'));
    if (!fs.existsSync(md)) return '';
    let count = 0;
    const lines = fs.readFileSync(md, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
        if (/^```mermaid\s*$/.test(lines[i]) && ++count === n) return ` (${path.relative(process.cwd(), md)}:${i + 1})`;
    }
    return '';
}
const short = (s, n = 60) => (s.length > n ? s.slice(0, n - 3) + '...' : s);

// ---------------------------------------------------------------- in-page inspection
// Runs in the page: waits for mermaid, then measures every diagram.
async function inspectDiagrams(minFont) {
    const pres = [...document.querySelectorAll('pre.mermaid')];
    const deadline = Date.now() + 20000;
    const settled = () => pres.every((p) => p.querySelector('svg') || p.getAttribute('data-processed'));
    while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return pres.map((pre) => {
        const svg = pre.querySelector(':scope > svg');
        if (!svg) return { missing: true, processed: !!pre.getAttribute('data-processed') };
        const errorText = svg.getAttribute('aria-roledescription') === 'error' || svg.querySelector('.error-icon, .error-text')
            ? (svg.textContent || '').replace(/\s+/g, ' ').trim() : null;
        const box = svg.getBoundingClientRect();
        const natural = svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0;
        const texts = [];
        let smallest = null;
        const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (!el || el.closest('style, title, desc')) continue;
            texts.push(node.data);
            if (!node.data.trim()) continue;
            const graphic = el.closest('text, foreignObject');
            const ctm = graphic && graphic.getScreenCTM();
            if (!ctm) continue;
            const px = parseFloat(getComputedStyle(el).fontSize) * Math.hypot(ctm.a, ctm.b);
            if (!smallest || px < smallest.px) smallest = { px, text: node.data.trim() };
        }
        // A label whose text does not fit the box mermaid measured for it is cut off, or
        // spills over its neighbours (a subgraph title that wraps, say).
        const overflowing = [];
        for (const fo of svg.querySelectorAll('foreignObject')) {
            const text = (fo.textContent || '').replace(/\s+/g, ' ').trim();
            if (!text) continue;
            const range = document.createRange();
            range.selectNodeContents(fo);
            const inner = range.getBoundingClientRect();
            const outer = fo.getBoundingClientRect();
            const slack = 2;
            if (inner.bottom > outer.bottom + slack || inner.right > outer.right + slack
                || inner.top < outer.top - slack || inner.left < outer.left - slack) overflowing.push(text);
        }
        // A label drawn over by another box (a node over a subgraph's title, a label over
        // a label): sample points along each of its lines; whatever the browser paints
        // above the label there (later in the svg, opaque) hides it.
        const hidden = [];
        const above = (el, hit) => !el.contains(hit) && (el.compareDocumentPosition(hit) & Node.DOCUMENT_POSITION_FOLLOWING);
        const opaque = (hit) => {
            if (hit.closest('foreignObject')) return !!(hit.textContent || '').trim() || getComputedStyle(hit).backgroundColor.replace(/\s/g, '') !== 'rgba(0,0,0,0)';
            if (['text', 'tspan'].includes(hit.tagName)) return true;
            if (!['rect', 'path', 'polygon', 'circle', 'ellipse'].includes(hit.tagName)) return false;
            const cs = getComputedStyle(hit);
            return cs.fill !== 'none' && parseFloat(cs.fillOpacity) > 0.2 && parseFloat(cs.opacity) > 0.2;
        };
        for (const el of svg.querySelectorAll('foreignObject, text')) {
            if (!(el.textContent || '').trim() || el.closest('defs, marker')) continue;
            el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
            const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            let covered = null;
            for (let t = walk.nextNode(); t && !covered; t = walk.nextNode()) {
                if (!t.data.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(t);
                for (const r of range.getClientRects()) {
                    if (r.width < 2 || r.height < 2) continue;
                    for (const f of [0.1, 0.5, 0.9]) {
                        const hits = document.elementsFromPoint(r.left + r.width * f, r.top + r.height / 2);
                        const hit = hits.find((h) => above(el, h) && h.closest('svg') === svg && opaque(h));
                        if (hit) { covered = { text: t.data.trim(), by: hit.tagName.toLowerCase() + (hit.closest('[id]') && hit.closest('[id]') !== svg ? ` in #${hit.closest('[id]').id.replace(/^mermaid-[0-9]+-?/, '')}` : '') + (hit.textContent && hit.textContent.trim() ? ` "${hit.textContent.trim().slice(0, 30)}"` : '') }; break; }
                    }
                    if (covered) break;
                }
            }
            if (covered) hidden.push(covered);
        }
        return {
            errorText, width: box.width, height: box.height, natural, overflowing, hidden,
            text: texts.join(''), smallest,
            small: smallest && smallest.px < minFont,
        };
    });
}

async function inspectLayout(headingSelector) {
    const describe = (el) => el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') : 'nothing';
    const out = { covered: [], tables: [], pres: [], ids: [...document.querySelectorAll('[id]')].map((e) => e.id), links: [] };
    for (const a of document.querySelectorAll('a[href]')) {
        const text = (a.textContent || '').trim() || a.getAttribute('title') || a.getAttribute('aria-label') || '';
        out.links.push({ href: a.getAttribute('href'), abs: a.href, text: text.slice(0, 50) });
    }
    for (const a of document.querySelectorAll('a[name]')) out.ids.push(a.getAttribute('name'));
    const main = document.querySelector('main') || document.body;
    const column = main.getBoundingClientRect();
    for (const table of main.querySelectorAll('table')) {
        const r = table.getBoundingClientRect();
        if (r.right <= column.right + 1) continue;
        let scroller = table.parentElement;
        while (scroller && scroller !== main && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
        const ok = scroller && scroller !== main && scroller.getBoundingClientRect().right <= column.right + 1;
        if (!ok) out.tables.push({ header: [...(table.querySelector('tr')?.children || [])].map((c) => c.textContent.trim()).join(' | ').slice(0, 60), width: Math.round(r.width), column: Math.round(column.width) });
    }
    for (const pre of main.querySelectorAll('pre:not(.mermaid)')) {
        const code = pre.querySelector(':scope > code') || pre;
        const first = (code.textContent || '').split('\n')[0].slice(0, 60);
        const transcript = code.classList.contains('language-text');
        for (const el of new Set([code, pre])) {
            if (el.scrollWidth <= el.clientWidth + 1) continue;
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
            if (!scrolls) out.pres.push({ first, problem: 'its lines are cut: they neither wrap nor scroll' });
            else if (transcript) out.pres.push({ first, problem: `a transcript line is wider than the column (${el.scrollWidth} px in ${el.clientWidth} px) and needs scrolling: transcripts should wrap` });
            break;
        }
        if (pre.getBoundingClientRect().right > column.right + 1) out.pres.push({ first, problem: 'the block sticks out of the text column' });
    }
    const headings = [...main.querySelectorAll(headingSelector)];
    for (const h of headings) {
        location.hash = '#' + encodeURIComponent(h.id);
        void document.body.offsetHeight;
        const r = h.getBoundingClientRect();
        const x = r.left + 2, y = r.top + 2;
        if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) {
            out.covered.push({ text: h.textContent.trim(), by: `off screen (${Math.round(x)}, ${Math.round(y)})` });
            continue;
        }
        const hit = document.elementFromPoint(x, y);
        if (!hit || !(hit === h || h.contains(hit))) out.covered.push({ text: h.textContent.trim(), by: describe(hit) });
    }
    history.replaceState(null, '', location.pathname);
    return out;
}

// ---------------------------------------------------------------- the run
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'book-check-chromium-'));
let context;
try {
    context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: WIDE,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
} catch (e) {
    console.error(`check-book-in-browser: cannot start ${CHROMIUM}: ${e.message.split('\n')[0]}`);
    console.error('install it with scripts/browser-check/install.sh');
    server.close();
    process.exit(2);
}
// print.html calls window.print() on load: the check only looks at the page.
await context.addInitScript(() => { window.print = () => {}; });

const idsOf = new Map(); // page path -> Set of ids, as rendered
const linksOf = [];      // [page, link]
let diagramCount = 0, zoomChecked = false;

async function openPage(page, file, viewport) {
    await page.setViewportSize(viewport);
    const errors = [];
    const onError = (e) => errors.push(e.message.split('\n')[0]);
    page.on('pageerror', onError);
    const response = await page.goto(`${origin}/${file}`, { waitUntil: 'load' });
    if (!response || response.status() !== 200) problem(file, `HTTP ${response && response.status()}`);
    const diagrams = await page.evaluate(inspectDiagrams, MIN_FONT_PX);
    page.off('pageerror', onError);
    return { diagrams, errors };
}

// At the phone width, only what did not already fail at 1280 px is reported.
function checkDiagrams(file, sources, diagrams, wide, lostWide = new Set()) {
    const width = wide ? '' : ` at ${PHONE.width} px`;
    const lostHere = new Set();
    if (diagrams.length !== sources.length) problem(file, `${sources.length} diagrams in the html, ${diagrams.length} on the page`);
    diagrams.forEach((d, i) => {
        const src = sources[i] || '';
        const where = `${file} diagram ${i + 1}${sourceLine(file, i + 1)} [${short(src.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('%%')).slice(0, 2).join(' / '))}]`;
        if (d.missing || d.errorText) lostHere.add(`${i} broken`);
        if (!wide && lostWide.has(`${i} broken`)) return;
        if (d.missing) return problem(where, `not rendered${width}: no svg (${d.processed ? 'mermaid gave up on it' : 'mermaid never processed it'}; see the browser console or mermaid.live)`);
        if (d.errorText) return problem(where, `mermaid could not render it${width}: ${short(d.errorText, 200)}`);
        if (process.env.BOOK_CHECK_VERBOSE && wide) console.log(`${where}: ${Math.round(d.natural)} px wide, shown at ${Math.round(d.width)} px, smallest text ${d.smallest ? d.smallest.px.toFixed(1) : '-'} px`);
        if (d.width < 2 || d.height < 2) problem(where, `rendered empty${width} (${Math.round(d.width)} x ${Math.round(d.height)} px)`);
        const rendered = d.text.replace(/\s+/g, '');
        const lost = labelsOf(src).filter((l) => !rendered.includes(l.replace(/\s+/g, '')));
        if (wide) for (const h of d.hidden) problem(where, `label text "${short(h.text, 50)}" is hidden under ${h.by}`);
        if (wide) for (const t of d.overflowing) problem(where, `label "${short(t)}" does not fit its box: part of it is cut off or drawn over its neighbours (break it with <br/> or shorten it)`);
        for (const l of lost) lostHere.add(`${i} ${l}`);
        for (const l of lost.filter((l) => !lostWide.has(`${i} ${l}`))) problem(where, `label text lost${width}: "${l}" is not in the rendered diagram (a # starts a mermaid entity code: write #35;)`);
        if (wide && d.small) problem(where, `text renders at ${d.smallest.px.toFixed(1)} px at ${WIDE.width} px wide (below ${MIN_FONT_PX} px, e.g. "${short(d.smallest.text, 40)}"; the diagram is ${Math.round(d.natural)} px wide, shown at ${Math.round(d.width)} px): split it, lay it out narrower (flowchart TB), or shorten its labels`);
    });
    return lostHere;
}

try {
    const page = await context.newPage();
    // A loaded machine makes print.html (every diagram of the book) slow to load.
    page.setDefaultTimeout(120000);
    for (const file of pages) {
        const html = fs.readFileSync(path.join(root, file), 'utf8');
        const sources = sourcesOf(html);
        diagramCount += file === 'print.html' ? 0 : sources.length;

        // 1280 px: everything.
        const wide = await openPage(page, file, WIDE);
        for (const e of wide.errors) problem(file, `JavaScript error: ${e}`);
        const lostWide = checkDiagrams(file, sources, wide.diagrams, true);
        if (shots) {
            fs.mkdirSync(shots, { recursive: true });
            await page.addStyleTag({ content: '#mdbook-menu-bar { visibility: hidden; }' });
            const all = page.locator('pre.mermaid');
            for (let i = 0; i < await all.count(); i++) {
                await all.nth(i).screenshot({ path: path.join(shots, `${file.replace(/\.html$/, '')}-${i + 1}.png`) });
            }
        }
        // Following a link is slow (~40 ms): print.html, which has every chapter's headings,
        // is checked for its h1 and h2 only.
        const layout = await page.evaluate(inspectLayout, file === 'print.html' ? 'h1[id], h2[id]' : 'h1[id], h2[id], h3[id]');
        idsOf.set('/' + file, new Set(layout.ids));
        for (const l of layout.links) linksOf.push([file, l]);
        for (const c of layout.covered) problem(file, `heading "${short(c.text)}" is hidden once a link to it is followed: the point at its top left is ${c.by}`);
        for (const t of layout.tables) problem(file, `table "${t.header}" is ${t.width} px wide in a ${t.column} px column and cannot scroll: columns are hidden`);
        for (const p of layout.pres) problem(file, `code block "${short(p.first)}": ${p.problem}`);

        const details = await page.evaluate((isPrint) => {
            if (!isPrint) window.dispatchEvent(new Event('beforeprint'));
            const closed = [...document.querySelectorAll('details')].filter((d) => !d.open)
                .map((d) => (d.querySelector('summary')?.textContent || '').trim());
            return { count: document.querySelectorAll('details').length, closed };
        }, file === 'print.html');
        if (details.closed.length) {
            problem(file, `${details.closed.length} of ${details.count} hints (<details>) stay closed ${file === 'print.html' ? 'in the print version' : 'when the page is printed'}, the first "${short(details.closed[0])}" (book/print-details.js opens them)`);
        }
        if (file === 'print.html' && details.count === 0 && /<details/.test(html)) problem(file, 'the <details> of the chapters are missing');

        // A click on a diagram opens it at full size (once: the script is the same on every page).
        if (!zoomChecked && wide.diagrams.length && !wide.diagrams[0].missing) {
            zoomChecked = true;
            await page.locator('pre.mermaid svg').first().click();
            const zoom = await page.evaluate(() => {
                const svg = document.querySelector('.diagram-overlay svg');
                if (!svg) return null;
                const ctm = svg.getScreenCTM();
                return { scale: Math.hypot(ctm.a, ctm.b) };
            });
            if (!zoom) problem(`${file} diagram 1`, 'a click on the diagram does not open it at full size (.diagram-overlay, book/diagram-zoom.js)');
            else if (zoom.scale < 0.99) problem(`${file} diagram 1`, `the full-size view shows it at scale ${zoom.scale.toFixed(2)}, not 1`);
            await page.keyboard.press('Escape');
            if (await page.locator('.diagram-overlay').count()) problem(`${file} diagram 1`, 'Escape does not close the full-size view');
        }

        if (process.env.BOOK_CHECK_VERBOSE) console.log(`${file}: ${((Date.now() - started) / 1000).toFixed(1)} s so far`);
        // 390 px: only broken rendering, so only pages with diagrams. Not print.html: its
        // diagrams are the chapters' (each checked on its own page), and it would take a
        // third of the run.
        if (file === 'print.html' || !sources.length) continue;
        const phone = await openPage(page, file, PHONE);
        for (const e of phone.errors) if (!wide.errors.includes(e)) problem(file, `JavaScript error at ${PHONE.width} px: ${e}`);
        checkDiagrams(file, sources, phone.diagrams, false, lostWide);
    }

    // Links: every link to a page of the site reaches it, and its #fragment an id of it.
    const fileIds = (p) => {
        if (!idsOf.has(p)) {
            const f = fileOf(p);
            const text = f && fs.existsSync(f) && f.endsWith('.html') ? fs.readFileSync(f, 'utf8') : '';
            idsOf.set(p, new Set([...text.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => decodeHtml(m[1]))));
        }
        return idsOf.get(p);
    };
    const reported = new Set();
    for (const file of only.length ? [] : [...pages, 'toc.html']) {
        if (file === 'toc.html') {
            const html = fs.readFileSync(path.join(root, file), 'utf8');
            for (const m of html.matchAll(/<a\s[^>]*href="([^"]+)"/g)) {
                const href = decodeHtml(m[1]);
                linksOf.push([file, { href, abs: new URL(href, `${origin}/${file}`).href, text: '' }]);
            }
        }
    }
    for (const [file, link] of linksOf) {
        if (/^(mailto|javascript|data):/i.test(link.href)) continue;
        const url = new URL(link.abs);
        if (url.origin !== origin) continue;
        const key = `${file} ${link.href}`;
        if (reported.has(key)) continue;
        const target = fileOf(url.pathname);
        const label = `link "${short(link.text, 40)}" to ${link.href}`;
        if (!target || !fs.existsSync(target) || !fs.statSync(target).isFile()) {
            reported.add(key);
            problem(file, `${label}: no such page`);
            continue;
        }
        const fragment = decodeURIComponent(url.hash.slice(1));
        if (fragment && !fileIds(url.pathname.endsWith('/') ? url.pathname + 'index.html' : url.pathname).has(fragment)) {
            reported.add(key);
            problem(file, `${label}: ${path.basename(target)} has no id "${fragment}"`);
        }
    }
} finally {
    await context.close();
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length) {
    console.error(`the book fails the browser check (${problems.length} problems, ${pages.length} pages, ${seconds} s):`);
    for (const p of problems) console.error('  ' + p);
    process.exit(1);
}
console.log(`browser check: ${pages.length} pages at ${WIDE.width} px, their ${diagramCount} diagrams also at ${PHONE.width} px: no problem (${seconds} s)`);
