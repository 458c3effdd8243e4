/**
 * The closed retrieval loop in real n8n 2.40.7 (this package installed from
 * `npm pack`, testbed/n8n): the shipped `nightly-ingestion.json` (gated)
 * and `retrieval-canary.json` published in a running `n8n start`, against the
 * example stack (testbed/stack: RAG API searching the points of the Qdrant
 * stand-in, ingestion API writing them, switchable to a bad re-index with
 * `stack.ingestion.setReindexMode`), a real Pushgateway, and a local receiver
 * standing in for Slack.
 *
 * - good re-index: the Retrieval Gate passes, Accept Baseline writes the run's
 *   ranked ids to the data table `ragops_retrieval_baselines` (read back over
 *   n8n's REST API), nothing is restored, nothing is sent; the canary then
 *   reads that baseline (overlap 1 on every answered case);
 * - bad re-index: the gate fails, the pre-ingestion snapshot of this run is
 *   recovered (the stand-in records the recovery), Check After Rollback
 *   passes, exactly one Slack message ("rolled back: recall@5 x → y", the two
 *   checks' figures), the accepted baseline is unchanged; the canary passes.
 *
 * Both in regular mode (SQLite, one `n8n start`) and in queue mode (Postgres +
 * Redis, main + 2 workers + a webhook processor; the executions run on the
 * workers, checked in their logs): the accepted baseline is a data-table row
 * in n8n's database, so the worker that runs the canary reads what another
 * worker's gate wrote — what static data cannot do (docs/scaling.md).
 *
 * Why published and started by a webhook rather than `n8n execute`: n8n's data
 * table module is initialised by `start`, `worker` and `webhook` only; the CLI's
 * `execute` answers "Attempted to use Data table node but the module is
 * disabled" (read in n8n/dist/commands/*.js: `moduleRegistry.initModules`).
 * What the test copies change: compose hosts → the local stack
 * (localiseWorkflow, plus Qdrant's own URL `localhost:6333` → the stand-in),
 * Slack → an HTTP Request to the receiver, a Webhook trigger beside Try It
 * feeding the same node, ingestion polling every 0.05 s. The shipped Schedule
 * Triggers stay disabled.
 */
import { startExampleStack, type ExampleStack } from '../../testbed/stack/stack';
import { localiseWorkflow, type Workflow, type WorkflowNode } from '../../testbed/stack/workflows';
import { receiverNode, startAlertReceiver, type AlertReceiver, type ExportedNode } from '../../testbed/alertReceiver';
import { QueueCluster } from '../../testbed/n8n/queue';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed, type WorkflowRun } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';
import { readWorkflow } from '../unit/workflows/workflowFiles';

jest.setTimeout(900_000);

const QDRANT_KEY = 'e2e-loop-qdrant-key';
const TABLE = 'ragops_retrieval_baselines';
const SLACK_PATH = '/slack-n8n';

type ReindexMode = 'good' | 'bad';
/** The example stack's switch for a bad re-index (testbed/stack/ingestionApi.ts). */
type Reindexable = ExampleStack['ingestion'] & { setReindexMode(mode: ReindexMode): void | Promise<void> };

let stack: ExampleStack;
let pushgateway: PushgatewayServer;
let receiver: AlertReceiver;
let bed: N8nTestBed;
let cluster: QueueCluster | undefined;
/** Where executions and REST calls go: the only server, or the queue-mode main. */
let n8n: N8nServer;
/** Where production webhooks are served: the main, or the queue-mode webhook processor. */
let webhookUrl: (path: string) => string;
const ids = { nightly: readWorkflow('nightly-ingestion.json').id, canary: readWorkflow('retrieval-canary.json').id };

async function setReindexMode(mode: ReindexMode): Promise<void> {
	const ingestion = stack.ingestion as Partial<Reindexable>;
	if (typeof ingestion.setReindexMode !== 'function') {
		throw new Error('testbed/stack has no ingestion.setReindexMode yet (the bad re-index switch of issue 15)');
	}
	await ingestion.setReindexMode(mode);
}

