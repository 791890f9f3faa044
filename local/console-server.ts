/**
 * The local console (/console): recent capture files with their status (filtered by status and model), the
 * mappings, and one execution — its path drawn on the state machine's graph, its quarantined records' first reasons
 * grouped by code. What it reads and why: docs/LOCAL.md, "Console".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ExecutionInspector } from '../src/aws/execution-inspector.js';
import type { ReadQuarantine } from '../src/aws/quarantine-reader.js';
import { executionReport, listExecutions } from '../src/diagnostics/execution-report.js';
import type { MappingItem } from '../src/contracts.js';
import { renderAslSvg } from '../src/diagnostics/asl-graph.js';
import type { Resolution } from '../src/routing/mapping-resolver.js';
import { relativeTime, shortKeyName } from './console-format.js';
import { closeServer, listen, LOOPBACK } from './net.js';

export interface ConsoleDeps {
  inspector: ExecutionInspector;
  listMappings(): Promise<MappingItem[]>;
  /** Keys of the capture bucket (decoded), any order. */
  listFiles(): Promise<Array<{ key: string; size: number; lastModified?: string }>>;
  /** Reads a quarantine object's first reasons for the execution view; without it the view names the object only. */
  readQuarantine?: ReadQuarantine;
  resolve(key: string): Promise<Resolution>;
  captureBucket: string;
  artifactsBucket: string;
  port?: number;
  host?: string;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

export interface ConsoleFile {
  key: string;
  /** The key as the table shows it (shortKeyName); the page puts the full key in a title. */
  name: string;
  size: number;
  /** When the object was written (S3's LastModified). */
  lastModified?: string;
  /** UPLOADED, PARTIAL, REJECTED, FAILED (the ingestion record), RUNNING, or NOT_ROUTED. */
  status: string;
  detail?: string;
  modelId?: string;
  executionName?: string;
}

const MAX_FILES = 100;

