/**
 * The retrieval canary's metrics reach Prometheus, and the GENERATED retrieval
 * rules fire on a bad index and stay quiet on a good one; every process real
 * and on 127.0.0.1:
 *
 *   example stack (RAG API searching the Qdrant stand-in's `docs` points)
 *        ▲ search
 *        │
 *   n8n 2.40.7 (shipped retrieval-canary.json, this package installed) ──push──▶ Pushgateway
 *                                                                                 ▲ scrape
 *   Prometheus (generated prometheus.yml + rules from
 *               test/e2e/fixtures/retrievalAlerts.config.yaml: 1 s evaluation, `for: 10s`) ─┘
 *
 * - good index (the stack's seed): the canary passes, its hit rate and last-run
 *   timestamp are what Prometheus holds, and no ragops.retrieval alert goes
 *   even pending over evaluations spanning more than the rules' `for:`;
 * - bad re-index (`setReindexMode('bad')`, then a run of the ingestion API,
 *   which replaces the collection's points): the canary fails, and
 *   RagRetrievalQualityLow{measure="hit_rate"} goes pending and then firing,
 *   warning and critical (the pushed hit rate is below the page level);
 * - a good re-index afterwards: the next canary push clears them.
 *
 * The canary copy is started by a Webhook trigger beside its Try It (n8n's data
 * table module, which the canary reads its baseline from, is not loaded by
 * `n8n execute`; see retrievalLoop.test.ts); its Slack node posts to a local
 * receiver. No baseline is accepted here, so the drift rule has no overlap to
 * judge (the node does not push one) — drift is retrievalLoop's and the
 * promtool tests' business. No Alertmanager: the states are read from
 * Prometheus' /api/v1/alerts. Waits are bounded only so a broken pipeline
 * fails instead of hanging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startRulesPrometheus } from '../../testbed/observability';
import type { ManagedProcess } from '../../testbed/processes';
import { startExampleStack, type ExampleStack } from '../../testbed/stack/stack';
import { localiseWorkflow, type Workflow, type WorkflowNode } from '../../testbed/stack/workflows';
import { loadConfig } from '../../gen/config/load';
import { receiverNode, startAlertReceiver, type AlertReceiver, type ExportedNode } from '../../testbed/alertReceiver';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';
import { readWorkflow } from '../unit/workflows/workflowFiles';

jest.setTimeout(15 * 60_000);

const CONFIG = join(__dirname, 'fixtures/retrievalAlerts.config.yaml');
const QDRANT_KEY = 'e2e-retrieval-alerts-key';
const WEBHOOK_PATH = 'e2e-retrieval-alerts';
const SLACK_PATH = '/slack-n8n';
const CANARY_ID = readWorkflow('retrieval-canary.json').id;
const WAIT_MS = 3 * 60_000;

const retrieval = loadConfig(CONFIG).retrieval[0]!;
const FOR_MS = Math.max(parseSeconds(retrieval.for.warn), parseSeconds(retrieval.for.page)) * 1000;
const HIT_RATE = retrieval.thresholds.hitRate as { warn: number; page: number };

let stack: ExampleStack;
let pgw: PushgatewayServer;
let receiver: AlertReceiver;
let bed: N8nTestBed;
let n8n: N8nServer;
let prometheus: ManagedProcess;
let dir: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseSeconds(d: string): number {
	const m = /^(\d+)s$/.exec(d);
	if (!m) throw new Error(`the fixture's for: is meant in seconds, got ${d}`);
	return Number(m[1]);
}

/** The shipped canary pointed at the local stack, Slack → the receiver, plus a Webhook start feeding what Try It feeds. */
function canaryCopy(credentials: Record<string, { id: string; name: string }>): Workflow {
	const wf = localiseWorkflow(readWorkflow('retrieval-canary.json') as unknown as Workflow, { 'rag-api:8000': new URL(stack.ragApi.url).host }, credentials, { enableTriggers: false });
	wf.nodes = wf.nodes.map((node): WorkflowNode => {
		if (node.type !== 'n8n-nodes-base.slack') return node;
		const p = node.parameters as { channelId: { value: string }; text: string };
		return receiverNode(node as ExportedNode, `${receiver.url}${SLACK_PATH}`, { channel: p.channelId.value, text: p.text }) as WorkflowNode;
	});
	const manual = wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')!;
	wf.nodes.push({
		id: 'e2e-retrieval-alerts-start',
		name: 'E2E Start',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [manual.position[0], manual.position[1] + 200],
		webhookId: 'e2e-retrieval-alerts-start',
		parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, options: {} },
	});
	(wf.connections as Record<string, unknown>)['E2E Start'] = (wf.connections as Record<string, unknown>)[manual.name];
	return wf;
}

