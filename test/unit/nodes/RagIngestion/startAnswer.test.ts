import { classifyStart, CLOCK_SKEW_MS } from '../../../../nodes/RagIngestion/startAnswer';

const now = Date.parse('2026-12-01T12:00:00Z');
const run = (startedAt: string, status = 'running') => ({ run_id: 'r1', status, started_at: startedAt });

describe('reading the start answer', () => {
	test.each([
		['a new run', 202, run('2026-12-01T12:00:00Z'), {}, true, 'created'],
		['a replay flagged by header', 202, run('2026-12-01T12:00:00Z'), { 'idempotent-replayed': 'true' }, true, 'replayed'],
		['a replay flagged by header (other spelling, any case)', 200, run('2026-12-01T12:00:00Z'), { 'idempotency-replayed': 'True' }, true, 'replayed'],
		['a run started before the request beyond the skew', 200, run(new Date(now - CLOCK_SKEW_MS - 1000).toISOString(), 'succeeded'), {}, true, 'replayed'],
		['a run started within the skew (clocks disagree a little)', 200, run(new Date(now - CLOCK_SKEW_MS + 1000).toISOString()), {}, true, 'created'],
		['an old run but no key was sent', 200, run('2026-11-01T00:00:00Z'), {}, false, 'created'],
		['409', 409, { run_id: 'r0' }, {}, true, 'in_progress'],
		['422 for a keyed request', 422, { run_id: 'r0' }, {}, true, 'key_reused'],
		['422 without a key (a validation error)', 422, { error: 'bad' }, {}, false, 'refused'],
		['500', 500, {}, {}, true, 'refused'],
	])('%s', (_name, code, body, headers, sentKey, verdict) => {
		expect(classifyStart(code as number, body, headers as Record<string, unknown>, sentKey as boolean, now).verdict).toBe(verdict);
	});
});
