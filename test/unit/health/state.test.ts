/**
 * Alert hysteresis end to end: the node in n8n-core's engine, run again and
 * again with the same workflow static data (as an active workflow), against
 * real servers that flap or go down. Plus metrics to a real Pushgateway.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagHealthCheck } from '../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { closedPort, startHealthServer, type HealthServer } from '../../support/healthServers';
import { runNode } from '../../support/nodeHarness';
import { startPushgateway, type PushgatewayServer } from '../../support/pushgatewayServer';

const ALERT = 0;
const OK = 1;

let server: HealthServer;
beforeAll(async () => {
	server = await startHealthServer();
});
afterAll(async () => {
	await server.stop();
});

function params(targets: INodeParameters[], extra: INodeParameters = {}): INodeParameters {
	return {
		targetSource: 'list',
		targets: { target: targets.map((t) => ({ preset: 'generic', critical: true, dependsOn: '', collection: '', timeout: 0, headers: '', ...t })) },
		options: { retries: 0, timeout: 10000 },
		...extra,
	};
}

async function runMany(n: number, parameters: INodeParameters, staticData: IDataObject, before?: (i: number) => void): Promise<INodeExecutionData[][][]> {
	const runs: INodeExecutionData[][][] = [];
	for (let i = 0; i < n; i++) {
		before?.(i);
		const run = await runNode({ node: new RagHealthCheck(), parameters, staticData });
		expect(run.error).toBeUndefined();
		runs.push(run.outputs);
	}
	return runs;
}

const alertsOf = (runs: INodeExecutionData[][][]) => runs.flatMap((outputs) => outputs[ALERT].map((i) => i.json));

describe('state without alert spam (active workflow semantics)', () => {
	test('a target flapping pass/fail over 100 checks produces at most 2 alert items with the defaults', async () => {
		server.state.flapCount = 0;
		const staticData: IDataObject = {};
		const runs = await runMany(100, params([{ name: 'flappy', url: server.url('/flap') }]), staticData);
		expect(server.count('/flap')).toBe(100);
		const statuses = runs.map((o) => [...o[ALERT], ...o[OK]][0].json.status);
		expect(statuses.filter((s) => s === 'fail')).toHaveLength(50);
		expect(alertsOf(runs).length).toBeLessThanOrEqual(2);
	});

	test('a target that goes down once gives exactly one down and, after recovery, exactly one recovered', async () => {
		const staticData: IDataObject = {};
		// 4 runs up, 8 down, 6 up again.
		const runs = await runMany(18, params([{ name: 'api', url: server.url('/toggle') }]), staticData, (i) => {
			server.state.down = i >= 4 && i < 12;
		});
		server.state.down = false;
		const alerts = alertsOf(runs);
		expect(alerts.map((a) => a.event)).toEqual(['down', 'recovered']);
		expect(alerts[0]).toMatchObject({ target: 'api', state: 'down', status: 'fail', consecutiveFailures: 3 });
		expect(typeof alerts[1].downtimeSeconds).toBe('number');
		expect(alerts[1]).toMatchObject({ state: 'up', status: 'pass' });
		// The down came with the third failure (run 6), the recovery with the second success (run 13).
		expect(runs[6][ALERT]).toHaveLength(1);
		expect(runs[13][ALERT]).toHaveLength(1);
		// The state lives in the workflow's static data.
		expect(JSON.stringify(staticData)).toMatch(/"api":\{"state":"up"/);
	});

	test('reminders every X minutes while down (clock moved with jest, timers left real)', async () => {
		jest.useFakeTimers({
			doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
		});
		try {
			const start = Date.parse('2026-11-26T12:00:00Z');
			const staticData: IDataObject = {};
			const parameters = params([{ name: 'x', url: server.url('/status?code=500') }], { options: { retries: 0, reminderMinutes: 10 } });
			// One check per minute for 25 minutes: down at minute 2, reminders at 12 and 22.
			const runs = await runMany(25, parameters, staticData, (i) => jest.setSystemTime(start + i * 60_000));
			expect(alertsOf(runs).map((a) => a.event)).toEqual(['down', 'reminder', 'reminder']);
			expect(runs[12][ALERT]).toHaveLength(1);
			expect(runs[22][ALERT][0].json).toMatchObject({ event: 'reminder', downSince: '2026-11-26T12:02:00.000Z' });
		} finally {
			jest.useRealTimers();
		}
	});

	test('no alert for a target whose depends-on target is down; the parent alerts', async () => {
		const refused = await closedPort();
		const staticData: IDataObject = {};
		const runs = await runMany(
			4,
			params([
				{ name: 'qdrant', url: `http://127.0.0.1:${refused}/readyz` },
				{ name: 'rag-api', url: server.url('/status?code=502'), dependsOn: 'qdrant' },
			]),
			staticData,
		);
		const alerts = alertsOf(runs);
		expect(alerts.map((a) => `${a.target}:${a.event}`)).toEqual(['qdrant:down']);
		const child = runs[2][OK].find((i) => i.json.target === 'rag-api')!.json;
		expect(child).toMatchObject({ state: 'down', suppressed: { event: 'down', reason: 'dependency' } });
	});

	test('a maintenance window holds back the alert but not the check', async () => {
		const staticData: IDataObject = {};
		const before = server.count('/status');
		const runs = await runMany(
			3,
			params([{ name: 'x', url: server.url('/status?code=500') }], {
				maintenance: { window: [{ targets: '', timezone: 'Europe/Berlin', start: '00:00', end: '00:00', days: [] }] },
			}),
			staticData,
		);
		// 00:00–00:00 (equal start and end) is the whole day.
		expect(server.count('/status') - before).toBe(3);
		expect(alertsOf(runs)).toEqual([]);
		expect(runs[2][OK][0].json).toMatchObject({ state: 'down', suppressed: { event: 'down', reason: 'maintenance' } });
	});

	test('a bad maintenance window is a configuration error', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'x', url: server.url('/health') }], {
				maintenance: { window: [{ targets: '', timezone: 'Mars/Olympus', start: '02:00', end: '03:00', days: [] }] },
			}),
		});
		expect(run.error?.message).toMatch(/unknown time zone/);
	});

	test('state of removed targets is dropped from static data', async () => {
		const staticData: IDataObject = {};
		await runMany(1, params([{ name: 'a', url: server.url('/health') }, { name: 'b', url: server.url('/health') }]), staticData);
		const json = JSON.stringify(staticData);
		expect(json).toContain('"a"');
		expect(json).toContain('"b"');
		await runMany(1, params([{ name: 'a', url: server.url('/health') }]), staticData);
		expect(JSON.stringify(staticData)).toContain('"a"');
		expect(JSON.stringify(staticData)).not.toContain('"b"');
	});

	test('corrupt static data is survived (reset), not a crash', async () => {
		const staticData: IDataObject = { 'node:RAG Health Check': { version: 1, targets: { a: 'garbage' } } };
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'a', url: server.url('/health') }]), staticData });
		expect(run.error).toBeUndefined();
		expect(run.outputs[OK][0].json).toMatchObject({ state: 'up', status: 'pass' });
	});

	test('a manual run says state is not kept, reports the instantaneous state, and leaves static data alone', async () => {
		const staticData: IDataObject = {};
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'bad', url: server.url('/status?code=500') }, { name: 'good', url: server.url('/health') }]),
			staticData,
			mode: 'manual',
		});
		expect(run.outputs[ALERT].map((i) => i.json.target)).toEqual(['bad']);
		expect(run.outputs[ALERT][0].json).toMatchObject({ state: 'down', event: 'down' });
		expect(run.outputs[ALERT][0].json.notice).toMatch(/Manual run/);
		expect(run.outputs[OK][0].json).toMatchObject({ target: 'good', state: 'up' });
		expect(staticData).toEqual({});
		const hints = run.run.data.resultData.runData[run.nodeName][0].hints ?? [];
		expect(hints).toEqual([expect.objectContaining({ location: 'outputPane', message: expect.stringMatching(/Manual run/) })]);
	});
});

describe('metrics to a real Pushgateway', () => {
	let pgw: PushgatewayServer;
	beforeAll(async () => {
		pgw = await startPushgateway();
	});
	afterAll(async () => {
		await pgw.stop();
	});

	test('pushes ragops_health_* per target, read back from the Pushgateway', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'rag-api', url: server.url('/health') }, { name: 'broken/one', url: server.url('/status?code=500'), critical: false }], { pushMetrics: true }),
			credentials: { ragOpsPushgatewayApi: { url: pgw.url } },
		});
		expect(run.error).toBeUndefined();
		const items = [...run.outputs[ALERT], ...run.outputs[OK]];
		for (const item of items) expect(item.json.metrics).toMatchObject({ pushed: true });
		const text = await pgw.metrics();
		expect(text).toMatch(/ragops_health_up\{instance="",job="ragops_health",target="rag-api"\} 1/);
		expect(text).toMatch(/ragops_health_status\{instance="",job="ragops_health",status="pass",target="rag-api"\} 1/);
		expect(text).toMatch(/ragops_health_status\{instance="",job="ragops_health",status="fail",target="broken\/one"\} 1/);
		expect(text).toMatch(/ragops_health_critical\{instance="",job="ragops_health",target="broken\/one"\} 0/);
		expect(text).toMatch(/ragops_health_consecutive_failures\{instance="",job="ragops_health",target="broken\/one"\} 1/);
		expect(text).toMatch(/ragops_health_response_time_seconds\{instance="",job="ragops_health",target="rag-api"\} \d/);
		expect(text).toMatch(/ragops_health_last_run_timestamp_seconds\{instance="",job="ragops_health",target="rag-api"\} \d/);
	});

	test('a Pushgateway that is down only adds a warning; the checks still report', async () => {
		const refused = await closedPort();
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'rag-api', url: server.url('/health') }], { pushMetrics: true }),
			credentials: { ragOpsPushgatewayApi: { url: `http://127.0.0.1:${refused}` } },
		});
		expect(run.error).toBeUndefined();
		const item = run.outputs[OK][0].json;
		expect(item).toMatchObject({ status: 'pass', metrics: { pushed: false } });
		expect((item.warnings as string[])[0]).toMatch(/unreachable/);
	});
});
