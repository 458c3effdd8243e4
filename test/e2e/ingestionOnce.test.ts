/**
 * Exactly one ingestion run per source version, in real n8n 2.40.7 — regular
 * mode (SQLite) and queue mode (Postgres + Redis, main + 2 workers at
 * concurrency 5 + a webhook processor that takes the deliveries; the package
 * installed from `npm pack` in every process), with
 * the shipped workflows/repo-ingestion.json published and its RAG Ingestion
 * pointed at the example ingestion service (testbed/stack/ingestionApi.ts,
 * runs in a SQLite file with UNIQUE(idempotency_key)). What the test copy
 * changes: the ingestion URL, a faster status poll, and in regular mode Key
 * Memory 0.0002 h (under a second), so the node's static-data first filter
 * has forgotten a key by the next delivery and every execution asks the API;
 * in queue mode the shipped settings stay (a worker starts from empty static
 * data anyway). The workflow is gated (issue 15): its snapshot, retrieval gate
 * and rollback nodes point at the example stack's Qdrant stand-in and RAG API,
 * with a local Pushgateway.
 *
 * Deliveries, each signed like GitHub signs them:
 * 1. the same delivery ×20 at once;
 * 2. that delivery redelivered after its run ended, three times;
 * 3. the captured body re-sent with fresh delivery ids, twice in a row and
 *    five at once (the trigger's delivery-id guard cannot catch these).
 * After each, the service holds exactly one run. The guard's answers
 * (accepted / duplicate) are recorded but not asserted: it is best-effort by
 * design; the count that matters is the service's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startIngestionApi, type IngestionApi } from '../../testbed/stack/ingestionApi';
import { startExampleStack, type ExampleStack } from '../../testbed/stack/stack';
import { localiseWorkflow, type Workflow } from '../../testbed/stack/workflows';
import { signPayload } from '../../nodes/IngestWebhookTrigger/hmac';
import { QueueCluster } from '../../testbed/n8n/queue';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed, type WorkflowRun } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';
import { readWorkflow } from '../unit/workflows/workflowFiles';

jest.setTimeout(900_000);

const SECRET = 'e2e-webhook-secret-0123456789';
const WORKFLOW = 'repo-ingestion.json';
const PATH = 'ragops-repo-push';
const HEAD = '4f2c1e9b7a0d3c5e8f6a1b2c3d4e5f60718293a4';

describe.each([['regular'], ['queue']] as const)('%s mode', (mode) => {
	let dir: string;
	let api: IngestionApi;
	let stack: ExampleStack;
	let pushgateway: PushgatewayServer;
	let bed: N8nTestBed;
	let cluster: QueueCluster | undefined;
	/** Where executions are read: the main. */
	let n8n: N8nServer;
	/** Where deliveries go: the main in regular mode, the webhook processor in queue mode. */
	let webhookUrl: string;
	let workflowId: string;
	const figures: string[] = [];

	const payload = JSON.stringify({
		ref: 'refs/heads/main',
		after: HEAD,
		repository: { name: 'handbook', full_name: 'acme/handbook', default_branch: 'main' },
		commits: [{ id: HEAD, added: ['docs/onboarding.md'], modified: [], removed: [] }],
	});

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ragops-once-'));
		api = await startIngestionApi({ dataPath: join(dir, 'runs.db'), pollsUntilDone: 2 });
		if (mode === 'queue') {
			cluster = await QueueCluster.start({ workers: 2, concurrency: 5, webhook: true });
			bed = cluster.bed;
		} else {
			bed = await N8nTestBed.create();
		}
		stack = await startExampleStack({ qdrantApiKey: 'once-qdrant-key' });
		pushgateway = await startPushgateway();
		// The names the shipped workflow references; n8n links them by name on import.
		const [, slackId] = await bed.importCredentials([
			{ name: 'RagOps GitHub Webhook Secret', type: 'ragOpsWebhookSecretApi', data: { secret: SECRET } },
			{ name: 'RagOps Slack', type: 'slackApi', data: { accessToken: 'not-a-token' } },
			{ name: 'RagOps Qdrant', type: 'ragOpsQdrantApi', data: { url: stack.qdrant.url, apiKey: 'once-qdrant-key' } },
			{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pushgateway.url } },
		]);
		const local = (url: string) => url.replace(/^https?:\/\//, '');
		const hosts = { 'rag-api:8000': local(stack.ragApi.url), 'qdrant:6333': local(stack.qdrant.url), 'localhost:6333': local(stack.qdrant.url) };
		// As a user going live: the shipped webhook trigger enabled, a Slack credential picked.
		const wf = localiseWorkflow(readWorkflow(WORKFLOW) as unknown as Workflow, hosts, { slackApi: { id: slackId!, name: 'RagOps Slack' } });
		for (const node of wf.nodes.filter((n) => n.type === 'n8n-nodes-ragops.ragIngestion')) {
			node.parameters = {
				...node.parameters,
				baseUrl: api.url,
				options: { pollIntervalSeconds: 0.05, maxPollIntervalSeconds: 0.1, ...(mode === 'regular' ? { keyTtlHours: 0.0002 } : {}) },
			};
		}
		workflowId = await bed.importWorkflow(wf as unknown as Record<string, unknown>);
		n8n = cluster ? cluster.main : await bed.startServer();
		await n8n.activateWorkflow(workflowId);
		webhookUrl = cluster ? cluster.webhookUrl(PATH) : n8n.webhookUrl(PATH);
	});

	afterAll(async () => {
		if (figures.length) console.log(`exactly once per source version (${mode} mode):\n${figures.join('\n')}`);
		if (cluster) await cluster.stop();
		else await bed?.dispose();
		await api?.stop();
		await stack?.stop();
		await pushgateway?.stop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	async function deliver(delivery: string): Promise<string> {
		const res = await fetch(webhookUrl, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'X-GitHub-Event': 'push',
				'X-GitHub-Delivery': delivery,
				'X-Hub-Signature-256': signPayload(SECRET, payload),
				'User-Agent': 'GitHub-Hookshot/e2e',
			},
			body: payload,
		});
		const body = (await res.json()) as { status?: string };
		if (res.status !== 200) throw new Error(`webhook answered ${res.status} ${JSON.stringify(body)}\n${n8n.log().slice(-3000)}`);
		return String(body.status);
	}

	const tally = (answers: string[]) =>
		[...answers.reduce((m, a) => m.set(a, (m.get(a) ?? 0) + 1), new Map<string, number>())].map(([a, n]) => `${n} ${a}`).join(', ');

	/** Waits until `expected` executions have finished, then returns every finished one, newest first. */
	async function executionsDone(expected: number): Promise<WorkflowRun[]> {
		if (expected > 0) await n8n.waitForExecution(workflowId, { count: expected, timeoutMs: 180_000 });
		const done = (await n8n.listExecutions(workflowId))
			.filter((e) => !['new', 'running', 'waiting'].includes(e.status))
			.sort((a, b) => Number(b.id) - Number(a.id));
		return Promise.all(done.map((e) => n8n.getExecution(e.id)));
	}

	/** What the RAG Ingestion node of each execution did: "succeeded run-1", "skipped duplicate run-1" (the API's answer)… */
	function outcomes(runs: WorkflowRun[]): string[] {
		return runs.map((run) => {
			if (run.error) return `error: ${run.error.message}`;
			const success = run.json('RAG Ingestion', 0)[0];
			const skipped = run.json('RAG Ingestion', 2)[0];
			const failed = run.json('RAG Ingestion', 1)[0];
			if (success) return `succeeded ${String(success.runId)}`;
			if (skipped) return `skipped ${String(skipped.reason)} ${String(skipped.runId)}`;
			return `failed ${JSON.stringify(failed)}`;
		});
	}

	let accepted = 0;

	test('the same signed delivery ×20 at once: exactly one ingestion run at the service', async () => {
		const answers = await Promise.all(Array.from({ length: 20 }, () => deliver('gh-delivery-1')));
		accepted += answers.filter((a) => a === 'accepted').length;
		const runs = await executionsDone(accepted);
		expect(api.runs.map((r) => r.idempotency_key)).toEqual([`acme/handbook@${HEAD}`]);
		const seen = outcomes(runs);
		expect(seen.filter((o) => o.startsWith('succeeded'))).toEqual(['succeeded run-1']);
		expect(seen.filter((o) => !o.startsWith('succeeded') && !/^skipped (duplicate|in_progress) run-1$/.test(o))).toEqual([]);
		figures.push(`  20 concurrent copies of one delivery: guard ${tally(answers)}; ${runs.length} execution(s): ${tally(seen)}; runs at the service: ${api.runs.length}`);
	});

	test('redelivered after its run ended, three times: no second run', async () => {
		expect(api.runs[0]!.status).toBe('succeeded');
		const answers: string[] = [];
		for (let i = 0; i < 3; i++) answers.push(await deliver('gh-delivery-1'));
		const before = accepted;
		accepted += answers.filter((a) => a === 'accepted').length;
		const runs = await executionsDone(accepted);
		expect(api.runs).toHaveLength(1);
		const seen = outcomes(runs.slice(0, accepted - before));
		expect(seen.every((o) => o === 'skipped duplicate run-1')).toBe(true);
		figures.push(`  3 redeliveries after the run: guard ${tally(answers)}; new executions: ${accepted - before}; runs at the service: ${api.runs.length}`);
	});

	test('the captured body with fresh delivery ids (2 in a row, then 5 at once): every execution is Skipped as duplicate of run-1', async () => {
		const answers = [await deliver('gh-delivery-2'), await deliver('gh-delivery-3')];
		answers.push(...(await Promise.all([4, 5, 6, 7, 8].map((n) => deliver(`gh-delivery-${n}`)))));
		// Fresh ids pass the delivery guard: only the key stops a second run.
		expect(answers).toEqual(Array(7).fill('accepted'));
		accepted += 7;
		const runs = await executionsDone(accepted);
		expect(runs).toHaveLength(accepted);
		const fresh = outcomes(runs.slice(0, 7));
		// Skipped by the API's replay (run-1) or, within Key Memory, by the node's own first filter (no run id).
		expect(fresh.filter((o) => !/^skipped duplicate (run-1|null)$/.test(o))).toEqual([]);
		expect(api.runs).toHaveLength(1);
		if (mode === 'queue') expect(fresh).toEqual(Array(7).fill('skipped duplicate run-1'));
		figures.push(
			`  7 re-sends with fresh delivery ids: guard ${tally(answers)}; 7 executions: ${tally(fresh)}; replays answered by the service so far: ${api.replays.length}; runs at the service: ${api.runs.length}`,
		);
	});
});
