import type { HealthStatus } from './status';

/**
 * Alert hysteresis for periodic checks, as a pure state machine (no I/O, time
 * passed in) so it can be driven through thousands of runs in a test.
 *
 * A target is UP until N consecutive failed checks, then DOWN until M
 * consecutive successful checks. Only state changes are announced: `down`,
 * `recovered` (with the downtime) and, optionally, a `reminder` every X
 * minutes while still down. So a flapping target (pass, fail, pass, ...) never
 * reaches N failures in a row and never pages anyone.
 *
 * Suppression (maintenance window, a depends-on target that is down) holds
 * back `down` and `reminder`, never the checks or the state: if the target is
 * still down when the suppression ends, the `down` goes out then. A
 * `recovered` goes out only for a `down` that was announced — and always, even
 * during maintenance, because it closes an alert somebody has received.
 */

export interface HysteresisConfig {
	/** Consecutive failures before DOWN (N ≥ 1). */
	failuresToDown: number;
	/** Consecutive successes before UP again (M ≥ 1). */
	successesToUp: number;
	/** Minutes between reminders while DOWN; 0 = no reminders. */
	reminderMinutes: number;
}

export const DEFAULT_HYSTERESIS: HysteresisConfig = { failuresToDown: 3, successesToUp: 2, reminderMinutes: 0 };

/** What is kept per target between checks (plain JSON: RAG Health Watch Trigger saves a copy in its static data). */
export interface TargetState {
	state: 'up' | 'down';
	consecutiveFailures: number;
	consecutiveSuccesses: number;
	/** Unix ms when the target went DOWN. */
	downSince?: number;
	/** Whether the current DOWN has been announced. */
	downAnnounced?: boolean;
	/** Unix ms of the last announcement (down or reminder), for reminders. */
	lastAlertAt?: number;
	/** Unix ms of the last check. */
	lastCheckAt?: number;
	lastStatus?: HealthStatus;
}

export type TransitionEvent = 'down' | 'recovered' | 'reminder';
export type SuppressionReason = 'maintenance' | 'dependency';

export interface StepResult {
	state: TargetState;
	/** Event the step would announce before suppression. */
	candidate?: TransitionEvent;
	/** Downtime of a recovery, in ms. */
	downtimeMs?: number;
}

export interface SettledStep {
	state: TargetState;
	/** Event to announce (goes to the Alert output). */
	event?: TransitionEvent;
	/** Event that was held back, and why. */
	suppressed?: { event: TransitionEvent; reason: SuppressionReason };
	downtimeMs?: number;
}

