/**
 * The closed retrieval loop, played once by `npm run demo` (docs/demo.md):
 * a good re-index through the gated nightly ingestion (accepted: the baseline
 * row is written), the canary against that baseline, then a bad re-index
 * (`stack.ingestion.setReindexMode('bad')`): the gate fails, the pre-ingestion
 * snapshot is restored, the second check passes, one Slack message; the
 * canary passes again. The workflows run in the demo's n8n, started through
 * a "Demo Start" webhook added beside their Try It trigger (the data-table
 * module that holds the baseline is not available to `n8n execute`).
 */
import type { ExampleStack } from '../testbed/stack/stack';
import type { Workflow } from '../testbed/stack/workflows';
import type { N8nServer } from '../testbed/n8n/server';
import type { WorkflowRun } from '../testbed/n8n/testbed';

export const CANARY_FILE = 'retrieval-canary.json';
export const LOOP_FILES = ['nightly-ingestion.json', CANARY_FILE];

const pathOf = (wf: Workflow) => `demo-${String(wf.id)}`;

/** Adds a Webhook trigger "Demo Start" that feeds what the Manual Trigger feeds. */
export function withLoopStart(wf: Workflow): void {
	const manual = wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger');
	if (!manual) return;
	wf.nodes.push({
		id: `demo-start-${String(wf.id)}`,
		name: 'Demo Start',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [manual.position[0], manual.position[1] + 200],
		webhookId: `demo-start-${String(wf.id)}`,
		parameters: { httpMethod: 'POST', path: pathOf(wf), options: {} },
	});
	(wf.connections as Record<string, unknown>)['Demo Start'] = (wf.connections as Record<string, unknown>)[manual.name];
}

async function start(n8n: N8nServer, id: string): Promise<WorkflowRun> {
	const before = (await n8n.listExecutions(id)).length;
	const res = await fetch(n8n.webhookUrl(`demo-${id}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	if (res.status !== 200) throw new Error(`the Demo Start webhook of ${id} answered ${res.status} (is the workflow published?)`);
	return await n8n.waitForExecution(id, { count: before + 1, timeoutMs: 300_000 });
}

type Summary = { status?: string; message?: string; recall?: number };
const first = (run: WorkflowRun, node: string, output: number): Summary | undefined =>
	run.nodesRun.includes(node) ? (run.json(node, output)[0] as Summary | undefined) : undefined;

export async function runLoop({ n8n, stack, log }: { n8n: N8nServer; stack: ExampleStack; log: (line: string) => void }): Promise<void> {
	const nightly = 'RagOpsNightlyIng';
	const canary = 'RagOpsRetrCanary';
	const ingestion = stack.ingestion as ExampleStack['ingestion'] & { setReindexMode?: (mode: 'good' | 'bad') => void | Promise<void> };
	const nightlyRun = async (label: string) => {
		const run = await start(n8n, nightly);
		if (run.error) return log(`loop: ${label}: the nightly ingestion failed in ${String(run.error.node?.name)}: ${run.error.message}`);
		const snapshot = (run.json('Snapshot Before Ingestion')[0]?.snapshot as { name?: string } | undefined)?.name;
		log(`loop: ${label}: snapshot ${snapshot} verified, ingestion ${String(run.json('RAG Ingestion', 0)[0]?.status ?? 'did not succeed')}`);
		const pass = first(run, 'Retrieval Gate', 0);
		const fail = first(run, 'Retrieval Gate', 1);
		log(`loop: ${label}: Retrieval Gate → ${pass ? 'Pass' : 'Fail'} (${(pass ?? fail)?.message})`);
		if (run.nodesRun.includes('Accept Baseline')) log(`loop: ${label}: Accept Baseline wrote the new baseline (data table ragops_retrieval_baselines)`);
		if (run.nodesRun.includes('Restore Snapshot')) {
			const after = first(run, 'Check After Rollback', 0) ?? first(run, 'Check After Rollback', 1);
			log(`loop: ${label}: Restore Snapshot recovered ${snapshot}; Check After Rollback → ${after?.message}`);
		}
	};
	const canaryRun = async (label: string) => {
		const run = await start(n8n, canary);
		const out = first(run, 'RAG Retrieval Check', 0) ?? first(run, 'RAG Retrieval Check', 1);
		log(`loop: ${label}: canary → ${out?.message}`);
	};
	try {
		log('loop: 1. a good re-index through the gated nightly ingestion');
		if (ingestion.setReindexMode) await ingestion.setReindexMode('good');
		await nightlyRun('good re-index');
		await canaryRun('after the good re-index');
		if (!ingestion.setReindexMode) {
			log('loop: this example stack has no bad re-index switch (stack.ingestion.setReindexMode): the bad half of the loop is left out');
			return;
		}
		log('loop: 2. a bad re-index (the ingestion service switched to its bad mode)');
		await ingestion.setReindexMode('bad');
		try {
			await nightlyRun('bad re-index');
		} finally {
			await ingestion.setReindexMode('good');
		}
		await canaryRun('after the rollback');
		log('loop: done (the Slack message of the rollback is printed above as "Slack (from n8n)"); open the executions in the n8n editor to see each node');
	} catch (error) {
		log(`loop: stopped: ${(error as Error).message}`);
	}
}
