import type { IDataObject, IExecuteFunctions, NodeTypeAndVersion } from 'n8n-workflow';

/**
 * The longest gap between two runs of the Schedule Trigger that starts this
 * node's workflow, as the trigger is set *now*: the batch nodes push it so
 * their age alerts follow a schedule edited in the editor (docs/alerting.md
 * "Edited schedules"). Read from the workflow the execution runs, so it holds
 * on queue-mode workers too (no static data, no state between runs).
 *
 * An upper bound, never an underestimate (an underestimate would page): a
 * month counts 31 days, several rules count as the shortest, a cron as the
 * widest gap of its coarsest restricted field. `undefined` when no Schedule
 * Trigger starts the node or the cron uses what this does not read (names,
 * `L`, `W`, `#`, a restricted month): then nothing is pushed and the rule
 * uses the config's schedule.
 */

const SCHEDULE_TRIGGER = 'n8n-nodes-base.scheduleTrigger';
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

export function scheduleIntervalSeconds(ctx: Pick<IExecuteFunctions, 'getNode' | 'getParentNodes'>): number | undefined {
	let parents: NodeTypeAndVersion[];
	try {
		parents = ctx.getParentNodes(ctx.getNode().name, { includeNodeParameters: true });
	} catch {
		return undefined; // a host without the workflow graph (not n8n's own)
	}
	const periods = parents
		.filter((p) => p.type === SCHEDULE_TRIGGER && !p.disabled)
		.map((p) => triggerPeriod(p.parameters ?? {}));
	if (periods.length === 0 || periods.some((p) => p === undefined)) return undefined;
	return Math.max(...(periods as number[]));
}

/** One Schedule Trigger: its rules fire together, so the shortest rule bounds the gap. */
export function triggerPeriod(parameters: IDataObject): number | undefined {
	const rules = ((parameters.rule as IDataObject | undefined)?.interval as IDataObject[] | undefined) ?? [{}];
	const periods = rules.map(rulePeriod);
	if (periods.length === 0 || periods.some((p) => p === undefined)) return undefined;
	return Math.min(...(periods as number[]));
}

const count = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);

/** One rule of the Schedule Trigger, with the node's own defaults (field `days`, intervals as in its UI). */
function rulePeriod(rule: IDataObject): number | undefined {
	switch (rule.field ?? 'days') {
		case 'seconds':
			return count(rule.secondsInterval, 30);
		case 'minutes':
			return count(rule.minutesInterval, 5) * MINUTE;
		case 'hours':
			return count(rule.hoursInterval, 1) * HOUR;
		case 'days':
			return count(rule.daysInterval, 1) * DAY;
		case 'weeks':
			return count(rule.weeksInterval, 1) * 7 * DAY;
		case 'months':
			return count(rule.monthsInterval, 1) * 31 * DAY;
		case 'cronExpression':
			return typeof rule.expression === 'string' ? cronPeriod(rule.expression) : undefined;
		default:
			return undefined;
	}
}

/** Values a cron field allows, or `undefined` for what this does not read. `*` is every value. */
function fieldValues(field: string, min: number, max: number): number[] | undefined {
	const values = new Set<number>();
	for (const part of field.split(',')) {
		const m = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
		if (!m) return undefined;
		const from = m[2] === undefined ? min : Number(m[2]);
		const to = m[3] !== undefined ? Number(m[3]) : m[2] !== undefined && m[4] === undefined ? from : max;
		const step = m[4] === undefined ? 1 : Number(m[4]);
		if (from < min || to > max || from > to || step < 1) return undefined;
		for (let v = from; v <= to; v += step) values.add(v);
	}
	return [...values].sort((a, b) => a - b);
}

/** Widest gap between allowed values going round a cycle of `size`. */
function widestGap(values: number[], size: number): number {
	let widest = values[0] + size - values[values.length - 1];
	for (let i = 1; i < values.length; i++) widest = Math.max(widest, values[i] - values[i - 1]);
	return widest;
}

const isAll = (field: string) => field === '*' || field === '?';

/**
 * The widest gap of a 5- or 6-field cron (seconds first when 6), bounded by
 * its coarsest restricted field: a gap of d allowed days is at most d days,
 * of h allowed hours at most h hours, whatever the finer fields say.
 */
export function cronPeriod(expression: string): number | undefined {
	const fields = expression.trim().split(/\s+/);
	if (fields.length === 5) fields.unshift('0');
	if (fields.length !== 6) return undefined;
	const [sec, min, hour, dom, month, dow] = fields;
	if (!isAll(month)) return undefined;
	if (!isAll(dom)) return fieldValues(dom, 1, 31) ? 31 * DAY : undefined;
	if (!isAll(dow)) {
		const days = fieldValues(dow, 0, 7)?.map((d) => d % 7);
		return days ? widestGap([...new Set(days)].sort((a, b) => a - b), 7) * DAY : undefined;
	}
	for (const [field, size, unit] of [
		[hour, 24, HOUR],
		[min, 60, MINUTE],
		[sec, 60, 1],
	] as const) {
		const values = fieldValues(field, 0, size - 1);
		if (!values) return undefined;
		if (!isAll(field)) return widestGap(values, size) * unit;
	}
	return 1;
}
