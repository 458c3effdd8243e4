/**
 * A schedule edited in n8n keeps the staleness alert right, every process real
 * and on 127.0.0.1:
 *
 *   health server ◀─check── n8n (shipped health watch, this package installed)
 *                              │ push
 *                              ▼
 *                        Pushgateway ◀─scrape── Prometheus (generated config + rules from
 *                                                          test/e2e/fixtures/scheduleEdit.config.yaml:
 *                                                          watch every 5 s, stale after 10 s)
 *
 * The watch runs at 5 s, then its Check Every is changed to 20 s through n8n's
 * REST API the way the editor saves and publishes (PATCH the workflow, POST
 * /activate with the new versionId). The gaps between pushes then exceed what
 * the config alone allowed (3 × 5 s), and RagOpsHealthPushesStale must not
 * even go pending; stopped (POST /deactivate), it must go pending and fire.
 * No rule is regenerated in between. Waits are bounded only so a broken
 * pipeline fails instead of hanging; the firing wait is the rule's `for: 2m`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { STALE_INTERVALS } from '../../gen/prometheus/rules/health';
import { createCheckedTestBed } from '../../testbed/n8n/checkedBed';
import { startRulesPrometheus } from '../../testbed/observability';
import type { ManagedProcess } from '../../testbed/processes';
import { localiseWorkflow, type Workflow } from '../../testbed/stack/workflows';
import { startHealthServer, type HealthServer } from '../../testbed/faults/healthServers';
import type { N8nServer, N8nTestBed } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';

jest.setTimeout(20 * 60_000);

const ROOT = resolve(__dirname, '../..');
const CONFIG = join(__dirname, 'fixtures/scheduleEdit.config.yaml');
const SHIPPED_HEALTH_WATCH = join(ROOT, 'workflows/health-watch.json');
const WATCH_TYPE = 'n8n-nodes-ragops.ragHealthWatchTrigger';
const STALE = 'RagOpsHealthPushesStale';
/** The config's healthChecks: every 5s, staleAfter 10s. */
const CONFIG_EVERY_S = 5;
const STALE_AFTER_S = 10;
const EDITED_S = 20;
const WAIT_MS = 5 * 60_000;

let health: HealthServer;
let pgw: PushgatewayServer;
let bed: N8nTestBed;
let n8n: N8nServer;
let prometheus: ManagedProcess;
let dir: string;
let workflowId: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shipped health watch, localised: only its trigger, one target (the local health server), every 5 s. */
function healthWatch(pgwCredential: { id: string; name: string }): Workflow {
	const source = JSON.parse(readFileSync(SHIPPED_HEALTH_WATCH, 'utf8')) as Workflow;
	const wf = localiseWorkflow(source, {}, { ragOpsPushgatewayApi: pgwCredential });
	const watch = wf.nodes.find((n) => n.type === WATCH_TYPE);
	if (!watch) throw new Error('the health watch has no RAG Health Watch trigger');
	watch.parameters = {
		...watch.parameters,
		interval: CONFIG_EVERY_S,
		targets: { target: [{ name: 'rag-api', url: health.url('/healthz'), preset: 'generic', critical: true }] },
		options: { ...(watch.parameters.options as object), retries: 0, timeout: 1000 },
		pushMetrics: true,
	};
	return {
		id: 'ragopsSchedEdit1',
		name: 'RAG Health Watch (schedule-edit test)',
		nodes: [watch],
		connections: {},
		settings: { executionOrder: 'v1' },
		active: false,
	};
}

async function promQuery(query: string): Promise<number[]> {
	const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
	const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
	return body.data.result.map((r) => Number(r.value[1]));
}

type PromAlert = { labels: Record<string, string>; state: string };
async function staleAlerts(): Promise<PromAlert[]> {
	const alerts = ((await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } }).data.alerts;
	return alerts.filter((a) => a.labels.alertname === STALE);
}

async function until<T>(what: string, find: () => Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await find();
		if (found !== undefined && found !== false) return found;
		if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
		await sleep(250);
	}
}

const pushedInterval = async () => (await promQuery(`ragops_health_check_interval_seconds{job="ragops_health",target="rag-api"}`))[0];

beforeAll(async () => {
	health = await startHealthServer();
	pgw = await startPushgateway();
	bed = await createCheckedTestBed();
	const [pgwId] = await bed.importCredentials([{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pgw.url } }]);
	workflowId = await bed.importWorkflow(healthWatch({ id: pgwId!, name: 'RagOps Pushgateway' }));
	await bed.publishWorkflow(workflowId);
	n8n = await bed.startServer();

	dir = mkdtempSync(join(tmpdir(), 'ragops-schedule-edit-'));
	prometheus = await startRulesPrometheus(CONFIG, dir, { pushgatewayUrl: pgw.url, n8nUrl: n8n.baseUrl });
});

