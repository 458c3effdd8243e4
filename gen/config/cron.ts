/**
 * Cron expressions as n8n's Schedule Trigger runs them (n8n 2.40 hands the
 * expression to the `cron` package, v4.4.0): five fields, or six with seconds
 * first; each field a list of `*`, `N`, `N-M`, optionally `/STEP`; month and
 * weekday also by three-letter name. This accepts a subset of what that
 * parser takes (test/unit/gen/cron.test.ts checks it against the real one),
 * so a cron the config accepts never makes n8n refuse to publish the workflow.
 */

const FIELDS = [
	{ name: 'second', min: 0, max: 59 },
	{ name: 'minute', min: 0, max: 59 },
	{ name: 'hour', min: 0, max: 23 },
	{ name: 'day of month', min: 1, max: 31 },
	{ name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
	{ name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

type Field = (typeof FIELDS)[number];

function valueOf(token: string, field: Field): number | undefined {
	if (/^\d{1,2}$/.test(token)) return Number(token);
	const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
	const i = names?.indexOf(token.toLowerCase()) ?? -1;
	return i < 0 ? undefined : i + (field.name === 'month' ? 1 : 0);
}

function itemProblem(item: string, field: Field): string | undefined {
	const [range, step, extra] = item.split('/');
	if (extra !== undefined || range === '') return `"${item}" is not N, N-M, * or one of them with /STEP`;
	if (step !== undefined && (!/^\d{1,2}$/.test(step) || Number(step) === 0 || Number(step) > field.max)) {
		return `step "/${step}" must be a number from 1 to ${field.max}`;
	}
	if (range === '*') return undefined;
	const bounds = range.split('-');
	if (bounds.length > 2) return `"${range}" is not N or N-M`;
	const values = bounds.map((b) => valueOf(b, field));
	for (const [i, v] of values.entries()) {
		if (v === undefined || v < field.min || v > field.max) return `"${bounds[i]}" is not a valid ${field.name} (${field.min}-${field.max})`;
	}
	if (values.length === 2 && values[0]! > values[1]!) return `range "${range}" runs backwards`;
	if (step !== undefined && values.length === 1) return `"${item}": a step needs * or a range before it`;
	return undefined;
}

/** Why n8n's Schedule Trigger would not take `expression`, or undefined when it would. */
export function cronProblem(expression: string): string | undefined {
	const parts = expression.trim().split(/\s+/);
	if (parts.length !== 5 && parts.length !== 6) {
		return `must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. "0 2 * * *"; got ${parts.length}`;
	}
	const fields = parts.length === 6 ? FIELDS : FIELDS.slice(1);
	for (const [i, part] of parts.entries()) {
		for (const item of part.split(',')) {
			const problem = itemProblem(item, fields[i]!);
			if (problem) return `${fields[i]!.name} field: ${problem}`;
		}
	}
	return undefined;
}
