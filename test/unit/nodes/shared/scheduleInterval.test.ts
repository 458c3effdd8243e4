/**
 * nodes/shared/scheduleInterval.ts: the period the batch nodes push, read from
 * the Schedule Trigger parameters as n8n stores them (workflows/*.json shapes,
 * defaults omitted as the editor omits them). Upper bounds, never below the
 * real widest gap between two runs.
 */
import type { INode, NodeTypeAndVersion } from 'n8n-workflow';

import { cronPeriod, scheduleIntervalSeconds, triggerPeriod } from '../../../../nodes/shared/scheduleInterval';

const H = 3600;
const D = 86400;

describe('cronPeriod', () => {
	test.each([
		['0 2 * * *', D], // workflows/nightly-ingestion.json
		['30 3 * * *', D], // workflows/qdrant-backup.json
		['*/15 * * * *', 15 * 60],
		['0 */6 * * *', 6 * H],
		['0 0,6,20 * * *', 14 * H], // 06:00 → 20:00
		['0 9 * * 1-5', 3 * D], // Friday → Monday
		['0 9 * * 0', 7 * D],
		['0 9 * * 7', 7 * D], // 7 is Sunday too
		['*/10 * * * * *', 10],
		['* * * * *', 60],
		['0 0 1 * *', 31 * D],
	])('%s → widest gap %d s', (cron, expected) => {
		expect(cronPeriod(cron)).toBe(expected);
	});

	test.each(['0 0 * JAN *', '0 9 * * MON', '0 0 L * *', '0 0 * 6 *', '61 * * * *', 'every day', '0 2 * *'])(
		'%s is not read (the rule falls back to the config)',
		(cron) => expect(cronPeriod(cron)).toBeUndefined(),
	);
});

describe('triggerPeriod (Schedule Trigger 1.x parameters)', () => {
	test.each([
		[{ rule: { interval: [{ field: 'cronExpression', expression: '0 2 * * *' }] } }, D],
		[{ rule: { interval: [{ field: 'hours', hoursInterval: 1, triggerAtMinute: 15 }] } }, H], // freshness-watch.json
		[{ rule: { interval: [{ field: 'minutes', minutesInterval: 10 }] } }, 600],
		[{ rule: { interval: [{ field: 'minutes' }] } }, 300], // the node's default 5
		[{ rule: { interval: [{ field: 'seconds' }] } }, 30],
		[{ rule: { interval: [{}] } }, D], // field defaults to days, 1
		[{}, D],
		[{ rule: { interval: [{ field: 'weeks', weeksInterval: 2, triggerAtDay: [1, 4] }] } }, 14 * D],
		[{ rule: { interval: [{ field: 'months', monthsInterval: 1 }] } }, 31 * D],
		// two rules fire together: the shorter bounds the gap
		[{ rule: { interval: [{ field: 'days' }, { field: 'hours', hoursInterval: 6 }] } }, 6 * H],
	])('%j → %d s', (parameters, expected) => expect(triggerPeriod(parameters)).toBe(expected));

	test('an unreadable rule makes the whole trigger unknown', () => {
		expect(triggerPeriod({ rule: { interval: [{ field: 'days' }, { field: 'cronExpression', expression: '0 0 * * MON' }] } })).toBeUndefined();
	});
});

describe('scheduleIntervalSeconds (the node reads its ancestors)', () => {
	const node = { name: 'RAG Ingestion' } as INode;
	const ctx = (parents: NodeTypeAndVersion[] | Error) => ({
		getNode: () => node,
		getParentNodes: (name: string, options?: { includeNodeParameters?: boolean }) => {
			if (parents instanceof Error) throw parents;
			expect(name).toBe(node.name);
			expect(options?.includeNodeParameters).toBe(true);
			return parents;
		},
	});
	const schedule = (cron: string, disabled = false): NodeTypeAndVersion => ({
		name: 'Schedule Trigger',
		type: 'n8n-nodes-base.scheduleTrigger',
		typeVersion: 1.2,
		disabled,
		parameters: { rule: { interval: [{ field: 'cronExpression', expression: cron }] } },
	});
	const other: NodeTypeAndVersion = { name: 'Set', type: 'n8n-nodes-base.set', typeVersion: 3, disabled: false, parameters: {} };

	test('the Schedule Trigger among the ancestors gives the period', () => {
		expect(scheduleIntervalSeconds(ctx([other, schedule('0 */4 * * *')]))).toBe(4 * H);
	});
	test('two triggers start the node: the longer period (either may be the one that runs)', () => {
		expect(scheduleIntervalSeconds(ctx([schedule('0 */4 * * *'), schedule('0 2 * * *')]))).toBe(D);
	});
	test('no (enabled) Schedule Trigger, an unreadable cron or no graph: unknown, nothing pushed', () => {
		expect(scheduleIntervalSeconds(ctx([other]))).toBeUndefined();
		expect(scheduleIntervalSeconds(ctx([schedule('0 2 * * *', true)]))).toBeUndefined();
		expect(scheduleIntervalSeconds(ctx([schedule('0 2 * * MON')]))).toBeUndefined();
		expect(scheduleIntervalSeconds(ctx(new Error('no graph')))).toBeUndefined();
	});
});