afterAll(async () => {
	for (const stop of [() => prometheus?.stop(), () => bed?.dispose(), () => pgw?.stop(), () => health?.stop()]) {
		await Promise.resolve(stop()).catch((error: unknown) => console.error(error));
	}
	if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the published watch pushes the interval it runs at (5 s) and the stale alert is quiet', async () => {
	expect(await until('interval 5 in Prometheus', async () => (await pushedInterval()) === CONFIG_EVERY_S)).toBe(true);
	// Before Prometheus's first scrape of the Pushgateway the absent branch is true for an
	// evaluation or two; once the pushes are seen the alert clears and stays clear.
	await until('stale alert cleared after the first scrapes', async () => (await staleAlerts()).length === 0, 30_000);
	const seen: PromAlert[] = [];
	for (const end = Date.now() + 3 * CONFIG_EVERY_S * 1000; Date.now() < end; await sleep(500)) seen.push(...(await staleAlerts()));
	expect(seen).toEqual([]);
});

test('Check Every edited to 20 s through the REST API as the editor does: no stale alert, not even pending', async () => {
	// The editor's save: PATCH the whole workflow with the versionId it was loaded at …
	const loaded = await n8n.rest<Workflow & { versionId: string; checksum?: string }>('GET', `/workflows/${workflowId}`);
	const nodes = loaded.nodes.map((n) => (n.type === WATCH_TYPE ? { ...n, parameters: { ...n.parameters, interval: EDITED_S } } : n));
	const saved = await n8n.rest<{ versionId: string; checksum: string }>('PATCH', `/workflows/${workflowId}`, {
		name: loaded.name,
		nodes,
		connections: loaded.connections,
		settings: loaded.settings,
		versionId: loaded.versionId,
		expectedChecksum: loaded.checksum,
	});
	expect(saved.versionId).not.toBe(loaded.versionId);
	// … then Publish (POST /activate with the saved versionId), live once the publication status says so.
	await n8n.activateWorkflow(workflowId);
	const editedAt = Date.now();
	expect(await until('interval 20 in Prometheus', async () => (await pushedInterval()) === EDITED_S)).toBe(true);

	// Watch for three edited intervals: the alert never even goes pending, while
	// the push age does pass what the config alone allowed (3 × 5 s; staleAfter 10 s).
	const configLimit = Math.max(STALE_INTERVALS * CONFIG_EVERY_S, STALE_AFTER_S);
	let maxAge = 0;
	const seen: PromAlert[] = [];
	while (Date.now() - editedAt < 3 * EDITED_S * 1000) {
		seen.push(...(await staleAlerts()));
		const [age] = await promQuery('time() - max(push_time_seconds{job="ragops_health"})');
		maxAge = Math.max(maxAge, age ?? 0);
		await sleep(500);
	}
	console.log(`schedule edit: largest push age over ${3 * EDITED_S} s at ${EDITED_S} s: ${maxAge.toFixed(1)} s (config alone: stale after ${configLimit} s)`);
	expect(seen).toEqual([]);
	expect(maxAge).toBeGreaterThan(configLimit);
	expect(maxAge).toBeLessThan(STALE_INTERVALS * EDITED_S);
});

test('the workflow stopped: RagOpsHealthPushesStale goes pending after 3 × 20 s and fires after its `for`', async () => {
	await n8n.rest('POST', `/workflows/${workflowId}/deactivate`, {});
	const stoppedAt = Date.now();
	const pending = await until('pending stale alert', async () => (await staleAlerts()).find((a) => a.state === 'pending'));
	const pendingAfter = (Date.now() - stoppedAt) / 1000;
	expect(pending.labels).toMatchObject({ severity: 'critical', service: 'ragops', job: 'ragops_health' });
	// Not before the pushed interval's limit: the last push was at most one 20 s tick before the stop.
	expect(pendingAfter).toBeGreaterThan(STALE_INTERVALS * EDITED_S - EDITED_S);
	const firing = await until('firing stale alert', async () => (await staleAlerts()).find((a) => a.state === 'firing'));
	console.log(`schedule edit: stopped → pending ${pendingAfter.toFixed(1)} s, → firing ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);
	expect(firing.labels.severity).toBe('critical');
});
