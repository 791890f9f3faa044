/**
 * The local console (/console): mappings, recent capture files with their status, and one execution drawn on the
 * state machine's graph. What it reads and why: docs/LOCAL.md, "Console".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ExecutionInspector } from '../src/aws/execution-inspector.js';
import { executionReport, listExecutions } from '../src/diagnostics/execution-report.js';
import type { MappingItem } from '../src/contracts.js';
import { renderAslSvg } from '../src/diagnostics/asl-graph.js';
import type { Resolution } from '../src/routing/mapping-resolver.js';
import { closeServer, listen, LOOPBACK } from './net.js';

export interface ConsoleDeps {
  inspector: ExecutionInspector;
  listMappings(): Promise<MappingItem[]>;
  /** Keys of the capture bucket (decoded), any order. */
  listFiles(): Promise<Array<{ key: string; size: number }>>;
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
  size: number;
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
        const report = await executionReport(deps.inspector, target, { bucket: deps.captureBucket, artifactsBucket: deps.artifactsBucket });
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

/** The mappings and the newest capture files, each with what became of it. */
async function overview(deps: ConsoleDeps): Promise<{ captureBucket: string; mappings: MappingItem[]; files: ConsoleFile[] }> {
  const [mappings, objects, running] = await Promise.all([
    deps.listMappings(),
    deps.listFiles(),
    listExecutions(deps.inspector, { status: 'RUNNING', limit: 100 }),
  ]);
  const runningByKey = new Map(running.filter((r) => r.key).map((r) => [r.key!, r]));
  // SageMaker keys end in yyyy/mm/dd/hh/MM-SS-mmm-uuid: newest last in key order.
  const recent = objects.filter((o) => o.key.endsWith('.jsonl')).sort((a, b) => (a.key < b.key ? 1 : -1)).slice(0, MAX_FILES);
  const files: ConsoleFile[] = await Promise.all(
    recent.map(async (o): Promise<ConsoleFile> => {
      const run = runningByKey.get(o.key);
      if (run) return { key: o.key, size: o.size, status: 'RUNNING', modelId: run.modelId, executionName: run.name };
      const record = await deps.inspector.ingestion(`${deps.captureBucket}/${o.key}`);
      if (record) {
        return { key: o.key, size: o.size, status: record.status, modelId: record.modelId, executionName: record.executionName, ...(record.error ? { detail: record.error } : {}) };
      }
      const { match } = await deps.resolve(o.key);
      if (!match) return { key: o.key, size: o.size, status: 'NOT_ROUTED', detail: 'no mapping matches this key' };
      if (!match.mapping.enabled) return { key: o.key, size: o.size, status: 'NOT_ROUTED', detail: `mapping ${match.prefix} is disabled`, modelId: match.mapping.modelId };
      return { key: o.key, size: o.size, status: 'PENDING', detail: `routed to ${match.mapping.modelId}; no execution yet`, modelId: match.mapping.modelId };
    }),
  );
  return { captureBucket: deps.captureBucket, mappings, files };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>capture-router console</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; color: #0f172a; background: #f8fafc; }
  header { background: #0f766e; color: white; padding: 10px 20px; display: flex; justify-content: space-between; }
  main { display: grid; grid-template-columns: minmax(420px, 1fr) minmax(480px, 1.2fr); gap: 16px; padding: 16px 20px; }
  section { background: white; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px 16px; overflow: auto; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #f1f5f9; font-size: 12.5px; vertical-align: top; }
  tr.file { cursor: pointer; } tr.file:hover { background: #f0fdfa; } tr.selected { background: #ccfbf1; }
  .key { font-family: ui-monospace, monospace; word-break: break-all; }
  .status { font-weight: 600; white-space: nowrap; }
  .UPLOADED { color: #047857; } .PARTIAL { color: #b45309; } .REJECTED, .FAILED { color: #b91c1c; } .NOT_ROUTED { color: #7c3aed; } .RUNNING, .PENDING { color: #2563eb; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 10px; font-size: 12.5px; }
  dt { color: #64748b; } dd { margin: 0; word-break: break-all; }
  #why { padding: 8px 10px; border-radius: 6px; background: #f1f5f9; margin-bottom: 10px; }
  #graph { overflow: auto; border-top: 1px solid #e2e8f0; padding-top: 8px; }
  .muted { color: #64748b; }
</style></head>
<body>
<header><strong>capture-router — local console</strong><span id="updated" class="muted" style="color:#ccfbf1"></span></header>
<main>
  <div>
    <section><h2>Mappings</h2><table id="mappings"><thead><tr><th>prefix</th><th>model</th><th>kind</th><th>enabled</th></tr></thead><tbody></tbody></table></section>
    <section style="margin-top:16px"><h2>Recent files</h2><table id="files"><thead><tr><th>status</th><th>file</th><th>model</th></tr></thead><tbody></tbody></table></section>
  </div>
  <section id="execution"><h2>Execution</h2><p class="muted" id="hint">Select a file to see what the workflow did with it.</p>
    <div id="why" hidden></div><dl id="facts"></dl><ol id="failures"></ol><div id="graph"></div></section>
</main>
<script>
const $ = (s) => document.querySelector(s);
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
let selected = new URLSearchParams(location.search).get('file');
async function refresh() {
  try {
    const o = await (await fetch('/console/api/overview')).json();
    $('#mappings tbody').innerHTML = o.mappings.map((m) => '<tr><td class="key">' + esc(m.prefix) + '</td><td class="key">' + esc(m.modelId) + '</td><td>' + (m.kind === 'groundTruth' ? 'ground truth (' + esc((m.groundTruthAttributes || []).join(', ')) + ')' : 'capture') + '</td><td>' + (m.enabled ? 'yes' : 'no') + '</td></tr>').join('');
    $('#files tbody').innerHTML = o.files.map((f) => '<tr class="file' + (f.key === selected ? ' selected' : '') + '" data-key="' + esc(f.key) + '" data-status="' + esc(f.status) + '"><td class="status ' + esc(f.status) + '">' + esc(f.status) + (f.detail ? '<div class="muted">' + esc(f.detail) + '</div>' : '') + '</td><td class="key">' + esc(f.key) + '</td><td class="key">' + esc(f.modelId ?? '') + '</td></tr>').join('');
    for (const row of document.querySelectorAll('tr.file')) row.onclick = () => { selected = row.dataset.key; history.replaceState(null, '', '?file=' + encodeURIComponent(selected)); refresh(); };
    if (selected) await showExecution(selected, o.files.find((f) => f.key === selected));
    $('#updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.ready = 'true';
  } catch (e) { $('#updated').textContent = 'refresh failed: ' + e.message; }
}
async function showExecution(key, file) {
  const r = await (await fetch('/console/api/execution?file=' + encodeURIComponent(key))).json();
  $('#hint').hidden = true;
  const why = $('#why'); why.hidden = false;
  why.innerHTML = '<strong class="' + esc(r.explanation.verdict) + '">' + esc(r.explanation.verdict) + '</strong> ' + esc(r.explanation.reason) + (r.explanation.hint ? '<div class="muted">' + esc(r.explanation.hint) + '</div>' : '');
  const e = r.execution, i = r.ingestion;
  const facts = [['file', 's3://' + (r.file ? r.file.bucket + '/' + r.file.key : key)]];
  if (e) facts.push(['execution', e.name], ['status', e.status], ['started', e.startDate ?? ''], ['stopped', e.stopDate ?? '']);
  if (e && e.input) facts.push(['model', e.input.modelId + ' (prefix ' + e.input.mappingPrefix + ')']);
  if (i) facts.push(['record', i.status + ' · records ' + (i.records ?? '–') + ' · inferences ' + (i.inferences ?? '–') + ' · rejected ' + (i.rejected ?? '–')]);
  if (r.quarantine) facts.push(['quarantine', r.quarantine]);
  if (r.path) facts.push(['path', r.path.states.map((s) => s.name).join(' → ')]);
  $('#facts').innerHTML = facts.map(([k, v]) => '<dt>' + esc(k) + '</dt><dd data-fact="' + esc(k) + '">' + esc(v) + '</dd>').join('');
  $('#failures').innerHTML = (r.path ? r.path.failures : []).map((f) => '<li class="failure" data-state="' + esc(f.state) + '">' + esc(f.state) + ' attempt ' + f.attempt + ': <strong>' + esc(f.error) + '</strong> ' + (f.retried ? '(retried)' : '(not retried)') + (f.cause ? '<div class="muted">' + esc(f.cause) + '</div>' : '') + '</li>').join('');
  $('#graph').innerHTML = r.svg;
}
refresh();
setInterval(refresh, 1500);
</script>
</body></html>`;
