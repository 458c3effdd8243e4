/**
 * Snapshot retention with restic's `forget` semantics
 * (https://restic.readthedocs.io/en/stable/060_forget.html), as a pure function:
 *
 * - snapshots are ordered newest first (equal times: by name, descending, so the
 *   plan is deterministic);
 * - `keepLast n` keeps the n newest;
 * - `keepHourly/Daily/Weekly/Monthly/Yearly n`: walking newest → oldest, a
 *   snapshot is kept when it is the first one seen in a new hour / day / ISO week /
 *   month / year, until n such buckets have been kept (restic's "last value
 *   changed" walk, so empty periods do not use up the count);
 * - `keepWithin d` keeps every snapshot within d (restic syntax `1y2m3d4h`) of the
 *   NEWEST snapshot, not of now, so a stalled backup job never ages out its last copies;
 * - buckets are computed in an IANA time zone (default UTC) because "daily"
 *   means the user's days;
 * - a snapshot is kept if any rule keeps it; every kept snapshot lists its reasons.
 *
 * Our additions for safety:
 * - a snapshot's time is the timestamp in its name when the name has Qdrant's
 *   form (`<collection>-<peer id>-<YYYY-MM-DD-HH-MM-SS>.snapshot`, UTC, written
 *   when the snapshot is made), else its `creation_time`. Qdrant's
 *   `creation_time` is the file's birth time: null where the filesystem has
 *   none (network shares), identical for every file of a copied snapshot
 *   folder, the object's last-modified time on S3. The name survives all three;
 * - the order is total (time, then name), so a plan never depends on the
 *   order Qdrant listed the snapshots in;
 * - when that order is ambiguous (two snapshots at the same time, or one with
 *   no time at all), the plan deletes nothing and says why: retention by
 *   time cannot be applied to snapshots whose times are unknown or equal;
 * - the names in `protect` (the newest verified snapshot) are always kept;
 * - an empty policy keeps everything, like restic refusing to forget without a policy.
 */

export interface RetentionPolicy {
	keepLast?: number;
	keepHourly?: number;
	keepDaily?: number;
	keepWeekly?: number;
	keepMonthly?: number;
	keepYearly?: number;
	/** restic duration: `1y6m`, `14d`, `36h`, `2y3m4d5h`. */
	keepWithin?: string;
	/** IANA zone for the calendar buckets. Default `UTC`. */
	timeZone?: string;
}

export interface RetentionSnapshot {
	name: string;
	/** ISO 8601; Qdrant sends a naive UTC date-time (`2024-05-01T10:00:00`), read as UTC. */
	creationTime: string | null;
}

export interface RetentionDecision {
	name: string;
	creationTime: string | null;
	/** The time retention used (ISO 8601 UTC), or null when the snapshot has none. */
	time: string | null;
	/** Where `time` came from. */
	timeSource: TimeSource;
	keep: boolean;
	/** Why it is kept (`last 1/3`, `daily 2/7`, `within 14d`, `newest verified`, ...); empty when removed. */
	reasons: string[];
}

export interface RetentionPlan {
	/** Every snapshot, newest first. */
	decisions: RetentionDecision[];
	keep: RetentionDecision[];
	remove: RetentionDecision[];
	/** Set when the order is ambiguous: nothing is removed, and this says why. */
	refused?: string;
}

/** A policy that cannot be applied; the node turns it into a NodeOperationError with the item index. */
export class RetentionPolicyError extends Error {
	name = 'RetentionPolicyError';
}

const BUCKETS = [
	['keepHourly', 'hourly'],
	['keepDaily', 'daily'],
	['keepWeekly', 'weekly'],
	['keepMonthly', 'monthly'],
	['keepYearly', 'yearly'],
] as const;

type BucketName = (typeof BUCKETS)[number][1];

export type TimeSource = 'name' | 'creation_time' | 'none';

/** Qdrant's snapshot names end in the UTC time they were made: `-2026-11-20-03-00-00.snapshot`. */
const NAME_STAMP = /-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.snapshot$/;

/** The UTC time in a Qdrant snapshot name, or NaN when the name has none (or an impossible date). */
export function parseNameTime(name: string): number {
	const m = NAME_STAMP.exec(name);
	if (!m) return NaN;
	const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
	const t = Date.UTC(y, mo - 1, d, h, mi, s);
	const back = new Date(t);
	// Date.UTC normalises 2026-02-31 into March: such a name carries no real time.
	if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return NaN;
	return t;
}

