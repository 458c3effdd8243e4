import {
	activeWindow,
	DEFAULT_HYSTERESIS,
	reviveTargetState,
	settle,
	step,
	validateWindow,
	windowContains,
	type MaintenanceWindow,
	type SettledStep,
	type SuppressionReason,
	type TargetState,
} from '../../../../nodes/shared/hysteresis';

const MINUTE = 60_000;

/** Drive one target through a sequence of check outcomes (true = failed), one check per minute. */
function drive(
	outcomes: boolean[],
	options: { config?: typeof DEFAULT_HYSTERESIS; suppress?: (i: number) => SuppressionReason | undefined; start?: TargetState } = {},
): { events: SettledStep[]; final: TargetState } {
	let state = options.start;
	const events: SettledStep[] = [];
	outcomes.forEach((failed, i) => {
		const now = Date.UTC(2026, 10, 26, 12, 0) + i * MINUTE;
		const settled = settle(step(state, { failed, now }, options.config ?? DEFAULT_HYSTERESIS), options.suppress?.(i), now);
		state = settled.state;
		events.push(settled);
	});
	return { events, final: state! };
}

const alerts = (events: SettledStep[]) => events.filter((e) => e.event).map((e) => e.event);

describe('hysteresis state machine', () => {
	test('a flapping target (alternating pass/fail over 100 checks) produces at most 2 alerts with the defaults', () => {
		const outcomes = Array.from({ length: 100 }, (_, i) => i % 2 === 1);
		const { events } = drive(outcomes);
		expect(alerts(events).length).toBeLessThanOrEqual(2);
		expect(alerts(events)).toEqual([]);
	});

	test('a flapping target starting with failures still produces at most 2 alerts', () => {
		const outcomes = [true, true, true, ...Array.from({ length: 97 }, (_, i) => i % 2 === 0)];
		const { events } = drive(outcomes);
		expect(alerts(events)).toEqual(['down']);
		expect(alerts(events).length).toBeLessThanOrEqual(2);
	});

	test('a target that goes down once gives exactly one down and, after recovery, exactly one recovered with the downtime', () => {
		const outcomes = [...Array(5).fill(false), ...Array(10).fill(true), ...Array(10).fill(false)];
		const { events, final } = drive(outcomes);
		expect(alerts(events)).toEqual(['down', 'recovered']);
		const downIndex = events.findIndex((e) => e.event === 'down');
		expect(downIndex).toBe(7); // third failure
		const recovered = events.find((e) => e.event === 'recovered')!;
		// DOWN at check 7, UP after the second success (check 16): 9 minutes.
		expect(recovered.downtimeMs).toBe(9 * MINUTE);
		expect(final.state).toBe('up');
	});

	test('two failures are not enough for DOWN, one success is not enough for UP', () => {
		expect(alerts(drive([true, true, false, true, true, false]).events)).toEqual([]);
		const r = drive([true, true, true, false, true, false]);
		expect(alerts(r.events)).toEqual(['down']);
		expect(r.final.state).toBe('down');
	});

	test('custom thresholds are honoured (N=1, M=1)', () => {
		const config = { failuresToDown: 1, successesToUp: 1, reminderMinutes: 0 };
		expect(alerts(drive([true, false, true, false], { config }).events)).toEqual(['down', 'recovered', 'down', 'recovered']);
	});

	test('reminders every X minutes while down, and none after recovery', () => {
		const config = { ...DEFAULT_HYSTERESIS, reminderMinutes: 10 };
		const outcomes = [...Array(33).fill(true), false, false, ...Array(20).fill(false)];
		const got = alerts(drive(outcomes, { config }).events);
		// down at minute 2, reminders at 12, 22, 32, then recovered.
		expect(got).toEqual(['down', 'reminder', 'reminder', 'reminder', 'recovered']);
	});

	test('maintenance suppresses the down, and the down goes out when the window ends if still down', () => {
		const outcomes = Array(10).fill(true);
		const { events } = drive(outcomes, { suppress: (i) => (i < 6 ? 'maintenance' : undefined) });
		expect(events[2].suppressed).toEqual({ event: 'down', reason: 'maintenance' });
		expect(alerts(events)).toEqual(['down']);
		expect(events.findIndex((e) => e.event === 'down')).toBe(6);
	});

	test('an outage that ends inside the maintenance window announces nothing at all', () => {
		const outcomes = [...Array(5).fill(true), false, false, false];
		expect(alerts(drive(outcomes, { suppress: () => 'maintenance' }).events)).toEqual([]);
	});

	test('a recovery is announced even during maintenance when the down was announced', () => {
		const outcomes = [true, true, true, true, false, false];
		const { events } = drive(outcomes, { suppress: (i) => (i >= 4 ? 'maintenance' : undefined) });
		expect(alerts(events)).toEqual(['down', 'recovered']);
	});

	test('depends-on suppression holds back the down of a child', () => {
		const { events } = drive(Array(6).fill(true), { suppress: () => 'dependency' });
		expect(alerts(events)).toEqual([]);
		expect(events[2].suppressed?.reason).toBe('dependency');
	});

	test('revives corrupt stored state to a safe default', () => {
		expect(reviveTargetState('garbage')).toEqual({ state: 'up', consecutiveFailures: 0, consecutiveSuccesses: 0 });
		expect(reviveTargetState({ state: 'down', consecutiveFailures: 'x', downAnnounced: true }).state).toBe('down');
		expect(reviveTargetState({ state: 'down', consecutiveFailures: 'x' }).consecutiveFailures).toBe(0);
	});

});

