import type { INodeProperties } from 'n8n-workflow';

/**
 * The watch's schedule. A list rather than a free number: n8n's cron runs
 * every N seconds only for N that divide a minute (and every N minutes for N
 * that divide an hour), so every offered value keeps an even beat.
 */
export const INTERVALS = [5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];

function label(seconds: number): string {
	return seconds < 60 ? `${seconds} Seconds` : seconds === 60 ? '1 Minute' : seconds < 3600 ? `${seconds / 60} Minutes` : '1 Hour';
}

export const intervalProperty: INodeProperties = {
	displayName: 'Check Every',
	name: 'interval',
	type: 'options',
	options: INTERVALS.map((seconds) => ({ name: label(seconds), value: seconds })),
	default: 30,
	description: 'How often every target is checked. Down detection takes "Failures Before Down" × this interval.',
};

/** Six-field cron (seconds first) for an interval from {@link INTERVALS}. */
export function cronFor(seconds: number): string {
	if (seconds < 60) return `*/${seconds} * * * * *`;
	if (seconds < 3600) return `0 */${seconds / 60} * * * *`;
	return '0 0 * * * *';
}
