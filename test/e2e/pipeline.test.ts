/**
 * The whole alert pipeline, every process real and on 127.0.0.1:
 *
 *   example RAG API ──probe── n8n (published health watch, this package installed)
 *                              │ push                      └─ HTTP Request → receiver /n8n ("Slack message from n8n")
 *                              ▼
 *                        Pushgateway ◀─scrape── Prometheus (generated config + rules from
 *                                                   │        examples/pipeline.config.yaml)
 *                                                   ▼
 *                                             Alertmanager (generated routing) → receiver /slack, /pagerduty
 *
 * Proves: stopping the RAG API gives exactly one firing notification, on the
 * PagerDuty path (the target is critical), and exactly one `down` message
 * from n8n; starting it again exactly one resolved notification and one
 * `recovered`. Also: a failed ingestion run and a stale manifest (pushed by
 * the real nodes run in n8n) fire their alerts; every ragops_* and n8n_*
 * metric of the catalog is seen in the real Pushgateway or n8n; stopping n8n
 * fires the stale-pushes alert (inhibited at Alertmanager by N8nDown, as the
 * generated inhibition rules say).
 *
 * Times from each fault to each notification are printed (not asserted):
 * docs/benchmarks.md "Alert pipeline". Waits are bounded only so a broken
 * pipeline fails instead of hanging. Takes several minutes: the generated
 * ingestion and freshness alerts have a fixed `for: 5m`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { buildCatalog } from '../../gen/catalog';
import { loadConfig } from '../../gen/config/load';
import { freePort, startAlertmanager, startPrometheus, writeObservabilityConfig } from '../../testbed/observability';
import type { ManagedProcess } from '../../testbed/processes';
import { startExampleStack, type ExampleStack } from '../../testbed/stack/stack';
import { dropUnservedHealthTargets, localiseWorkflow, type Workflow, type WorkflowNode } from '../../testbed/stack/workflows';
import { startAlertReceiver, type AlertNotification, type AlertReceiver } from '../../testbed/alertReceiver';
import type { N8nServer, N8nTestBed } from '../../testbed/n8n/testbed';
import { createCheckedTestBed } from '../../testbed/n8n/checkedBed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';

jest.setTimeout(30 * 60_000);

const ROOT = resolve(__dirname, '../..');
const CONFIG = join(ROOT, 'examples/pipeline.config.yaml');
const SHIPPED_HEALTH_WATCH = join(ROOT, 'workflows/health-watch.json');
const FIXTURES = join(__dirname, 'fixtures');
/** Upper bound of any single wait: a broken pipeline fails here instead of hanging. */
const WAIT_MS = 8 * 60_000;
/** After the expected notification, keep listening this long for duplicates (Alertmanager's group_interval is 2 s). */
const SETTLE_MS = 20_000;

let receiver: AlertReceiver;
let stack: ExampleStack;
let pgw: PushgatewayServer;
let bed: N8nTestBed;
let n8n: N8nServer;
let prometheus: ManagedProcess;
let alertmanager: ManagedProcess;
let dir: string;
let promStartedAt = 0;
const timings: Array<[string, number]> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fixture(name: string, vars: Record<string, string>): Workflow {
	let text = readFileSync(join(FIXTURES, name), 'utf8');
	for (const [k, v] of Object.entries(vars)) text = text.replaceAll(k, v);
	return JSON.parse(text) as Workflow;
}

/**
 * The health watch under test: workflows/health-watch.json, localised, with its
 * RAG Health Watch every 5 s, only the targets the local stack serves, no
 * retries, and its Slack/PagerDuty nodes (SaaS APIs) replaced by one HTTP
 * Request to the receiver that stands in for "the Slack message from n8n".
 */