export async function startConsoleServer(deps: ConsoleDeps): Promise<ConsoleServer> {
  let definition: unknown;
  const getDefinition = async () => (definition ??= await deps.inspector.definition());

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://console');
    try {
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only');
      if (url.pathname === '/' || url.pathname === '/console' || url.pathname === '/console/') return send(res, 200, 'text/html; charset=utf-8', PAGE);
      if (url.pathname === '/console/api/overview') return send(res, 200, 'application/json', JSON.stringify(await overview(deps)));
      if (url.pathname === '/console/api/graph') return send(res, 200, 'image/svg+xml', renderAslSvg(await getDefinition()));
      if (url.pathname === '/console/api/execution') {
        const target = url.searchParams.get('name') ?? (url.searchParams.get('file') ? `s3://${deps.captureBucket}/${url.searchParams.get('file')}` : '');
        if (!target) return send(res, 400, 'application/json', JSON.stringify({ message: 'give ?name=EXECUTION or ?file=KEY' }));
        const report = await executionReport(deps.inspector, target, { bucket: deps.captureBucket, artifactsBucket: deps.artifactsBucket, readQuarantine: deps.readQuarantine });
        const svg = renderAslSvg(await getDefinition(), report.path);
        return send(res, 200, 'application/json', JSON.stringify({ ...report, svg }));
      }
      return send(res, 404, 'text/plain', 'not found: the console is at /console');
    } catch (error) {
      return send(res, 500, 'application/json', JSON.stringify({ message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  const host = deps.host ?? LOOPBACK;
  const port = await listen(server, deps.port ?? 0, host);
  return { url: `http://${host}:${port}/console`, close: () => closeServer(server) };
}

/** The mappings and the newest capture files (by when they were written), each with what became of it. */
async function overview(deps: ConsoleDeps): Promise<{ captureBucket: string; mappings: MappingItem[]; files: ConsoleFile[] }> {
  const [mappings, objects, running] = await Promise.all([
    deps.listMappings(),
    deps.listFiles(),
    listExecutions(deps.inspector, { status: 'RUNNING', limit: 100 }),
  ]);
  const runningByKey = new Map(running.filter((r) => r.key).map((r) => [r.key!, r]));
  // Newest first; SageMaker keys end in yyyy/mm/dd/hh/MM-SS-mmm-uuid, so the key breaks ties within a second.
  const newest = (a: { key: string; lastModified?: string }, b: { key: string; lastModified?: string }) =>
    (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
  const recent = objects.filter((o) => o.key.endsWith('.jsonl')).sort(newest).slice(0, MAX_FILES);
  const files: ConsoleFile[] = await Promise.all(
    recent.map(async (o): Promise<ConsoleFile> => {
      const file = { key: o.key, name: shortKeyName(o.key), size: o.size, ...(o.lastModified ? { lastModified: o.lastModified } : {}) };
      const run = runningByKey.get(o.key);
      if (run) return { ...file, status: 'RUNNING', modelId: run.modelId, executionName: run.name };
      const record = await deps.inspector.ingestion(`${deps.captureBucket}/${o.key}`);
      if (record) {
        return { ...file, status: record.status, modelId: record.modelId, executionName: record.executionName, ...(record.error ? { detail: record.error } : {}) };
      }
      const { match } = await deps.resolve(o.key);
      if (!match) return { ...file, status: 'NOT_ROUTED', detail: 'no mapping matches this key' };
      if (!match.mapping.enabled) return { ...file, status: 'NOT_ROUTED', detail: `mapping ${match.prefix} is disabled`, modelId: match.mapping.modelId };
      return { ...file, status: 'PENDING', detail: `routed to ${match.mapping.modelId}; no execution yet`, modelId: match.mapping.modelId };
    }),
  );
  return { captureBucket: deps.captureBucket, mappings, files };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}


/** How often the page reads the overview again (and the selected execution, while it may still change). */
const REFRESH_MS = 5_000;

const STYLE = `
  * { box-sizing: border-box; }
  body { font: 14px system-ui, sans-serif; margin: 0; color: #0f172a; background: #f1f5f9; }
  header { background: #0f766e; color: white; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
  header .where { color: #ccfbf1; } header #updated { margin-left: auto; color: #ccfbf1; font-size: 12.5px; }
  main { display: grid; grid-template-columns: minmax(620px, 1.3fr) minmax(440px, 1fr); gap: 16px; padding: 16px 20px; align-items: start; }
  .col { display: grid; gap: 16px; min-width: 0; }
  section { background: white; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px 16px; min-width: 0; }
  h2 { font-size: 15px; margin: 0; } h3 { font-size: 13.5px; margin: 12px 0 6px; }
  .bar { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
  .bar h2 { margin-right: auto; } .bar label { font-size: 12.5px; color: #475569; }
  select { font: inherit; font-size: 12.5px; padding: 2px 4px; max-width: 220px; }
  table { border-collapse: collapse; width: 100%; table-layout: fixed; }
  td, th { text-align: left; padding: 5px 6px; border-bottom: 1px solid #f1f5f9; font-size: 12.5px; vertical-align: top; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  th { color: #64748b; font-weight: 500; }
  col.c-status { width: 106px; } col.c-model { width: 76px; } col.c-time { width: 76px; } col.c-enabled { width: 64px; }
  tr.file { cursor: pointer; } tr.file:hover { background: #f0fdfa; } tr.selected, tr.selected:hover { background: #ccfbf1; }
  tr.file:focus { outline: 2px solid #14b8a6; outline-offset: -2px; }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  .name, .detail { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  /* Where the file is may shrink to an ellipsis; the file's own name (time and id) always shows whole. */
  .name { font-size: 12px; display: flex; } .name .dir { overflow: hidden; text-overflow: ellipsis; min-width: 0; } .name .base { flex: none; }
  .status { font-size: 12px; }
  .detail { font-size: 11.5px; }
  .status { font-weight: 600; }
  .UPLOADED, .DELIVERED { color: #047857; } .PARTIAL { color: #b45309; } .REJECTED, .FAILED { color: #b91c1c; } .NOT_ROUTED { color: #7c3aed; } .RUNNING, .PENDING { color: #2563eb; }
  dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 12px; margin: 0 0 8px; font-size: 12.5px; }
  dt { color: #64748b; } dd { margin: 0; overflow-wrap: anywhere; }
  #why { padding: 8px 10px; border-radius: 6px; background: #f1f5f9; margin: 8px 0 10px; }
  .reason { border-left: 3px solid #f59e0b; padding: 4px 10px; margin: 6px 0; background: #fffbeb; font-size: 12.5px; }
  .reason .head code { font-weight: 600; } .reason .count { font-weight: 600; margin: 0 6px; } .reason .fix { color: #475569; }
  .reason .example { overflow-wrap: anywhere; }
  ol#failures { padding-left: 20px; font-size: 12.5px; }
  .cause { overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow-wrap: anywhere; }
  #graph { overflow: auto; border-top: 1px solid #e2e8f0; padding-top: 8px; }
  .muted { color: #64748b; }
`;

const SCRIPT = `
const REFRESH_MS = ${REFRESH_MS};
const shortKeyName = ${shortKeyName.toString()};
const relativeTime = ${relativeTime.toString()};
const STATUS_ORDER = ['UPLOADED', 'PARTIAL', 'REJECTED', 'FAILED', 'RUNNING', 'PENDING', 'NOT_ROUTED'];
const $ = (s) => document.querySelector(s);
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const time = (iso) => iso ? '<time data-time="' + esc(iso) + '" title="' + esc(iso) + '">' + esc(relativeTime(iso, Date.now())) + '</time>' : '–';
const shortModel = (id) => id ? (id.length > 12 ? id.slice(0, 8) : id) : '–';
const nameHtml = (name) => { const cut = name.lastIndexOf('/') + 1; return '<span class="dir">' + esc(name.slice(0, cut)) + '</span><span class="base">' + esc(name.slice(cut)) + '</span>'; };
const params = new URLSearchParams(location.search);
// The selection and the filters live in the address: a refresh, a reload or a shared link keeps them.
const state = { file: params.get('file'), status: params.get('status') || '', model: params.get('model') || '' };
let data, shown = {}, updatedAt, busy = false, filterSignature = '';

function saveState() {
  const p = new URLSearchParams();
  for (const k of ['status', 'model', 'file']) if (state[k]) p.set(k, state[k]);
  history.replaceState(null, '', p.toString() ? '?' + p : location.pathname);
}
const matches = (f) => (!state.status || f.status === state.status) && (!state.model || (f.modelId || '-') === state.model);

function renderFilters() {
  const counts = {};
  for (const f of data.files) counts[f.status] = (counts[f.status] || 0) + 1;
  const statuses = STATUS_ORDER.filter((s) => counts[s] || s === state.status);
  const prefixOf = {};
  for (const m of data.mappings) prefixOf[m.modelId] = prefixOf[m.modelId] ? prefixOf[m.modelId] + ', ' + m.prefix : m.prefix;
  const models = [...new Set([...data.mappings.map((m) => m.modelId), ...data.files.map((f) => f.modelId || '-'), ...(state.model ? [state.model] : [])])];
  const signature = JSON.stringify([counts, statuses, models, prefixOf]);
  // Rebuilt only when the choices change, so an open list is not closed under the pointer.
  if (signature === filterSignature) return;
  filterSignature = signature;
  $('#status-filter').innerHTML = '<option value="">all statuses (' + data.files.length + ')</option>' + statuses.map((s) => '<option value="' + s + '">' + s + ' (' + (counts[s] || 0) + ')</option>').join('');
  $('#model-filter').innerHTML = '<option value="">all models</option>' + models.map((m) => '<option value="' + esc(m) + '">' + (m === '-' ? 'none (not routed)' : esc(shortModel(m)) + '…' + (prefixOf[m] ? ' · ' + esc(prefixOf[m]) : '')) + '</option>').join('');
  $('#status-filter').value = state.status;
  $('#model-filter').value = state.model;
}

function renderFiles() {
  const rows = data.files.filter(matches);
  $('#count').textContent = rows.length === data.files.length ? data.files.length + ' files' : rows.length + ' of ' + data.files.length + ' files';
  $('#files tbody').innerHTML = rows.map((f) =>
    '<tr class="file' + (f.key === state.file ? ' selected' : '') + '" tabindex="0" data-key="' + esc(f.key) + '" data-status="' + esc(f.status) + '" data-model="' + esc(f.modelId || '-') + '">' +
    '<td class="status ' + esc(f.status) + '">' + esc(f.status) + '</td>' +
    '<td><div class="name mono" title="' + esc('s3://' + data.captureBucket + '/' + f.key) + '">' + nameHtml(f.name || shortKeyName(f.key)) + '</div>' +
    (f.detail ? '<div class="detail muted" title="' + esc(f.detail) + '">' + esc(f.detail) + '</div>' : '') + '</td>' +
    '<td class="mono" title="' + esc(f.modelId || '') + '">' + esc(shortModel(f.modelId)) + '</td>' +
    '<td>' + time(f.lastModified) + '</td></tr>').join('');
  const none = $('#no-files');
  none.hidden = rows.length > 0;
  none.textContent = data.files.length === 0 ? 'No capture file in s3://' + data.captureBucket + ' yet.' : 'No file matches these filters.';
  $('#mappings tbody').innerHTML = data.mappings.map((m) => '<tr><td class="mono" title="' + esc(m.prefix) + '">' + esc(m.prefix) + '</td><td class="mono" title="' + esc(m.modelId) + '">' + esc(m.modelId) + '</td><td>' + (m.kind === 'groundTruth' ? 'ground truth (' + esc((m.groundTruthAttributes || []).join(', ')) + ')' : 'capture') + '</td><td>' + (m.enabled ? 'yes' : 'no') + '</td></tr>').join('');
}

function compress(names) {
  const out = [];
  for (let i = 0; i < names.length; ) {
    let j = i;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? names[i] + ' ×' + (j - i) : names[i]);
    i = j;
  }
  return out.join(' → ');
}

function renderReasons(r) {
  const box = $('#reasons');
  const q = r.quarantineReasons;
  box.hidden = !q;
  if (!q) return;
  const total = q.groups.reduce((n, g) => n + g.count, 0);
  box.innerHTML = '<h3>Quarantined records: ' + (q.truncated ? 'the first ' + total : total) + ' by reason</h3>' +
    q.groups.map((g) => '<div class="reason" data-code="' + esc(g.code) + '"><div class="head"><code>' + esc(g.code) + '</code><span class="count">×' + g.count + '</span><span class="lines">' + esc(g.lines) + '</span></div>' +
      '<div class="example">e.g. line ' + g.example.line + ': ' + esc(g.example.message) + '</div><div class="fix">fix: ' + esc(g.fix) + '</div></div>').join('') +
    (q.truncated ? '<p class="muted">The quarantine object holds more; it lists every record with its reason.</p>' : '');
}

async function showExecution(key, file) {
  const r = await (await fetch('/console/api/execution?file=' + encodeURIComponent(key))).json();
  if (state.file !== key) return;
  shown = { key, status: file && file.status };
  $('#hint').hidden = true;
  const why = $('#why'); why.hidden = false;
  // The quarantine object's long URI is listed below with its reasons: the verdict names it only.
  const reason = r.quarantine ? r.explanation.reason.split(r.quarantine).join('the quarantine object (below)') : r.explanation.reason;
  why.innerHTML = '<strong class="' + esc(r.explanation.verdict) + '">' + esc(r.explanation.verdict) + '</strong> ' + esc(reason) + (r.explanation.hint ? '<div class="muted">' + esc(r.explanation.hint) + '</div>' : '');
  const e = r.execution, i = r.ingestion;
  const facts = [['file', esc('s3://' + (r.file ? r.file.bucket + '/' + r.file.key : data.captureBucket + '/' + key))]];
  if (e) facts.push(['execution', esc(e.name)], ['status', '<span class="status ' + esc(e.status) + '">' + esc(e.status) + '</span>'], ['started', time(e.startDate)]);
  if (e && e.stopDate) facts.push(['stopped', time(e.stopDate)]);
  if (e && e.input) facts.push(['model', esc(e.input.modelId + ' (prefix ' + e.input.mappingPrefix + ')')]);
  if (i) facts.push(['record', esc(i.status + ' · records ' + (i.records ?? '–') + ' · inferences ' + (i.inferences ?? '–') + ' · rejected ' + (i.rejected ?? '–'))]);
  if (r.path) facts.push(['path', esc(compress(r.path.states.map((s) => s.name)))]);
  if (r.quarantine) facts.push(['quarantine', esc(r.quarantine)]);
  $('#facts').innerHTML = facts.map(([k, v]) => '<dt>' + esc(k) + '</dt><dd data-fact="' + esc(k) + '">' + v + '</dd>').join('');
  renderReasons(r);
  $('#failures').innerHTML = (r.path ? r.path.failures : []).map((f) => '<li class="failure" data-state="' + esc(f.state) + '">' + esc(f.state) + ' attempt ' + f.attempt + ': <strong>' + esc(f.error) + '</strong> ' + (f.retried ? '(retried)' : '(not retried)') + (f.cause ? '<div class="muted cause" title="' + esc(f.cause) + '">' + esc(f.cause) + '</div>' : '') + '</li>').join('');
  $('#graph').innerHTML = r.svg;
}

function tick() {
  for (const el of document.querySelectorAll('[data-time]')) el.textContent = relativeTime(el.dataset.time, Date.now());
  if (updatedAt) $('#updated').textContent = 'updated ' + relativeTime(updatedAt, Date.now()) + ' · refreshes every ' + REFRESH_MS / 1000 + ' s';
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    data = await (await fetch('/console/api/overview')).json();
    $('#bucket').textContent = 's3://' + data.captureBucket;
    renderFilters();
    renderFiles();
    const file = data.files.find((f) => f.key === state.file);
    // A finished execution does not change: read it again only when its file's status moved.
    if (state.file && (shown.key !== state.file || !file || shown.status !== file.status || file.status === 'RUNNING' || file.status === 'PENDING')) await showExecution(state.file, file);
    updatedAt = new Date().toISOString();
    tick();
    document.body.dataset.ready = 'true';
  } catch (e) {
    $('#updated').textContent = 'refresh failed: ' + e.message + ' (trying again in ' + REFRESH_MS / 1000 + ' s)';
  } finally {
    busy = false;
  }
}

function select(row) {
  state.file = row.dataset.key;
  saveState();
  for (const r of document.querySelectorAll('tr.file')) r.classList.toggle('selected', r === row);
  void showExecution(state.file, data.files.find((f) => f.key === state.file));
}
$('#files tbody').addEventListener('click', (ev) => { const row = ev.target.closest('tr.file'); if (row) select(row); });
$('#files tbody').addEventListener('keydown', (ev) => { const row = ev.target.closest('tr.file'); if (row && ev.key === 'Enter') select(row); });
for (const [id, k] of [['#status-filter', 'status'], ['#model-filter', 'model']]) {
  $(id).addEventListener('change', (ev) => { state[k] = ev.target.value; saveState(); renderFiles(); });
}
refresh();
setInterval(refresh, REFRESH_MS);
setInterval(tick, 1000);
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>capture-router console</title>
<style>${STYLE}</style></head>
<body>
<header><strong>capture-router</strong><span class="where">local console · <span id="bucket"></span></span><span id="updated"></span></header>
<main>
  <div class="col">
    <section id="files-section">
      <div class="bar"><h2>Recent files <span id="count" class="muted"></span></h2>
        <label>status <select id="status-filter"><option value="">all statuses</option></select></label>
        <label>model <select id="model-filter"><option value="">all models</option></select></label></div>
      <table id="files"><colgroup><col class="c-status"><col><col class="c-model"><col class="c-time"></colgroup>
        <thead><tr><th>status</th><th>file</th><th>model</th><th>arrived</th></tr></thead><tbody></tbody></table>
      <p id="no-files" class="muted" hidden></p>
    </section>
    <section><h2>Mappings</h2>
      <table id="mappings"><colgroup><col><col><col class="c-kind"><col class="c-enabled"></colgroup><thead><tr><th>prefix</th><th>model</th><th>kind</th><th>enabled</th></tr></thead><tbody></tbody></table></section>
  </div>
  <section id="execution"><h2>Execution</h2><p class="muted" id="hint">Select a file to see what the workflow did with it.</p>
    <div id="why" hidden></div><dl id="facts"></dl><div id="reasons" hidden></div><ol id="failures"></ol><div id="graph"></div></section>
</main>
<script>${SCRIPT}</script>
</body></html>`;
