/**
 * Alert hysteresis end to end: RAG Health Watch Trigger activated in n8n-core's
 * real TriggerContext, ticked again and again, against real servers that flap
 * or go down; restarts replay what n8n persisted (static data at activation
 * and at each emit). Plus the one-shot RAG Health Check's instantaneous
 * semantics and metrics to a real Pushgateway.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagHealthCheck } from '../../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { RagHealthWatchTrigger } from '../../../../nodes/RagHealthWatchTrigger/RagHealthWatchTrigger.node';
import { closedPort, startHealthServer, type HealthServer } from '../../../../testbed/faults/healthServers';
import { runNode, startTrigger, type TriggerHarness } from '../../../support/nodeHarness';
import { startPushgateway, type PushgatewayServer } from '../../../../testbed/pushgatewayServer';

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

async function activate(parameters: INodeParameters, staticData?: IDataObject): Promise<TriggerHarness> {
	return await startTrigger({ node: new RagHealthWatchTrigger(), parameters, staticData });
}

const isHarness = (p: INodeParameters | TriggerHarness): p is TriggerHarness => typeof (p as TriggerHarness).tick === 'function';

/** n ticks of one activated watch; per tick, the items it emitted (empty when it started no execution). */
async function runMany(n: number, parameters: INodeParameters | TriggerHarness, before?: (i: number) => void): Promise<INodeExecutionData[][]> {
	const watch = isHarness(parameters) ? parameters : await activate(parameters);
	const ticks: INodeExecutionData[][] = [];
	for (let i = 0; i < n; i++) {
		before?.(i);
		const emittedBefore = watch.emitted.length;
		await watch.tick();
		expect(watch.failures).toEqual([]);
		ticks.push(watch.emitted.slice(emittedBefore).flatMap((e) => e.data[0]));
	}
	await watch.close();
	return ticks;
}

const alertsOf = (ticks: INodeExecutionData[][]) => ticks.flat().map((i) => i.json);

