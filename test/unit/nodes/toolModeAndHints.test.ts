/**
 * What the nodes do for the editor and for AI agents, run inside n8n-core's
 * real engine (test/support/nodeHarness) against local servers:
 * - as an AI Agent tool, every output's items reach the agent (n8n 2.40 hands
 *   a tool's caller only output 0). The harness's ExecuteContext answers
 *   isToolExecution() false; here it answers true, as n8n-core's
 *   SupplyDataContext does for a node connected as a tool;
 * - Qdrant Backup refuses its destructive operations as a tool;
 * - a Pushgateway that cannot be reached shows as one warning hint above the
 *   output (n8n's execution hints), however many pushes failed;
 * - a failing dependent of a down target says why it raised no alert.
 */
import { ExecuteContext } from 'n8n-core';
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { QdrantBackup } from '../../../nodes/QdrantBackup/QdrantBackup.node';
import { RagHealthCheck } from '../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { closedPort, startHealthServer, type HealthServer } from '../../../testbed/faults/healthServers';
import { runNode } from '../../support/nodeHarness';

let server: HealthServer;
let refused: number;
beforeAll(async () => {
	server = await startHealthServer();
	refused = await closedPort();
});
afterAll(async () => {
	await server.stop();
});
afterEach(() => jest.restoreAllMocks());

type T = Record<string, unknown>;
function params(targets: T[], extra: INodeParameters = {}): INodeParameters {
	return {
		targetSource: 'list',
		targets: { target: targets.map((t) => ({ preset: 'generic', critical: true, ...t })) },
		options: { retries: 0, timeout: 5000 },
		...extra,
	};
}
const names = (items: INodeExecutionData[] | undefined) => (items ?? []).map((i) => i.json.target);

describe('as an AI Agent tool', () => {
	test('RAG Health Check answers every target on output 0, compact and labelled with its output', async () => {
		const parameters = params([
			{ name: 'up', url: server.url('/health') },
			{ name: 'gone', url: `http://127.0.0.1:${refused}/health` },
		]);
		const plain = await runNode({ node: new RagHealthCheck(), parameters, mode: 'manual' });
		expect([names(plain.outputs[0]), names(plain.outputs[1])]).toEqual([['gone'], ['up']]);

		jest.spyOn(ExecuteContext.prototype, 'isToolExecution').mockReturnValue(true);
		const tool = await runNode({ node: new RagHealthCheck(), parameters, mode: 'manual' });
		expect(tool.outputs[1] ?? []).toEqual([]);
		const answer = tool.outputs[0]!.map((i) => i.json);
		expect(answer.map((a) => [a.output, a.target, a.status, a.state])).toEqual([
			['Alert', 'gone', 'fail', 'down'],
			['OK', 'up', 'pass', 'up'],
		]);
		// Compact: what an agent needs, not the IETF document, checks, components or summary.
		for (const a of answer) expect(Object.keys(a).filter((k) => ['health', 'checks', 'components', 'summary'].includes(k))).toEqual([]);
		expect(answer[0]!.message).toEqual(expect.any(String));
	});

	test('Qdrant Backup refuses Delete as a tool before any request, and names what an agent may do', async () => {
		jest.spyOn(ExecuteContext.prototype, 'isToolExecution').mockReturnValue(true);
		const run = await runNode({
			node: new QdrantBackup(),
			parameters: { resource: 'collection', operation: 'delete', collection: 'docs', snapshotName: 'x.snapshot', pushMetrics: false },
			credentials: { ragOpsQdrantApi: { url: server.url(''), apiKey: '' } },
			mode: 'manual',
		});
		expect(run.error?.message).toBe('"delete" is not available to an AI Agent');
		expect(run.error?.description).toMatch(/Create, List, Download or Verify/);
		expect(server.count('/collections/docs/snapshots/x.snapshot')).toBe(0);
	});
});

describe('push failures as a node hint', () => {
	test('an unreachable Pushgateway gives one warning hint naming it, for all the failed pushes of the run', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'a', url: server.url('/health') }, { name: 'b', url: server.url('/health') }], { pushMetrics: true }),
			credentials: { ragOpsPushgatewayApi: { url: `http://127.0.0.1:${refused}` } },
			mode: 'manual',
		});
		expect(run.error).toBeUndefined();
		const hints = run.run.data.resultData.runData[run.nodeName]![0]!.hints ?? [];
		const warnings = hints.filter((h) => h.type === 'warning');
		expect(warnings).toEqual([
			expect.objectContaining({ location: 'outputPane', message: expect.stringMatching(new RegExp(`^Metrics were not pushed: the Pushgateway at http://127\\.0\\.0\\.1:${refused} is unreachable \\(ECONNREFUSED\\)`)) }),
		]);
		// The items still say it too.
		expect(run.outputs[1]!.every((i) => (i.json.warnings as string[])[0]!.includes('unreachable'))).toBe(true);
	});

	test('no hint when the push succeeds or is off', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'a', url: server.url('/health') }]), mode: 'manual' });
		expect((run.run.data.resultData.runData[run.nodeName]![0]!.hints ?? []).filter((h) => h.type === 'warning')).toEqual([]);
	});
});

describe('a failing dependent of a down target', () => {
	test('stays off the Alert output and says why: its event was suppressed because the target it depends on is down', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([
				{ name: 'qdrant', url: `http://127.0.0.1:${refused}/readyz` },
				{ name: 'rag-api', url: `http://127.0.0.1:${refused}/healthz`, dependsOn: 'qdrant' },
			]),
			mode: 'manual',
		});
		expect(names(run.outputs[0])).toEqual(['qdrant']);
		const child = run.outputs[1]!.find((i) => i.json.target === 'rag-api')!.json;
		expect(child).toMatchObject({ status: 'fail', state: 'down', event: null, suppressed: { event: 'down', reason: 'dependency' } });
		expect(child.alert).toBe('down suppressed: qdrant is down and this target depends on it');
	});
});