/** The shipped file, pointed at the local stack, started by a webhook `path` that feeds what Try It feeds. */
function testCopy(file: string, path: string, credentials: Record<string, { id: string; name: string }>): Workflow {
	const shipped = readWorkflow(file) as unknown as Workflow;
	const hosts = {
		'rag-api:8000': stack.ragApi.url.replace(/^https?:\/\//, ''),
		'ingestion:8200': stack.ingestion.url.replace(/^https?:\/\//, ''),
		'qdrant:6333': stack.qdrant.url.replace(/^https?:\/\//, ''),
		// Restore Snapshot's "Qdrant's Own URL": where Qdrant fetches its own snapshot from.
		'localhost:6333': stack.qdrant.url.replace(/^https?:\/\//, ''),
	};
	const wf = localiseWorkflow(shipped, hosts, credentials, { enableTriggers: false });
	wf.nodes = wf.nodes.map((node): WorkflowNode => {
		if (node.type === 'n8n-nodes-base.slack') {
			const p = node.parameters as { channelId: { value: string }; text: string };
			return receiverNode(node as ExportedNode, `${receiver.url}${SLACK_PATH}`, { channel: p.channelId.value, text: p.text }) as WorkflowNode;
		}
		if (node.type === 'n8n-nodes-ragops.ragIngestion') {
			node.parameters.options = { ...(node.parameters.options as object), pollIntervalSeconds: 0.05, maxPollIntervalSeconds: 0.05 };
		}
		return node;
	});
	const manual = wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')!;
	const connections = wf.connections as Record<string, unknown>;
	wf.nodes.push({
		id: `e2e-${path}`,
		name: 'E2E Start',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [manual.position[0], manual.position[1] + 200],
		webhookId: `e2e-${path}`,
		parameters: { httpMethod: 'POST', path, options: {} },
	});
	connections['E2E Start'] = connections[manual.name];
	return wf;
}

async function start(workflowId: string, path: string): Promise<WorkflowRun> {
	const before = (await n8n.listExecutions(workflowId)).length;
	const res = await fetch(webhookUrl(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	expect(res.status).toBe(200);
	const run = await n8n.waitForExecution(workflowId, { count: before + 1, timeoutMs: 180_000 });
	if (run.error) throw new Error(`${workflowId} failed in ${String(run.error.node?.name)}: ${run.error.message}`);
	if (cluster) {
		// Queue mode: a worker ran it (the main runs none), so the data table was read and written from there.
		const id = (await n8n.listExecutions(workflowId)).sort((a, b) => Number(b.id) - Number(a.id))[0]!.id;
		expect(cluster.workers.map((w) => w.log()).join('\n')).toMatch(new RegExp(`[Ee]xecution[^\\n]*\\b${id}\\b`));
	}
	return run;
}

/** The accepted-baseline row of the golden set, read over n8n's REST API (the data table lives in n8n's database). */
async function baselineRow(): Promise<Record<string, unknown> | undefined> {
	const tables = await n8n.rest<{ data: Array<{ id: string; name: string; projectId: string }> } | Array<{ id: string; name: string; projectId: string }>>('GET', '/data-tables-global');
	const list = Array.isArray(tables) ? tables : tables.data;
	const table = list.find((t) => t.name === TABLE);
	if (!table) return undefined;
	const rows = await n8n.rest<{ data: Array<Record<string, unknown>> }>('GET', `/projects/${table.projectId}/data-tables/${table.id}/rows?take=10&skip=0`);
	const docs = rows.data.filter((r) => r.goldenSet === 'docs');
	expect(docs.length).toBeLessThanOrEqual(1);
	return docs[0];
}

const slackMessages = () => receiver.on(SLACK_PATH).map((r) => r.body as { node: string; text: string });

describe.each([['regular'], ['queue']] as const)('%s mode', (mode) => {
	beforeAll(async () => {
		stack = await startExampleStack({ qdrantApiKey: QDRANT_KEY, collections: ['docs'] });
		pushgateway = await startPushgateway();
		receiver = await startAlertReceiver();
		if (mode === 'queue') {
			cluster = await QueueCluster.start({ workers: 2, concurrency: 5, webhook: true });
			bed = cluster.bed;
		} else {
			cluster = undefined;
			bed = await N8nTestBed.create();
		}
		const credentials = [
			{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pushgateway.url } },
			{ name: 'RagOps Qdrant', type: 'ragOpsQdrantApi', data: { url: stack.qdrant.url, apiKey: QDRANT_KEY } },
		];
		const credentialIds = await bed.importCredentials(credentials);
		const refs = Object.fromEntries(credentials.map((c, i) => [c.type, { id: credentialIds[i]!, name: c.name }]));
		await bed.importWorkflow([testCopy('nightly-ingestion.json', 'e2e-nightly', refs), testCopy('retrieval-canary.json', 'e2e-canary', refs)] as unknown as Array<Record<string, unknown>>);
		n8n = cluster ? cluster.main : await bed.startServer();
		webhookUrl = cluster ? (path) => cluster!.webhookUrl(path) : (path) => n8n.webhookUrl(path);
		await n8n.activateWorkflow(ids.nightly);
		await n8n.activateWorkflow(ids.canary);
	});

	afterAll(async () => {
		if (cluster) await cluster.stop();
		else await bed?.dispose();
		await Promise.all([stack?.stop(), pushgateway?.stop(), receiver?.stop()]);
	});

	let accepted: Record<string, unknown> | undefined;

	test('good re-index: snapshot verified, ingestion succeeds, the gate passes and its ranked ids become the accepted baseline; nothing restored, nothing sent; the canary compares with that baseline', async () => {
		if (typeof (stack.ingestion as Partial<Reindexable>).setReindexMode === 'function') await setReindexMode('good');
		const recoveriesBefore = stack.qdrant.recoveries.length;
		const run = await start(ids.nightly, 'e2e-nightly');
		const snapshot = run.json('Snapshot Before Ingestion')[0]!.snapshot as { name: string; checksum: string };
		expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true, sha256: snapshot.checksum });
		expect(run.json('RAG Ingestion', 0)[0]).toMatchObject({ status: 'succeeded' });
		const [pass, fail] = run.outputs('Retrieval Gate');
		expect(fail).toEqual([]);
		const gate = pass[0]!.json as { status: string; recall: number; hitRate: number; baseline: unknown[]; answeredCases: number; message: string };
		expect(gate.status).toMatch(/^(pass|warn)$/);
		expect(gate.hitRate).toBeGreaterThanOrEqual(0.8);
		expect(run.nodesRun).toContain('Accept Baseline');
		expect(run.nodesRun).not.toContain('Restore Snapshot');
		expect(stack.qdrant.recoveries.length).toBe(recoveriesBefore);
		expect(slackMessages()).toEqual([]);

		accepted = await baselineRow();
		expect(accepted).toMatchObject({ goldenSet: 'docs', recall: gate.recall, hitRate: gate.hitRate });
		expect(JSON.parse(String(accepted!.baseline))).toEqual(gate.baseline);
		expect(gate.baseline).toHaveLength(gate.answeredCases);

		// The canary reads the same row: every answered case is compared with it, and nothing moved.
		const canary = await start(ids.canary, 'e2e-canary');
		const [canaryPass] = canary.outputs('RAG Retrieval Check');
		expect(canaryPass[0]!.json).toMatchObject({ status: 'pass', comparedToBaseline: gate.answeredCases, overlap: 1 });
		expect(slackMessages()).toEqual([]);
		console.log(`${mode} mode, good re-index: ${gate.message}`);
	});

	test('bad re-index: the gate fails, this run\'s pre-ingestion snapshot is restored, the second check passes, exactly one Slack message with both recalls; the accepted baseline is unchanged; the canary passes', async () => {
		expect(accepted).toBeDefined();
		await setReindexMode('bad');
		const recoveriesBefore = stack.qdrant.recoveries.length;
		let run: WorkflowRun;
		try {
			run = await start(ids.nightly, 'e2e-nightly');
		} finally {
			await setReindexMode('good');
		}
		const snapshot = run.json('Snapshot Before Ingestion')[0]!.snapshot as { name: string; checksum: string };
		const [gatePass, gateFail] = run.outputs('Retrieval Gate');
		expect(gatePass).toEqual([]);
		const gate = gateFail[0]!.json as { status: string; recall: number; hitRate: number; message: string };
		expect(gate.status).toBe('fail');
		expect(run.nodesRun).not.toContain('Accept Baseline');
		expect(run.json('Restore Snapshot')[0]).toMatchObject({ operation: 'restore', source: 'snapshot', restored: true, checksum: snapshot.checksum });
		const recoveries = stack.qdrant.recoveries.slice(recoveriesBefore);
		expect(recoveries.map((r) => [r.collection, (r.location ?? '').endsWith(`/collections/docs/snapshots/${snapshot.name}`), r.sha256])).toEqual([['docs', true, snapshot.checksum]]);
		const [afterPass, afterFail] = run.outputs('Check After Rollback');
		expect(afterFail).toEqual([]);
		const after = afterPass[0]!.json as { recall: number; hitRate: number; message: string };
		expect(after.recall).toBeGreaterThan(gate.recall);

		const messages = slackMessages();
		expect(messages).toHaveLength(1);
		expect(messages[0]!.node).toBe('Slack: Rolled Back');
		expect(messages[0]!.text).toContain(`rolled back: recall@5 ${gate.recall.toFixed(2)} → ${after.recall.toFixed(2)}`);
		expect(messages[0]!.text).toContain(snapshot.name);
		expect(messages[0]!.text).not.toContain('still fails');

		expect(await baselineRow()).toEqual(accepted);
		const canary = await start(ids.canary, 'e2e-canary');
		expect(canary.outputs('RAG Retrieval Check')[0]![0]!.json).toMatchObject({ status: 'pass', overlap: 1 });
		expect(slackMessages()).toHaveLength(1);
		console.log(`${mode} mode, bad re-index: gate ${gate.message}; after rollback ${after.message}; Slack: ${messages[0]!.text}`);
	});
});