describe('RAG Health Watch Trigger: transitions only, state held by the trigger', () => {
	test('a target flapping pass/fail over 100 checks starts at most 2 executions with the defaults', async () => {
		server.state.flapCount = 0;
		const ticks = await runMany(100, params([{ name: 'flappy', url: server.url('/flap') }]));
		expect(server.count('/flap')).toBe(100);
		expect(alertsOf(ticks).length).toBeLessThanOrEqual(2);
	});

	test('a target that goes down once gives exactly one down and, after recovery, exactly one recovered', async () => {
		// 4 ticks up, 8 down, 6 up again.
		const ticks = await runMany(18, params([{ name: 'api', url: server.url('/toggle') }]), (i) => {
			server.state.down = i >= 4 && i < 12;
		});
		server.state.down = false;
		const alerts = alertsOf(ticks);
		expect(alerts.map((a) => a.event)).toEqual(['down', 'recovered']);
		expect(alerts[0]).toMatchObject({ target: 'api', state: 'down', status: 'fail', consecutiveFailures: 3 });
		expect(typeof alerts[1].downtimeSeconds).toBe('number');
		expect(alerts[1]).toMatchObject({ state: 'up', status: 'pass' });
		// The down came with the third failure (tick 6), the recovery with the second success (tick 13).
		expect(ticks[6]).toHaveLength(1);
		expect(ticks[13]).toHaveLength(1);
	});

	test('registers a cron of the chosen interval and gives each emit a per-tick deduplication key', async () => {
		const watch = await activate(params([{ name: 'x', url: server.url('/status?code=500') }], { interval: 20, options: { retries: 0, failuresToDown: 1 } }));
		expect(watch.cron).toBe('*/20 * * * * *');
		await watch.tick();
		await watch.close();
		expect(watch.emitted).toHaveLength(1);
		expect(watch.emitted[0].deduplicationKey).toMatch(/^ragops-health:harness-trigger-workflow:trigger-under-test:\d+$/);
	});

	test('a tick that fires while the previous sweep still runs is skipped, never overlapped', async () => {
		const watch = await activate(params([{ name: 'slow', url: server.url('/slow?ms=400') }], { options: { retries: 0, timeout: 5000 } }));
		const before = server.count('/slow');
		watch.fire();
		watch.fire();
		watch.fire();
		const deadline = Date.now() + 10_000;
		while (Number(watch.nodeStaticData().sweeps ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		await watch.close();
		expect(server.count('/slow') - before).toBe(1);
		expect(watch.nodeStaticData()).toMatchObject({ sweeps: 1, skippedTicks: 2 });
	});

	test('across a restart: an announced down is not announced again, and its recovery still goes out', async () => {
		const parameters = params([{ name: 'api', url: server.url('/toggle') }]);
		server.state.down = true;
		const first = await activate(parameters);
		const before = await runMany(4, first);
		expect(alertsOf(before).map((a) => a.event)).toEqual(['down']);
		// n8n restarts: the new activation starts from what n8n saved (activation + each emit).
		const second = await activate(parameters, first.persisted);
		const during = await runMany(5, second);
		expect(alertsOf(during)).toEqual([]);
		server.state.down = false;
		const third = await activate(parameters, second.persisted);
		const after = await runMany(3, third);
		server.state.down = false;
		expect(alertsOf(after).map((a) => a.event)).toEqual(['recovered']);
	});

	test('reminders every X minutes while down (clock moved with jest, timers left real)', async () => {
		jest.useFakeTimers({
			doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
		});
		try {
			const start = Date.parse('2026-11-26T12:00:00Z');
			const parameters = params([{ name: 'x', url: server.url('/status?code=500') }], { options: { retries: 0, reminderMinutes: 10 } });
			// One check per minute for 25 minutes: down at minute 2, reminders at 12 and 22.
			const ticks = await runMany(25, parameters, (i) => jest.setSystemTime(start + i * 60_000));
			expect(alertsOf(ticks).map((a) => a.event)).toEqual(['down', 'reminder', 'reminder']);
			expect(ticks[12]).toHaveLength(1);
			expect(ticks[22][0].json).toMatchObject({ event: 'reminder', downSince: '2026-11-26T12:02:00.000Z' });
		} finally {
			jest.useRealTimers();
		}
	});

	test('no alert for a target whose depends-on target is down; the parent alerts', async () => {
		const refused = await closedPort();
		const watch = await activate(
			params([
				{ name: 'qdrant', url: `http://127.0.0.1:${refused}/readyz` },
				{ name: 'rag-api', url: server.url('/status?code=502'), dependsOn: 'qdrant' },
			]),
		);
		const ticks = await runMany(4, watch);
		expect(alertsOf(ticks).map((a) => `${a.target}:${a.event}`)).toEqual(['qdrant:down']);
		const states = watch.persisted['node:RAG Health Watch'] as IDataObject;
		expect((states.states as IDataObject[]).find((r) => r.target === 'rag-api')).toMatchObject({ state: 'down', downAnnounced: false });
	});

	test('a maintenance window holds back the alert but not the check', async () => {
		const before = server.count('/status');
		const watch = await activate(
			params([{ name: 'x', url: server.url('/status?code=500') }], {
				maintenance: { window: [{ targets: '', timezone: 'Europe/Berlin', start: '00:00', end: '00:00', days: [] }] },
			}),
		);
		const ticks = await runMany(3, watch);
		// 00:00–00:00 (equal start and end) is the whole day.
		expect(server.count('/status') - before).toBe(3);
		expect(alertsOf(ticks)).toEqual([]);
		expect(watch.nodeStaticData().states).toEqual([expect.objectContaining({ target: 'x', state: 'down', downAnnounced: false })]);
	});

	test('a bad maintenance window is a configuration error at activation', async () => {
		await expect(
			activate(
				params([{ name: 'x', url: server.url('/health') }], {
					maintenance: { window: [{ targets: '', timezone: 'Mars/Olympus', start: '02:00', end: '03:00', days: [] }] },
				}),
			),
		).rejects.toThrow(/unknown time zone/);
	});

	test('state of removed targets is dropped; a target named __proto__ is a target like any other', async () => {
		const two = await activate(params([{ name: 'a', url: server.url('/health') }, { name: '__proto__', url: server.url('/status?code=500') }], { options: { retries: 0, failuresToDown: 1 } }));
		const ticks = await runMany(1, two);
		expect(alertsOf(ticks).map((a) => `${a.target}:${a.event}`)).toEqual(['__proto__:down']);
		expect((two.persisted['node:RAG Health Watch'] as IDataObject).states).toEqual([
			expect.objectContaining({ target: 'a', state: 'up' }),
			expect.objectContaining({ target: '__proto__', state: 'down', downAnnounced: true }),
		]);
		const one = await activate(params([{ name: 'a', url: server.url('/health') }]), two.persisted);
		await runMany(1, one);
		expect(one.nodeStaticData().states).toEqual([expect.objectContaining({ target: 'a' })]);
	});

	test('corrupt or old-layout static data is survived (reset), not a crash', async () => {
		const watch = await activate(params([{ name: 'a', url: server.url('/status?code=500') }], { options: { retries: 0, failuresToDown: 1 } }), {
			'node:RAG Health Watch': { version: 2, states: ['garbage', { target: 7 }, { target: 'a', state: 'sideways', consecutiveFailures: 'x' }] },
		});
		const ticks = await runMany(1, watch);
		expect(alertsOf(ticks)).toEqual([expect.objectContaining({ target: 'a', event: 'down', consecutiveFailures: 1 })]);
	});

	test('a test run from the editor emits every target as it is now and leaves the watch state alone', async () => {
		const staticData: IDataObject = { 'node:RAG Health Watch': { version: 2, states: [{ target: 'bad', state: 'down', downAnnounced: true, consecutiveFailures: 9, consecutiveSuccesses: 0 }] } };
		const watch = await startTrigger({
			node: new RagHealthWatchTrigger(),
			parameters: params([{ name: 'bad', url: server.url('/status?code=500') }, { name: 'good', url: server.url('/health') }]),
			staticData,
			mode: 'manual',
		});
		expect(watch.cron).toBeUndefined();
		const [items] = await watch.manual();
		expect(items.map((i) => `${i.json.target}:${i.json.state}:${i.json.event}`)).toEqual(['bad:down:down', 'good:up:null']);
		expect(items[0].json.notice).toMatch(/Test run/);
		expect(watch.persisted).toEqual(staticData);
	});
});

describe('RAG Health Check: one sweep, no memory', () => {
	test('a failing target is down at once, and nothing is kept in static data', async () => {
		const staticData: IDataObject = {};
		for (let i = 0; i < 2; i++) {
			const run = await runNode({
				node: new RagHealthCheck(),
				parameters: params([{ name: 'bad', url: server.url('/status?code=500') }, { name: 'good', url: server.url('/health') }]),
				staticData,
			});
			expect(run.outputs[ALERT].map((i) => i.json)).toEqual([expect.objectContaining({ target: 'bad', state: 'down', event: 'down', consecutiveFailures: 1 })]);
			expect(run.outputs[OK][0].json).toMatchObject({ target: 'good', state: 'up', event: null });
		}
		expect(staticData).toEqual({});
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

	test('the watch pushes the interval it runs at: merged into every group at activation, then with every sweep', async () => {
		const interval = (target: string) => new RegExp(`ragops_health_check_interval_seconds\\{instance="",job="ragops_health",target="${target}"\\} (\\d+)`);
		const targets = [{ name: 'iv-a', url: server.url('/health') }, { name: 'iv-b', url: server.url('/health') }];
		// A group left by an earlier sweep at 30 s: the activation push merges, its check results stay.
		const before = await startTrigger({
			node: new RagHealthWatchTrigger(),
			parameters: { ...params(targets, { pushMetrics: true }), interval: 30 },
			credentials: { ragOpsPushgatewayApi: { url: pgw.url } },
		});
		await before.tick();
		await before.close();
		expect(interval('iv-a').exec(await pgw.metrics())?.[1]).toBe('30');

		// Edited to 10 min and re-activated: the new interval is in every group before any tick.
		const edited = await startTrigger({
			node: new RagHealthWatchTrigger(),
			parameters: { ...params(targets, { pushMetrics: true }), interval: 600 },
			credentials: { ragOpsPushgatewayApi: { url: pgw.url } },
		});
		let text = await pgw.metrics();
		expect(edited.cron).toBe('0 */10 * * * *');
		expect(interval('iv-a').exec(text)?.[1]).toBe('600');
		expect(interval('iv-b').exec(text)?.[1]).toBe('600');
		expect(text).toMatch(/ragops_health_up\{instance="",job="ragops_health",target="iv-a"\} 1/);
		await edited.tick();
		await edited.close();
		text = await pgw.metrics();
		expect(interval('iv-a').exec(text)?.[1]).toBe('600');
		expect(edited.failures).toEqual([]);
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