function healthWatch(pgwCredential: { id: string; name: string }): Workflow {
	const source = JSON.parse(readFileSync(SHIPPED_HEALTH_WATCH, 'utf8')) as Workflow;
	const hosts = { 'rag-api:8000': new URL(stack.urls.ragApi).host, 'ingestion:8200': new URL(stack.urls.ingestion).host };
	const wf = localiseWorkflow(source, hosts, { ragOpsPushgatewayApi: pgwCredential });
	const watch = wf.nodes.find((n) => n.type === 'n8n-nodes-ragops.ragHealthWatchTrigger');
	if (!watch) throw new Error('the health watch has no RAG Health Watch trigger');
	dropUnservedHealthTargets(wf);
	watch.parameters = {
		...watch.parameters,
		// the shortest interval the watch offers
		interval: 5,
		options: { ...(watch.parameters.options as object), retries: 0, timeout: 1000, failuresToDown: 3, successesToUp: 2 },
		pushMetrics: true,
	};
	const message: WorkflowNode = {
		id: 'c0000000-0000-4000-8000-000000000001',
		name: 'Slack message from n8n',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [560, 0],
		parameters: {
			method: 'POST',
			url: `${receiver.url}/n8n`,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify({ event: $json.event, target: $json.target, critical: $json.critical }) }}',
			options: {},
		},
	};
	return {
		id: (wf.id as string) ?? 'ragopsPipeWatch1',
		name: `${String(wf.name)} (pipeline test)`,
		nodes: [watch, message],
		connections: {
			[watch.name]: { main: [[{ node: message.name, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		active: false,
	};
}

async function promQuery(query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
	const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
	return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
}

type PromAlert = { labels: Record<string, string>; state: string; activeAt: string };
async function promAlerts(): Promise<PromAlert[]> {
	return ((await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } }).data.alerts;
}

async function until<T>(what: string, find: () => Promise<T | undefined> | T | undefined, timeoutMs = WAIT_MS): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await find();
		if (found !== undefined && found !== false) return found;
		if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
		await sleep(250);
	}
}

const about = (alertname: string, service: string) => (n: AlertNotification) => n.alertname === alertname && n.service === service;
const n8nMessages = (target: string, event: string) =>
	receiver.on('/n8n').filter((r) => (r.body as { target?: string; event?: string }).target === target && (r.body as { event?: string }).event === event);

function record(label: string, since: number, at: number) {
	const seconds = (at - since) / 1000;
	timings.push([label, seconds]);
	console.log(`alert pipeline: ${label}: ${seconds.toFixed(1)} s`);
}

beforeAll(async () => {
	receiver = await startAlertReceiver();
	stack = await startExampleStack({ qdrantApiKey: 'pipeline-key' });
	pgw = await startPushgateway();
	bed = await createCheckedTestBed();

	const [pgwId, qdrantId] = await bed.importCredentials([
		{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pgw.url } },
		{ name: 'RagOps Qdrant', type: 'ragOpsQdrantApi', data: { url: stack.urls.qdrant, apiKey: 'pipeline-key' } },
	]);
	const vars = { __INGESTION__: stack.urls.ingestion, __RAGAPI__: stack.urls.ragApi, __PGW_CRED__: pgwId!, __QDRANT_CRED__: qdrantId! };

	// Batch work first, through `n8n execute` (before `n8n start`: one process on the SQLite DB at a time).
	// handbook succeeds (writes the manifest), docs fails; a backup is created, downloaded and verified.
	stack.ingestion.setOutcome('docs', 'fail');
	const batch = await bed.run(fixture('pipeline-batch.json', vars));
	expect(batch.error).toBeUndefined();
	// The manifest is now 90 minutes old: past the config's warnAfter (1h), before errorAfter (2h).
	stack.ingestion.backdateManifest(90 * 60);
	const freshness = await bed.run(fixture('pipeline-freshness.json', vars));
	expect(freshness.error).toBeUndefined();

	const watchId = await bed.importWorkflow(healthWatch({ id: pgwId!, name: 'RagOps Pushgateway' }));
	await bed.publishWorkflow(watchId);
	n8n = await bed.startServer();

	dir = mkdtempSync(join(tmpdir(), 'ragops-pipeline-'));
	const [promPort, amPort] = [await freePort(), await freePort()];
	const config = writeObservabilityConfig(
		CONFIG,
		dir,
		{
			jobs: {
				prometheus: `127.0.0.1:${promPort}`,
				alertmanager: `127.0.0.1:${amPort}`,
				pushgateway: new URL(pgw.url).host,
				n8n: new URL(n8n.baseUrl).host,
			},
			alertmanager: `127.0.0.1:${amPort}`,
		},
		receiver.url,
	);
	alertmanager = await startAlertmanager(config, amPort);
	prometheus = await startPrometheus(config, promPort);
	promStartedAt = Date.now();
	console.log(`alert pipeline: dropped scrape jobs without a local process: ${config.dropped.join(', ') || 'none'}`);
});

