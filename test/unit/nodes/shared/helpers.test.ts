import { fullJitterDelay, retryWithBackoff } from '../../../../nodes/shared/backoff';
import { mapWithConcurrency } from '../../../../nodes/shared/concurrency';
import { evaluateCondition, parseBody, parseStatusCodes, toEpochSeconds, type AnswerContext, type RatedCondition } from '../../../../nodes/shared/conditions';
import { getJsonPath, parseJsonPath } from '../../../../nodes/shared/jsonPath';
import { normalizeStatus, overallStatus, toIetfStatus, worstOf } from '../../../../nodes/shared/status';

describe('status model', () => {
	test.each([
		['pass', 'pass'], ['ok', 'pass'], ['UP', 'pass'], ['healthy', 'pass'], ['green', 'pass'], [true, 'pass'],
		['warn', 'warn'], ['degraded', 'warn'], ['yellow', 'warn'],
		['fail', 'fail'], ['error', 'fail'], ['down', 'fail'], ['unhealthy', 'fail'], ['red', 'fail'], ['OUT_OF_SERVICE', 'fail'], [false, 'fail'],
		['banana', 'unknown'], [42, 'unknown'], [null, 'unknown'], [undefined, 'unknown'],
	])('%p → %s', (input, expected) => {
		expect(normalizeStatus(input)).toBe(expected);
	});

	test('worst-of ranks fail > warn > unknown > pass', () => {
		expect(worstOf([])).toBe('pass');
		expect(worstOf(['pass', 'unknown'])).toBe('unknown');
		expect(worstOf(['unknown', 'warn', 'pass'])).toBe('warn');
		expect(worstOf(['warn', 'fail', 'unknown'])).toBe('fail');
	});

	test('overall = worst of critical checks; a failing non-critical check only degrades to warn', () => {
		expect(overallStatus([{ status: 'pass', critical: true }, { status: 'fail', critical: false }])).toBe('warn');
		expect(overallStatus([{ status: 'fail', critical: true }, { status: 'pass', critical: false }])).toBe('fail');
		expect(overallStatus([{ status: 'pass', critical: true }, { status: 'pass', critical: false }])).toBe('pass');
		expect(toIetfStatus('unknown')).toBe('warn');
	});
});

describe('json path', () => {
	const doc = { result: { status: 'green', points_count: 12, list: [1, 2, 3] }, 'nanosecond heartbeat': 5 };
	test('dot, bracket, quoted and negative-index paths', () => {
		expect(getJsonPath(doc, '$.result.status').value).toBe('green');
		expect(getJsonPath(doc, 'result.points_count').value).toBe(12);
		expect(getJsonPath(doc, "$['nanosecond heartbeat']").value).toBe(5);
		expect(getJsonPath(doc, '$.result.list[-1]').value).toBe(3);
		expect(getJsonPath(doc, '$').value).toBe(doc);
		expect(getJsonPath(doc, '$.result.nope')).toEqual({ found: false });
		expect(getJsonPath(doc, '$.result.status.deeper')).toEqual({ found: false });
	});
	test('bad syntax throws a readable error', () => {
		expect(() => parseJsonPath('$.a[')).toThrow(/expected an index/);
		expect(() => parseJsonPath('$..a')).toThrow(/empty name/);
	});
});