type CanaryResult = { output: 'pass' | 'fail'; status: string; hitRate: number; message: string; startedAt: number };

/** One canary run in n8n; which output of the RAG Retrieval Check it left by, and its summary. */
async function runCanary(): Promise<CanaryResult> {
	const before = (await n8n.listExecutions(CANARY_ID)).length;
	const startedAt = Date.now() / 1000;
	const res = await fetch(n8n.webhookUrl(WEBHOOK_PATH), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	expect(res.status).toBe(200);
	const run = await n8n.waitForExecution(CANARY_ID, { count: before + 1, timeoutMs: 180_000 });
	if (run.error) throw new Error(`the canary failed in ${String(run.error.node?.name)}: ${run.error.message}`);
	const [pass, fail] = run.outputs('RAG Retrieval Check');
	const item = (pass[0] ?? fail[0])!.json as { status: string; hitRate: number; message: string };
	return { output: pass.length ? 'pass' : 'fail', ...item, startedAt };
}

async function promQuery(query: string): Promise<number[]> {
	const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
	const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
	return body.data.result.map((r) => Number(r.value[1]));
}

type PromAlert = { labels: Record<string, string>; state: string; value: string };
/** The alerts of the generated ragops.retrieval group that are pending or firing now. */
async function retrievalAlerts(): Promise<PromAlert[]> {
	const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
	return body.data.alerts.filter((a) => a.labels.alertname?.startsWith('RagRetrieval'));
}
const show = (alerts: PromAlert[]) => alerts.map((a) => `${a.labels.alertname}{${a.labels.measure ?? ''},${a.labels.severity}} ${a.state}`);

async function until<T>(what: string, find: () => Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await find();
		if (found !== undefined && found !== false) return found;
		if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
		await sleep(250);
	}
}

/** Prometheus has scraped this run's push: the hit rate it holds is the run's, the last-run timestamp is not older than its start. */
async function pushSeen(run: CanaryResult): Promise<void> {
	await until(`the canary push of ${run.startedAt} in Prometheus`, async () => {
		const [ts] = await promQuery('ragops_retrieval_last_run_timestamp_seconds{job="ragops_retrieval",target="docs"}');
		return ts !== undefined && ts >= Math.floor(run.startedAt) - 1;
	}, 60_000);
	expect(await promQuery('ragops_retrieval_hit_rate{job="ragops_retrieval",target="docs"}')).toEqual([run.hitRate]);
}