/** The time retention orders a snapshot by: its name's timestamp, else its creation time. */
export function snapshotTime(s: { name: string; creationTime?: string | null }): { time: number; source: TimeSource } {
	const fromName = parseNameTime(s.name);
	if (!Number.isNaN(fromName)) return { time: fromName, source: 'name' };
	const created = parseCreationTime(s.creationTime);
	if (!Number.isNaN(created)) return { time: created, source: 'creation_time' };
	return { time: NaN, source: 'none' };
}

/** Newest first; snapshots without a time last; equal times by name, descending. A total order. */
export function compareNewestFirst(
	a: { name: string; time: number },
	b: { name: string; time: number },
): number {
	const ta = Number.isNaN(a.time) ? -Infinity : a.time;
	const tb = Number.isNaN(b.time) ? -Infinity : b.time;
	if (ta !== tb) return tb > ta ? 1 : -1;
	return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * Why the order of these snapshots cannot be trusted, or undefined when it can:
 * a snapshot without any time, or two snapshots at the same second.
 */
export function orderAmbiguity(snapshots: ReadonlyArray<{ name: string; creationTime?: string | null }>): string | undefined {
	const timed = snapshots.map((s) => ({ name: s.name, ...snapshotTime(s) }));
	const undated = timed.filter((t) => t.source === 'none');
	if (undated.length > 0) {
		return `${undated.length} snapshot(s) have neither a time in their name nor a creation_time (${undated
			.slice(0, 3)
			.map((u) => `"${u.name}"`)
			.join(', ')}), so their place in the order is unknown`;
	}
	const byTime = new Map<number, string[]>();
	for (const t of timed) byTime.set(t.time, [...(byTime.get(t.time) ?? []), t.name]);
	for (const [time, names] of byTime) {
		if (names.length > 1) {
			return `${names.length} snapshots share the time ${new Date(time).toISOString()} (${names
				.slice(0, 3)
				.map((n) => `"${n}"`)
				.join(', ')}), so which of them is newer is unknown`;
		}
	}
	return undefined;
}

/** Parses Qdrant's naive date-times as UTC; returns NaN for garbage. */
export function parseCreationTime(value: string | null | undefined): number {
	if (!value) return NaN;
	const hasZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(value);
	return Date.parse(hasZone ? value : `${value}Z`);
}

/** restic's `keepWithin` syntax → [years, months, days, hours]; throws on anything else. */
export function parseRetentionDuration(text: string): [number, number, number, number] {
	const trimmed = text.trim();
	if (!/^(\d+[ymdh])+$/.test(trimmed)) {
		throw new RetentionPolicyError(`"${text}" is not a duration like 7d, 36h, 1y6m or 2y3m4d5h (units y, m, d, h)`);
	}
	const out: [number, number, number, number] = [0, 0, 0, 0];
	for (const [, n, unit] of trimmed.matchAll(/(\d+)([ymdh])/g)) {
		out['ymdh'.indexOf(unit!)] += Number(n);
	}
	return out;
}

/** `latest` minus the duration, with calendar months/years as restic's AddDate does. */
function withinCutoff(latest: number, duration: [number, number, number, number]): number {
	const d = new Date(latest);
	const [y, m, days, h] = duration;
	const shifted = Date.UTC(
		d.getUTCFullYear() - y,
		d.getUTCMonth() - m,
		d.getUTCDate() - days,
		d.getUTCHours() - h,
		d.getUTCMinutes(),
		d.getUTCSeconds(),
		d.getUTCMilliseconds(),
	);
	return shifted;
}

interface LocalParts {
	year: number;
	month: number;
	day: number;
	hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(time: number, timeZone: string): LocalParts {
	let fmt = formatters.get(timeZone);
	if (!fmt) {
		fmt = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
		});
		formatters.set(timeZone, fmt);
	}
	const parts: Record<string, number> = {};
	for (const p of fmt.formatToParts(new Date(time))) {
		if (p.type !== 'literal') parts[p.type] = Number(p.value);
	}
	return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24 };
}

/** ISO 8601 week-year and week of a calendar date (what restic's weekly bucket uses). */
function isoWeek(year: number, month: number, day: number): [number, number] {
	const date = new Date(Date.UTC(year, month - 1, day));
	const weekday = date.getUTCDay() || 7; // Monday = 1 … Sunday = 7
	date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
	const weekYear = date.getUTCFullYear();
	const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
	return [weekYear, week];
}

