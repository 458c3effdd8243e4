/**
 * Prometheus-style durations ("30s", "1h30m", "26h", "7d"): the one format the
 * config uses for every time span, so a value can be pasted into PromQL as is.
 */
const UNIT_SECONDS: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** Same grammar as Prometheus' model.ParseDuration: units in descending order, each at most once. */
export const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export function parseDuration(text: string): number {
	const match = DURATION_PATTERN.exec(text);
	if (!text || !match || match.slice(1).every((part) => part === undefined)) {
		throw new Error(`"${text}" is not a duration; use a number with a unit, e.g. 30s, 5m, 26h, 7d`);
	}
	const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
	return match.slice(1).reduce((total, part, i) => total + (part ? Number(part) * UNIT_SECONDS[units[i]] : 0), 0);
}

/** Shortest Prometheus duration for a number of seconds (whole seconds, or ms below one second). */
export function formatDuration(seconds: number): string {
	if (seconds <= 0) return '0s';
	if (!Number.isInteger(seconds)) return `${Math.round(seconds * 1000)}ms`;
	let rest = seconds;
	let out = '';
	for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
		const n = Math.floor(rest / size);
		if (n > 0) {
			out += `${n}${unit}`;
			rest -= n * size;
		}
	}
	return out;
}