afterAll(async () => {
	// Everything started here, stopped by PID / closed, in reverse order; failures in one do not skip the rest.
	for (const stop of [
		() => prometheus?.stop(),
		() => alertmanager?.stop(),
		() => bed?.dispose(),
		() => pgw?.stop(),
		() => stack?.stop(),
		() => receiver?.stop(),
	]) {
		await Promise.resolve(stop()).catch((error: unknown) => console.error(error));
	}
	if (dir) rmSync(dir, { recursive: true, force: true });
	if (timings.length) console.log(`alert pipeline timings:\n${timings.map(([l, s]) => `  ${l}: ${s.toFixed(1)} s`).join('\n')}`);
});

test('the published health watch pushes to the Pushgateway and Prometheus sees the RAG API up', async () => {
	const up = await until('ragops_health_up{target="rag-api"} == 1 in Prometheus', async () =>
		(await promQuery('ragops_health_up{job="ragops_health",target="rag-api"} == 1')).length > 0 || undefined,
	);
	expect(up).toBe(true);
	expect(receiver.on('/n8n')).toEqual([]);
	expect(receiver.notifications().filter(about('RagHealthTargetDown', 'rag-api'))).toEqual([]);
});

test('RAG API stopped: exactly one firing notification on the PagerDuty path and one `down` from n8n', async () => {
	const stoppedAt = Date.now();
	await stack.ragApi.stop();

	const down = await until('`down` message from n8n', () => n8nMessages('rag-api', 'down')[0]);
	record('RAG API stopped → n8n `down` message', stoppedAt, down.at);
	const firing = await until('firing RagHealthTargetDown notification', () =>
		receiver.notifications().find((n) => about('RagHealthTargetDown', 'rag-api')(n) && n.status === 'firing'),
	);
	record('RAG API stopped → Alertmanager firing notification', stoppedAt, firing.at);
	await sleep(SETTLE_MS);

	// every notification about the RAG API, whatever the alert: exactly this one
	const notes = receiver.notifications().filter((n) => n.service === 'rag-api');
	expect(notes.map((n) => `${n.receiver}:${n.status}:${n.alertname}:${n.severity}`)).toEqual(['pagerduty:firing:RagHealthTargetDown:critical']);
	expect(notes[0].eventAction).toBe('trigger');
	expect(n8nMessages('rag-api', 'down')).toHaveLength(1);
	expect(receiver.on('/n8n').map((r) => (r.body as { event: string }).event)).toEqual(['down']);
});

test('RAG API started again: exactly one resolved notification and one `recovered` from n8n', async () => {
	const startedAt = Date.now();
	await stack.ragApi.start();

	const recovered = await until('`recovered` message from n8n', () => n8nMessages('rag-api', 'recovered')[0]);
	record('RAG API started → n8n `recovered` message', startedAt, recovered.at);
	const resolved = await until('resolved RagHealthTargetDown notification', () =>
		receiver.notifications().find((n) => about('RagHealthTargetDown', 'rag-api')(n) && n.status === 'resolved'),
	);
	record('RAG API started → Alertmanager resolved notification', startedAt, resolved.at);
	await sleep(SETTLE_MS);

	const notes = receiver.notifications().filter((n) => n.service === 'rag-api');
	expect(notes.map((n) => `${n.receiver}:${n.status}:${n.alertname}:${n.severity}`)).toEqual([
		'pagerduty:firing:RagHealthTargetDown:critical',
		'pagerduty:resolved:RagHealthTargetDown:critical',
	]);
	expect(notes[1].eventAction).toBe('resolve');
	expect(receiver.on('/n8n').map((r) => (r.body as { event: string }).event)).toEqual(['down', 'recovered']);
});