describe('maintenance windows', () => {
	const w = (partial: Partial<MaintenanceWindow>): MaintenanceWindow => ({ targets: [], timezone: 'UTC', start: '02:00', end: '04:00', days: [], ...partial });
	// 2026-11-26 is a Thursday.
	const at = (iso: string) => Date.parse(iso);

	test('a daily window in a time zone (Europe/Berlin is UTC+1 in November)', () => {
		const window = w({ timezone: 'Europe/Berlin' });
		expect(windowContains(window, at('2026-11-26T01:30:00Z'))).toBe(true); // 02:30 Berlin
		expect(windowContains(window, at('2026-11-26T02:30:00Z'))).toBe(true); // 03:30 Berlin
		expect(windowContains(window, at('2026-11-26T03:00:00Z'))).toBe(false); // 04:00 Berlin: end is exclusive
		expect(windowContains(window, at('2026-11-26T00:59:00Z'))).toBe(false); // 01:59 Berlin
	});

	test('a window across midnight on given week days belongs to its start day', () => {
		const window = w({ start: '23:00', end: '01:00', days: [4] }); // Thursday night
		expect(windowContains(window, at('2026-11-26T23:30:00Z'))).toBe(true); // Thu 23:30
		expect(windowContains(window, at('2026-11-27T00:30:00Z'))).toBe(true); // Fri 00:30, still Thursday's window
		expect(windowContains(window, at('2026-11-25T23:30:00Z'))).toBe(false); // Wed 23:30
		expect(windowContains(window, at('2026-11-26T00:30:00Z'))).toBe(false); // Thu 00:30 = Wednesday's window
	});

	test('a one-off window in local time and one with absolute instants', () => {
		const local = w({ timezone: 'America/New_York', start: '2026-11-26T09:00', end: '2026-11-26T10:00' });
		expect(windowContains(local, at('2026-11-26T14:30:00Z'))).toBe(true); // 09:30 New York
		expect(windowContains(local, at('2026-11-26T09:30:00Z'))).toBe(false);
		const absolute = w({ start: '2026-11-26T09:00:00Z', end: '2026-11-26T10:00:00+00:00' });
		expect(windowContains(absolute, at('2026-11-26T09:59:59Z'))).toBe(true);
		expect(windowContains(absolute, at('2026-11-26T10:00:00Z'))).toBe(false);
	});

	test('equal start and end mean the whole day', () => {
		const window = w({ start: '00:00', end: '00:00', days: [4] });
		expect(windowContains(window, at('2026-11-26T00:00:00Z'))).toBe(true);
		expect(windowContains(window, at('2026-11-26T23:59:00Z'))).toBe(true);
		expect(windowContains(window, at('2026-11-27T00:00:00Z'))).toBe(false);
	});

	test('windows apply only to their targets', () => {
		const windows = [w({ targets: ['qdrant'] })];
		expect(activeWindow(windows, 'qdrant', at('2026-11-26T02:30:00Z'))).toBeDefined();
		expect(activeWindow(windows, 'rag-api', at('2026-11-26T02:30:00Z'))).toBeUndefined();
	});

	test('bad windows are reported and never match', () => {
		expect(validateWindow(w({ timezone: 'Mars/Olympus' }))).toMatch(/unknown time zone/);
		expect(validateWindow(w({ start: '25:00' }))).toMatch(/cannot read/);
		expect(validateWindow(w({ days: [7] }))).toMatch(/week days/);
		expect(windowContains(w({ timezone: 'Mars/Olympus' }), Date.now())).toBe(false);
		expect(validateWindow(w({}))).toBeUndefined();
	});
});