function bucketKey(bucket: BucketName, p: LocalParts): string {
	switch (bucket) {
		case 'hourly':
			return `${p.year}-${p.month}-${p.day}T${p.hour}`;
		case 'daily':
			return `${p.year}-${p.month}-${p.day}`;
		case 'weekly':
			return isoWeek(p.year, p.month, p.day).join('-W');
		case 'monthly':
			return `${p.year}-${p.month}`;
		case 'yearly':
			return `${p.year}`;
	}
}

/** Throws with a readable message when the policy cannot be applied. */
export function validatePolicy(policy: RetentionPolicy): void {
	for (const key of ['keepLast', ...BUCKETS.map(([k]) => k)] as const) {
		const n = policy[key];
		if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
			throw new RetentionPolicyError(`${key} must be a whole number ≥ 0 (got ${String(n)})`);
		}
	}
	if (policy.keepWithin) parseRetentionDuration(policy.keepWithin);
	let knownZone = true;
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: policy.timeZone ?? 'UTC' });
	} catch {
		knownZone = false;
	}
	if (!knownZone) {
		throw new RetentionPolicyError(`"${policy.timeZone}" is not an IANA time zone (for example UTC or Europe/Berlin)`);
	}
}

/** True when the policy keeps nothing by itself (restic refuses to forget then; we keep everything). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
	return (
		!policy.keepLast &&
		BUCKETS.every(([key]) => !policy[key]) &&
		!(policy.keepWithin && parseRetentionDuration(policy.keepWithin).some((n) => n > 0))
	);
}

export function planRetention(
	snapshots: readonly RetentionSnapshot[],
	policy: RetentionPolicy,
	options: { protect?: readonly string[] } = {},
): RetentionPlan {
	validatePolicy(policy);
	const timeZone = policy.timeZone ?? 'UTC';
	const protect = new Set(options.protect ?? []);
	const empty = isEmptyPolicy(policy);

	const dated = snapshots
		.map((s) => ({ s, name: s.name, ...snapshotTime(s) }))
		.sort(compareNewestFirst)
		.map(({ s, time, source }) => ({ s, t: time, source }));
	const iso = (t: number) => (Number.isNaN(t) ? null : new Date(t).toISOString());

	const refused = orderAmbiguity(snapshots);
	if (refused) {
		const decisions = dated.map(({ s, t, source }) => ({
			name: s.name,
			creationTime: s.creationTime,
			time: iso(t),
			timeSource: source,
			keep: true,
			reasons: [...(protect.has(s.name) ? ['newest verified'] : []), 'order ambiguous'],
		}));
		return { decisions, keep: decisions, remove: [], refused };
	}

	const latest = dated[0]?.t;
	const cutoff =
		policy.keepWithin && latest !== undefined
			? withinCutoff(latest, parseRetentionDuration(policy.keepWithin))
			: undefined;

	const remaining: Record<string, number> = { last: policy.keepLast ?? 0 };
	const lastKey: Record<string, string | undefined> = {};
	for (const [key, bucket] of BUCKETS) remaining[bucket] = policy[key] ?? 0;
	const kept: Record<string, number> = {};

	const decisions: RetentionDecision[] = dated.map(({ s, t, source }) => {
		const reasons: string[] = [];
		if (protect.has(s.name)) reasons.push('newest verified');
		if (empty) reasons.push('empty policy keeps everything');
		if (remaining.last! > 0) {
			remaining.last!--;
			kept.last = (kept.last ?? 0) + 1;
			reasons.push(`last ${kept.last}/${policy.keepLast}`);
		}
		const parts = localParts(t, timeZone);
		for (const [key, bucket] of BUCKETS) {
			if (remaining[bucket]! <= 0) continue;
			const value = bucketKey(bucket, parts);
			if (value === lastKey[bucket]) continue;
			lastKey[bucket] = value;
			remaining[bucket]!--;
			kept[bucket] = (kept[bucket] ?? 0) + 1;
			reasons.push(`${bucket} ${kept[bucket]}/${policy[key]}`);
		}
		if (cutoff !== undefined && t >= cutoff) reasons.push(`within ${policy.keepWithin}`);
		return { name: s.name, creationTime: s.creationTime, time: iso(t), timeSource: source, keep: reasons.length > 0, reasons };
	});

	return {
		decisions,
		keep: decisions.filter((d) => d.keep),
		remove: decisions.filter((d) => !d.keep),
	};
}
