/**
 * The health watch's promise under scale-out, overlap and restarts, in real
 * n8n 2.40.7: one outage → exactly one `down` and one `recovered`.
 *
 * - queue mode: Postgres + Redis (Debian), `n8n start` + 2 × `n8n worker
 *   --concurrency=5` + `n8n webhook`, the package installed in each process's
 *   user folder; the shipped health-watch.json published (targets pointed at a
 *   local server, Slack/PagerDuty nodes replaced by HTTP requests to a
 *   receiver that counts messages); two outages, then a main restart in the
 *   middle of a third;
 * - regular mode (SQLite): a target slower than the check interval, so ticks
 *   come while a sweep still runs (they are skipped, never overlapped).
 *
 * Figures (ticks, executions, messages) are written to stdout for docs/scaling.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { receiverNode, startAlertReceiver, type AlertReceiver, type ExportedNode } from '../../testbed/alertReceiver';
import { startHealthServer, type HealthServer } from '../../testbed/faults/healthServers';
import { QueueCluster } from '../../testbed/n8n/queue';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed } from '../../testbed/n8n/testbed';

jest.setTimeout(600_000);

const INTERVAL_S = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Workflow {
	id: string;
	nodes: ExportedNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

/** The shipped health watch, pointed at one local target and a receiver. */
function watchWorkflow(id: string, target: HealthServer, receiver: AlertReceiver): Workflow {
	const wf = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'health-watch.json'), 'utf8')) as Workflow;
	wf.id = id;
	wf.settings = { ...wf.settings, errorWorkflow: undefined };
	wf.nodes = wf.nodes.map((node) => {
		const p = node.parameters;
		switch (node.type) {
			case 'n8n-nodes-ragops.ragHealthWatchTrigger':
			case 'n8n-nodes-ragops.ragHealthCheck':
				if (node.type === 'n8n-nodes-ragops.ragHealthWatchTrigger') {
					p.interval = INTERVAL_S;
					// shipped disabled (so the editor's Execute starts from Try It); going live enables it
					delete (node as { disabled?: boolean }).disabled;
				}
				p.targets = { target: [{ name: 'rag-api', url: target.url('/toggle'), preset: 'generic', critical: true }] };
				p.options = { failuresToDown: 2, successesToUp: 2, retries: 0, timeout: 10_000 };
				p.pushMetrics = false;
				delete node.credentials;
				return node;
			case 'n8n-nodes-base.slack':
				return receiverNode(node, `${receiver.url}/slack`, { event: '={{ $json.event }}', target: '={{ $json.target }}' });
			case 'n8n-nodes-base.pagerDuty':
				return receiverNode(node, `${receiver.url}/pagerduty`, { event: '={{ $json.event }}', target: '={{ $json.target }}' });
			default:
				return node;
		}
	});
	return wf;
}

/** Slack messages by event, as the receiver got them. */
function events(receiver: AlertReceiver): string[] {
	return receiver.on('/slack').map((r) => String((r.body as { event?: string }).event));
}

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(250);
	}
}

/**
 * One outage: the target fails until `down` has been announced and a few
 * more ticks have passed (no second `down` may come), then passes until
 * `recovered` and a few ticks more (no second `recovered`).
 */
async function outage(target: HealthServer, receiver: AlertReceiver, during?: () => Promise<void>): Promise<void> {
	const downs = events(receiver).filter((e) => e === 'down').length;
	const recoveries = events(receiver).filter((e) => e === 'recovered').length;
	target.state.down = true;
	await until('down', () => events(receiver).filter((e) => e === 'down').length > downs);
	await during?.();
	await sleep(4 * INTERVAL_S * 1000);
	target.state.down = false;
	await until('recovered', () => events(receiver).filter((e) => e === 'recovered').length > recoveries);
	await sleep(3 * INTERVAL_S * 1000);
}

async function finishedExecutions(n8n: N8nServer, id: string) {
	return (await n8n.listExecutions(id)).filter((e) => !['new', 'running', 'waiting'].includes(e.status));
}

describe('queue mode: main + 2 workers (concurrency 5) + webhook processor on Postgres and Redis', () => {
	let cluster: QueueCluster;
	let target: HealthServer;
	let receiver: AlertReceiver;
	const id = 'RagOpsQueueWatch';

	beforeAll(async () => {
		[target, receiver] = await Promise.all([startHealthServer(), startAlertReceiver()]);
		cluster = await QueueCluster.start({ workers: 2, concurrency: 5, webhook: true });
		await cluster.bed.importWorkflow(watchWorkflow(id, target, receiver) as unknown as Record<string, unknown>);
		await cluster.main.activateWorkflow(id);
	});

	afterAll(async () => {
		await cluster?.stop();
		await Promise.all([target?.stop(), receiver?.stop()]);
	});

	test('two outages: exactly 2 down and 2 recovered, each once to PagerDuty only for down, executions run by the workers', async () => {
		await outage(target, receiver);
		await outage(target, receiver);
		expect(events(receiver)).toEqual(['down', 'recovered', 'down', 'recovered']);
		const pages = receiver.on('/pagerduty').map((r) => (r.body as { event?: string }).event);
		expect(pages).toEqual(['down', 'down']);
		// Only transitions start executions, and the workers ran them (the main runs none in queue mode).
		const done = await finishedExecutions(cluster.main, id);
		expect(done.map((e) => e.status)).toEqual(['success', 'success', 'success', 'success']);
		const workerLogs = cluster.workers.map((w) => w.log()).join('\n');
		for (const e of done) expect(workerLogs).toMatch(new RegExp(`[Ee]xecution[^\\n]*\\b${e.id}\\b`));
		process.stdout.write(`[scaling] queue mode: ${target.count('/toggle')} checks, ${done.length} executions, messages ${JSON.stringify(events(receiver))}\n`);
	});

	test('the main restarts in the middle of an outage: no second down, one recovered', async () => {
		const before = events(receiver).length;
		await outage(target, receiver, async () => await cluster.restartMain());
		expect(events(receiver).slice(before)).toEqual(['down', 'recovered']);
	});
});

describe('regular mode (SQLite): a target slower than the check interval', () => {
	let bed: N8nTestBed;
	let n8n: N8nServer;
	let target: HealthServer;
	let receiver: AlertReceiver;
	const id = 'RagOpsSlowWatch';

	beforeAll(async () => {
		[target, receiver] = await Promise.all([startHealthServer(), startAlertReceiver()]);
		// Every check takes 1.5 intervals: ticks arrive while the sweep still runs.
		target.state.toggleDelayMs = INTERVAL_S * 1500;
		bed = await N8nTestBed.create();
		await bed.importWorkflow(watchWorkflow(id, target, receiver) as unknown as Record<string, unknown>);
		n8n = await bed.startServer();
		await n8n.activateWorkflow(id);
	});

	afterAll(async () => {
		await bed?.dispose();
		await Promise.all([target?.stop(), receiver?.stop()]);
	});

	test('one outage: exactly 1 down and 1 recovered; late ticks are skipped, never overlapped', async () => {
		await outage(target, receiver);
		expect(events(receiver)).toEqual(['down', 'recovered']);
		expect(n8n.log()).toMatch(/previous sweep still running, tick skipped/);
		const done = await finishedExecutions(n8n, id);
		expect(done).toHaveLength(2);
		process.stdout.write(`[scaling] regular mode, slow target: ${target.count('/toggle')} checks, ${done.length} executions\n`);
	});
});