/** A run of the example ingestion API (POST /runs, polled to its end), which replaces the `docs` points in the current mode. */
async function reindex(mode: 'good' | 'bad'): Promise<void> {
	stack.ingestion.setReindexMode(mode);
	try {
		const started = (await (await fetch(`${stack.ingestion.url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"source":"docs"}' })).json()) as { run_id: string };
		const status = await until('the end of the ingestion run', async () => {
			const run = (await (await fetch(`${stack.ingestion.url}/runs/${started.run_id}`)).json()) as { status: string };
			return run.status === 'running' ? undefined : run.status;
		}, 60_000);
		expect(status).toBe('succeeded');
	} finally {
		stack.ingestion.setReindexMode('good');
	}
}

beforeAll(async () => {
	stack = await startExampleStack({ qdrantApiKey: QDRANT_KEY });
	pgw = await startPushgateway();
	receiver = await startAlertReceiver();
	bed = await N8nTestBed.create();
	const credentials = [{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pgw.url } }];
	const [pgwId] = await bed.importCredentials(credentials);
	await bed.importWorkflow([canaryCopy({ ragOpsPushgatewayApi: { id: pgwId!, name: 'RagOps Pushgateway' } })] as unknown as Array<Record<string, unknown>>);
	n8n = await bed.startServer();
	await n8n.activateWorkflow(CANARY_ID);

	dir = mkdtempSync(join(tmpdir(), 'ragops-retrieval-alerts-'));
	prometheus = await startRulesPrometheus(CONFIG, dir, { pushgatewayUrl: pgw.url, n8nUrl: n8n.baseUrl });
});

afterAll(async () => {
	for (const stop of [() => prometheus?.stop(), () => bed?.dispose(), () => pgw?.stop(), () => receiver?.stop(), () => stack?.stop()]) {
		await Promise.resolve(stop()).catch((error: unknown) => console.error(error));
	}
	if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Prometheus loaded the generated retrieval rules of the test config', async () => {
	const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string; duration: number; labels: Record<string, string> }> }> } };
	const group = body.data.groups.find((g) => g.name === 'ragops.retrieval');
	expect(group).toBeDefined();
	const hitRate = group!.rules.filter((r) => r.name === 'RagRetrievalQualityLow' && r.labels.measure === 'hit_rate');
	expect(hitRate.map((r) => [r.labels.severity, r.duration])).toEqual([
		['warning', parseSeconds(retrieval.for.warn)],
		['critical', parseSeconds(retrieval.for.page)],
	]);
});

test('good index: the canary passes, its push reaches Prometheus, and no retrieval alert goes even pending', async () => {
	const first = await runCanary();
	expect(first.output).toBe('pass');
	expect(first.hitRate).toBeGreaterThanOrEqual(HIT_RATE.warn);
	await pushSeen(first);
	// Before the first scrape RagRetrievalMetricsAbsent's absent() is true for a moment (pending, `for: 30m`); it clears at once.
	await until('retrieval alerts cleared after the first push', async () => (await retrievalAlerts()).length === 0, 30_000);

	const seen: PromAlert[] = [];
	const watchUntil = Date.now() + FOR_MS + 5_000;
	const second = await runCanary();
	expect(second.output).toBe('pass');
	await pushSeen(second);
	for (; Date.now() < watchUntil; await sleep(500)) seen.push(...(await retrievalAlerts()));
	expect(show(seen)).toEqual([]);
	expect(receiver.on(SLACK_PATH)).toEqual([]);
	console.log(`good index: ${second.message}; no retrieval alert over ${(FOR_MS + 5_000) / 1000} s of 1 s evaluations`);
});

test('bad re-index: the canary fails and RagRetrievalQualityLow on the hit rate goes pending, then firing, warning and critical; a good re-index clears it', async () => {
	await reindex('bad');
	const bad = await runCanary();
	expect(bad.output).toBe('fail');
	// Far below: the page level is undercut, so both severities are due.
	expect(bad.hitRate).toBeLessThan(HIT_RATE.page);
	await pushSeen(bad);
	expect(receiver.on(SLACK_PATH)).toHaveLength(1);

	const hitRateAlerts = async () => (await retrievalAlerts()).filter((a) => a.labels.alertname === 'RagRetrievalQualityLow' && a.labels.measure === 'hit_rate');
	const pending = await until('a pending hit-rate alert', async () => ((await hitRateAlerts()).some((a) => a.state === 'pending') ? await hitRateAlerts() : undefined), 30_000);
	const firing = await until('both hit-rate alerts firing', async () => {
		const alerts = await hitRateAlerts();
		return alerts.filter((a) => a.state === 'firing').length === 2 ? alerts : undefined;
	}, FOR_MS + 60_000);
	expect(firing.map((a) => [a.labels.severity, a.labels.target, a.labels.service, Number(a.value)]).sort()).toEqual([
		['critical', 'docs', 'rag-api', bad.hitRate],
		['warning', 'docs', 'rag-api', bad.hitRate],
	]);
	const all = await retrievalAlerts();
	console.log(`bad re-index: ${bad.message}; pending first (${show(pending).join(', ')}), then firing: ${show(all).join(', ')}`);

	await reindex('good');
	const good = await runCanary();
	expect(good.output).toBe('pass');
	await pushSeen(good);
	await until('the retrieval alerts cleared by the good push', async () => (await retrievalAlerts()).length === 0, 30_000);
});