test('a failed ingestion run fires RagIngestionFailed (warning → Slack)', async () => {
	const firing = await until('RagIngestionFailed notification', () =>
		receiver.notifications().find((n) => about('RagIngestionFailed', 'ingestion')(n) && n.status === 'firing'),
	);
	record('Prometheus start → RagIngestionFailed notification (for: 5m)', promStartedAt, firing.at);
	expect(firing).toMatchObject({ receiver: 'slack', severity: 'warning' });
	const alert = (await promAlerts()).find((a) => a.labels.alertname === 'RagIngestionFailed');
	expect(alert).toMatchObject({ state: 'firing', labels: { target: 'docs', service: 'ingestion' } });
	// handbook succeeded: no failure alert for it
	expect((await promQuery('ragops_ingestion_last_run_success{target="handbook"}'))[0]?.value[1]).toBe('1');
});

test('a stale manifest fires RagFreshnessManifestStale (warning → Slack), not the critical one', async () => {
	const firing = await until('RagFreshnessManifestStale notification', () =>
		receiver.notifications().find((n) => about('RagFreshnessManifestStale', 'ingestion')(n) && n.status === 'firing'),
	);
	record('Prometheus start → RagFreshnessManifestStale notification (for: 5m)', promStartedAt, firing.at);
	expect(firing).toMatchObject({ receiver: 'slack', severity: 'warning' });
	const stale = (await promAlerts()).filter((a) => a.labels.alertname === 'RagFreshnessManifestStale');
	expect(stale.map((a) => `${a.labels.severity}:${a.state}:${a.labels.target}`)).toEqual(['warning:firing:docs']);
});

test('every ragops_* and n8n_* metric of the catalog is in the real Pushgateway or n8n /metrics', async () => {
	const exposed = new Set(
		`${await pgw.metrics()}\n${await n8n.metrics()}`
			.split('\n')
			.map((line) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/.exec(line)?.[1])
			.filter((n): n is string => n !== undefined),
	);
	const catalog = buildCatalog(loadConfig(CONFIG));
	const wanted = [...catalog.keys()].filter((n) => n.startsWith('ragops_') || n.startsWith('n8n_')).sort();
	const missing = wanted.filter((n) => !exposed.has(n));
	console.log(`alert pipeline: catalog ragops_*/n8n_* metrics: ${wanted.length}, missing: ${missing.join(', ') || 'none'}`);
	expect(missing).toEqual([]);
});

test('n8n stopped: RagOpsHealthPushesStale fires in Prometheus, inhibited at Alertmanager by N8nDown', async () => {
	const stoppedAt = Date.now();
	await n8n.stop();

	const n8nDown = await until('N8nDown notification', () =>
		receiver.notifications().find((n) => about('N8nDown', 'n8n')(n) && n.status === 'firing'),
	);
	record('n8n stopped → N8nDown notification', stoppedAt, n8nDown.at);
	expect(n8nDown).toMatchObject({ receiver: 'pagerduty', severity: 'critical' });

	const stale = await until('RagOpsHealthPushesStale firing in Prometheus', async () =>
		(await promAlerts()).find((a) => a.labels.alertname === 'RagOpsHealthPushesStale' && a.state === 'firing'),
	);
	record('n8n stopped → RagOpsHealthPushesStale firing in Prometheus', stoppedAt, Date.now());
	expect(stale.labels).toMatchObject({ severity: 'critical', service: 'ragops' });

	type AmAlert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
	const inAm = await until('RagOpsHealthPushesStale at Alertmanager', async () =>
		((await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as AmAlert[]).find(
			(a) => a.labels.alertname === 'RagOpsHealthPushesStale',
		),
	);
	expect(inAm.status.state).toBe('suppressed');
	expect(inAm.status.inhibitedBy.length).toBeGreaterThan(0);
	await sleep(SETTLE_MS);
	expect(receiver.notifications().filter(about('RagOpsHealthPushesStale', 'ragops'))).toEqual([]);
});