export function initialTargetState(): TargetState {
	return { state: 'up', consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

function positive(value: number, fallback: number): number {
	return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/** Revive a stored state defensively (static data may be old, edited or corrupt). */
export function reviveTargetState(raw: unknown): TargetState {
	if (typeof raw !== 'object' || raw === null) return initialTargetState();
	const r = raw as Partial<TargetState>;
	const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
	return {
		state: r.state === 'down' ? 'down' : 'up',
		consecutiveFailures: Math.max(0, num(r.consecutiveFailures) ?? 0),
		consecutiveSuccesses: Math.max(0, num(r.consecutiveSuccesses) ?? 0),
		downSince: num(r.downSince),
		downAnnounced: r.downAnnounced === true,
		lastAlertAt: num(r.lastAlertAt),
		lastCheckAt: num(r.lastCheckAt),
		lastStatus: r.lastStatus,
	};
}

/** Advance the counters and UP/DOWN state by one check. */
export function step(
	previous: TargetState | undefined,
	check: { failed: boolean; status?: HealthStatus; now: number },
	config: HysteresisConfig,
): StepResult {
	const failuresToDown = positive(config.failuresToDown, DEFAULT_HYSTERESIS.failuresToDown);
	const successesToUp = positive(config.successesToUp, DEFAULT_HYSTERESIS.successesToUp);
	const s: TargetState = { ...(previous ?? initialTargetState()) };
	s.lastCheckAt = check.now;
	s.lastStatus = check.status ?? (check.failed ? 'fail' : 'pass');
	// Counters saturate so a target down for a year does not grow its state.
	if (check.failed) {
		s.consecutiveFailures = Math.min(s.consecutiveFailures + 1, 1_000_000);
		s.consecutiveSuccesses = 0;
	} else {
		s.consecutiveSuccesses = Math.min(s.consecutiveSuccesses + 1, 1_000_000);
		s.consecutiveFailures = 0;
	}

	if (s.state === 'up') {
		if (s.consecutiveFailures >= failuresToDown) {
			s.state = 'down';
			s.downSince = check.now;
			s.downAnnounced = false;
			return { state: s, candidate: 'down' };
		}
		return { state: s };
	}

	// DOWN
	if (s.consecutiveSuccesses >= successesToUp) {
		const downtimeMs = s.downSince !== undefined ? Math.max(0, check.now - s.downSince) : undefined;
		const announced = s.downAnnounced === true;
		s.state = 'up';
		delete s.downSince;
		delete s.downAnnounced;
		delete s.lastAlertAt;
		return { state: s, candidate: announced ? 'recovered' : undefined, downtimeMs };
	}
	if (!s.downAnnounced) return { state: s, candidate: 'down' };
	const reminderMs = Math.max(0, config.reminderMinutes) * 60_000;
	if (reminderMs > 0 && s.lastAlertAt !== undefined && check.now - s.lastAlertAt >= reminderMs) {
		return { state: s, candidate: 'reminder' };
	}
	return { state: s };
}

/** Apply suppression to a step and record what was announced. */
export function settle(result: StepResult, suppression: SuppressionReason | undefined, now: number): SettledStep {
	const state = { ...result.state };
	const { candidate, downtimeMs } = result;
	if (!candidate) return { state, downtimeMs };
	if (suppression && candidate !== 'recovered') {
		return { state, suppressed: { event: candidate, reason: suppression }, downtimeMs };
	}
	if (candidate === 'down') state.downAnnounced = true;
	if (candidate !== 'recovered') state.lastAlertAt = now;
	return { state, event: candidate, downtimeMs };
}

// ---------------------------------------------------------------------------
// Maintenance windows

export interface MaintenanceWindow {
	/** Target names the window applies to; empty = all targets. */
	targets: string[];
	/** IANA time zone the times are written in, e.g. "Europe/Berlin". */
	timezone: string;
	/**
	 * Either "HH:MM" (a window every day, or on `days`) or a local date-time
	 * "YYYY-MM-DDTHH:MM" (a one-off window). A value with "Z" or an offset is
	 * an absolute instant. Equal recurring start and end mean the whole day.
	 */
	start: string;
	end: string;
	/** Week days of a recurring window (0 = Sunday … 6 = Saturday); empty = every day. Days of the start time. */
	days: number[];
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

interface LocalTime {
	/** "YYYY-MM-DDTHH:MM:SS" wall time in the zone. */
	dateTime: string;
	/** "HH:MM". */
	hhmm: string;
	weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time of an instant in a time zone (Intl only; no luxon at run time). Throws RangeError on an unknown zone. */
export function localTime(now: number, timezone: string): LocalTime {
	let fmt = formatters.get(timezone);
	if (!fmt) {
		fmt = new Intl.DateTimeFormat('en-US', {
			timeZone: timezone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			weekday: 'short',
			hourCycle: 'h23',
		});
		formatters.set(timezone, fmt);
	}
	const parts: Record<string, string> = {};
	for (const part of fmt.formatToParts(new Date(now))) parts[part.type] = part.value;
	const hour = parts.hour === '24' ? '00' : parts.hour;
	return {
		dateTime: `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}:${parts.second}`,
		hhmm: `${hour}:${parts.minute}`,
		weekday: WEEKDAYS[parts.weekday] ?? 0,
	};
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const LOCAL_DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/;
const ABSOLUTE = /(Z|[+-]\d{2}:?\d{2})$/i;

function normalizeHhmm(value: string): string | undefined {
	const m = HHMM.exec(value.trim());
	return m ? `${m[1].padStart(2, '0')}:${m[2]}` : undefined;
}

function normalizeLocalDateTime(value: string): string | undefined {
	const m = LOCAL_DATETIME.exec(value.trim());
	return m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}` : undefined;
}

/** Why a window cannot be used, or undefined when it is valid. */
export function validateWindow(window: MaintenanceWindow): string | undefined {
	try {
		localTime(0, window.timezone || 'UTC');
	} catch {
		return `unknown time zone "${window.timezone}" (use an IANA name such as Europe/Berlin)`;
	}
	const recurring = normalizeHhmm(window.start) !== undefined && normalizeHhmm(window.end) !== undefined;
	const instants = [window.start, window.end].every(
		(v) => normalizeLocalDateTime(v) !== undefined || (ABSOLUTE.test(v.trim()) && !Number.isNaN(Date.parse(v))),
	);
	if (!recurring && !instants) {
		return `cannot read the window "${window.start}" – "${window.end}" (use HH:MM for a daily window or YYYY-MM-DDTHH:MM for a one-off one)`;
	}
	if (window.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) return 'week days must be 0 (Sunday) to 6 (Saturday)';
	return undefined;
}

/** Whether `now` falls inside the window. Invalid windows never match. */
export function windowContains(window: MaintenanceWindow, now: number): boolean {
	if (validateWindow(window) !== undefined) return false;
	const local = localTime(now, window.timezone || 'UTC');
	const start = normalizeHhmm(window.start);
	const end = normalizeHhmm(window.end);
	if (start !== undefined && end !== undefined) {
		const onDay = (day: number) => window.days.length === 0 || window.days.includes(day);
		// Equal start and end: the whole day (e.g. 00:00–00:00 on Sundays).
		if (start === end) return onDay(local.weekday);
		if (start < end) return onDay(local.weekday) && local.hhmm >= start && local.hhmm < end;
		// Crosses midnight: the evening part belongs to today, the morning part to yesterday's window.
		return (onDay(local.weekday) && local.hhmm >= start) || (onDay((local.weekday + 6) % 7) && local.hhmm < end);
	}
	const bound = (value: string): { local?: string; instant?: number } => {
		const v = value.trim();
		if (ABSOLUTE.test(v)) return { instant: Date.parse(v) };
		return { local: normalizeLocalDateTime(v) };
	};
	const from = bound(window.start);
	const to = bound(window.end);
	const afterStart = from.instant !== undefined ? now >= from.instant : local.dateTime >= (from.local ?? '');
	const beforeEnd = to.instant !== undefined ? now < to.instant : local.dateTime < (to.local ?? '');
	return afterStart && beforeEnd;
}

/** The first window covering `target` at `now`, if any. */
export function activeWindow(windows: readonly MaintenanceWindow[], target: string, now: number): MaintenanceWindow | undefined {
	return windows.find((w) => (w.targets.length === 0 || w.targets.includes(target)) && windowContains(w, now));
}