describe('conditions', () => {
	const now = Date.parse('2026-11-26T12:00:00Z');
	const ctx = (body: string, statusCode = 200, durationMs = 50): AnswerContext => {
		const response = { statusCode, headers: {}, body, bodyBytes: body.length, truncated: false };
		return { response, durationMs, json: parseBody(response), now };
	};
	const ok = ctx(JSON.stringify({ status: 'pass', count: 7, items: [1, 2, 3], version: 'v2.3.0', at: '2026-11-26T11:50:00Z', ns: 1764158400000000000 }));
	const run = (c: RatedCondition, context = ok) => evaluateCondition(c, context);

	test('status codes: single, list, range and class; message shows observed vs expected', () => {
		expect(parseStatusCodes('200,204')(204)).toBe(true);
		expect(parseStatusCodes('2xx')(299)).toBe(true);
		expect(parseStatusCodes('200-299')(300)).toBe(false);
		expect(() => parseStatusCodes('abc')).toThrow(/cannot read/);
		const r = run({ type: 'statusCode', codes: '200' }, ctx('x', 503));
		expect(r).toMatchObject({ status: 'fail', message: 'status 503, expected 200' });
	});

	test.each([
		['$.count', 'eq', '7', 'pass'], ['$.count', 'ne', '7', 'fail'], ['$.count', 'lt', '8', 'pass'], ['$.count', 'lte', '6', 'fail'],
		['$.count', 'gt', '6', 'pass'], ['$.count', 'gte', '8', 'fail'], ['$.status', 'eq', 'pass', 'pass'], ['$.version', 'regex', '^v2\\.', 'pass'],
		['$.missing', 'exists', '', 'fail'], ['$.missing', 'notExists', '', 'pass'], ['$.status', 'lt', '3', 'fail'],
	])('json path %s %s %s → %s', (path, operator, value, expected) => {
		expect(run({ type: 'jsonPath', path, operator: operator as never, value }).status).toBe(expected);
	});

	test('length comparisons and observed values in messages', () => {
		expect(run({ type: 'jsonPath', path: '$.items', operator: 'gte', value: '3', ofLength: true }).status).toBe('pass');
		const r = run({ type: 'jsonPath', path: '$.items', operator: 'gt', value: '5', ofLength: true });
		expect(r.message).toBe('length of $.items is 3, expected > 5');
		expect(run({ type: 'jsonPath', path: '$.count', operator: 'eq', value: '8' }).message).toBe('$.count is 7, expected == 8');
	});

	test('a warn severity grades a miss as warn', () => {
		expect(run({ type: 'jsonPath', path: '$.count', operator: 'eq', value: '8', severity: 'warn' }).status).toBe('warn');
	});

	test('body contains / regex', () => {
		expect(run({ type: 'bodyContains', value: '"pass"' }).status).toBe('pass');
		expect(run({ type: 'bodyNotContains', value: '"pass"' }).status).toBe('fail');
		expect(run({ type: 'bodyRegex', pattern: 'count":\\s*7' }).status).toBe('pass');
		expect(run({ type: 'bodyRegex', pattern: 'nope' }).status).toBe('fail');
	});

	test('response time thresholds: over warn → warn, over fail → fail', () => {
		const c: RatedCondition = { type: 'responseTime', warnMs: 100, failMs: 500 };
		expect(run(c, ctx('{}', 200, 50)).status).toBe('pass');
		expect(run(c, ctx('{}', 200, 150)).status).toBe('warn');
		const slow = run(c, ctx('{}', 200, 900));
		expect(slow).toMatchObject({ status: 'fail', message: 'response time 900 ms, warn above 100 ms, fail above 500 ms' });
	});

	test('timestamp age from ISO, seconds and nanoseconds', () => {
		expect(run({ type: 'timestampAge', path: '$.at', warnSeconds: 300, failSeconds: 3600 })).toMatchObject({ status: 'warn', observed: '600 s' });
		expect(run({ type: 'timestampAge', path: '$.at', warnSeconds: 900 }).status).toBe('pass');
		expect(toEpochSeconds(1764158400000000000)).toBeCloseTo(1764158400);
		expect(toEpochSeconds(1764158400000)).toBe(1764158400);
		expect(run({ type: 'timestampAge', path: '$.version' })).toMatchObject({ status: 'fail', message: '$.version is "v2.3.0", not a timestamp' });
	});

	test('malformed JSON and truncated bodies fail JSON conditions with the reason', () => {
		const bad = ctx('{"status": ');
		expect(run({ type: 'jsonPath', path: '$.status', operator: 'eq', value: 'pass' }, bad).message).toMatch(/not valid JSON/);
		const truncated = { statusCode: 200, headers: {}, body: '{"a":', bodyBytes: 9999, truncated: true };
		expect(parseBody(truncated)).toMatchObject({ ok: false });
	});

	test('a broken condition (bad regex, bad path) is a failed check, not a crash', () => {
		expect(run({ type: 'bodyRegex', pattern: '(' }).message).toMatch(/invalid condition/);
		expect(run({ type: 'jsonPath', path: '$.a[', operator: 'exists' }).message).toMatch(/invalid condition/);
	});
});

describe('backoff and concurrency', () => {
	test('full jitter stays within [0, min(cap, base·2^n)]', () => {
		expect(fullJitterDelay(0, 100, 1000, () => 0.999)).toBe(99);
		expect(fullJitterDelay(3, 100, 1000, () => 0.999)).toBe(799);
		expect(fullJitterDelay(10, 100, 1000, () => 0.999)).toBe(999);
		expect(fullJitterDelay(5, 100, 1000, () => 0)).toBe(0);
	});

	test('retries only while asked to, up to the limit', async () => {
		let calls = 0;
		const r = await retryWithBackoff(async () => ++calls, (n) => n < 10, { retries: 2, baseDelayMs: 1, maxDelayMs: 2 });
		expect(r).toEqual({ result: 3, attempts: 3 });
		calls = 0;
		const s = await retryWithBackoff(async () => ++calls, () => false, { retries: 5, baseDelayMs: 1, maxDelayMs: 2 });
		expect(s.attempts).toBe(1);
	});

	test('an aborted signal stops retrying', async () => {
		const controller = new AbortController();
		controller.abort();
		const r = await retryWithBackoff(async () => 1, () => true, { retries: 5, baseDelayMs: 1, maxDelayMs: 2, signal: controller.signal });
		expect(r.attempts).toBe(1);
	});

	test('never more than `limit` calls in flight, order kept; 0 = all at once', async () => {
		for (const [limit, expectedPeak] of [[3, 3], [0, 10], [50, 10]]) {
			let inFlight = 0;
			let peak = 0;
			const out = await mapWithConcurrency(Array.from({ length: 10 }, (_, i) => i), limit, async (x) => {
				inFlight++;
				peak = Math.max(peak, inFlight);
				await new Promise((r) => setImmediate(r));
				inFlight--;
				return x * 2;
			});
			expect(out).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
			expect(peak).toBe(expectedPeak);
		}
	});
});
