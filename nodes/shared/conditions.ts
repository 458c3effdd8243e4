import { safeRegex } from 'n8n-workflow';

import { MAX_JSON_DEPTH, parseJsonBounded, shortText } from './bounded';
import { getJsonPath, JsonPathSyntaxError } from './jsonPath';
import type { ProbeResponse } from './probe';
import type { HealthStatus } from './status';

/**
 * Conditions on one HTTP answer. Each one becomes a check with a status and a
 * message that shows the observed value beside the expected one
 * (`status 503, expected 200-299`), so an alert says what was wrong without
 * opening the execution.
 */

export type CompareOperator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'exists' | 'notExists' | 'regex';

export type Condition =
	| { type: 'statusCode'; codes: string }
	| { type: 'jsonPath'; path: string; operator: CompareOperator; value?: string; ofLength?: boolean }
	| { type: 'bodyContains'; value: string }
	| { type: 'bodyNotContains'; value: string }
	| { type: 'bodyRegex'; pattern: string }
	| { type: 'responseTime'; warnMs?: number; failMs?: number }
	| { type: 'timestampAge'; path: string; warnSeconds?: number; failSeconds?: number };

export type RatedCondition = Condition & {
	/** Status when the condition does not hold (responseTime / timestampAge grade themselves). */
	severity?: 'fail' | 'warn';
	/** Optional label for the check. */
	name?: string;
};

export interface CheckResult {
	name: string;
	status: HealthStatus;
	/** What was seen, as short text. */
	observed?: string;
	/** What was expected, as short text. */
	expected?: string;
	message: string;
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: string };

export interface AnswerContext {
	response: ProbeResponse;
	durationMs: number;
	/** Parsed body, computed once per answer (see parseBody). */
	json: ParsedJson;
	/** Current time in ms (injectable for tests). */
	now: number;
}

/** Parse the body once; a truncated body is never parsed (it cannot be valid). */
export function parseBody(response: ProbeResponse): ParsedJson {
	if (response.truncated) {
		return { ok: false, error: `body larger than ${response.body.length} bytes, not parsed` };
	}
	if (response.body.trim() === '') return { ok: false, error: 'empty body' };
	// Bounded: a body nested deeper than any health answer is refused before parsing (see bounded.ts).
	const parsed = parseJsonBounded(response.body, MAX_JSON_DEPTH);
	return parsed.ok ? parsed : { ok: false, error: `body is ${parsed.error}` };
}

/**
 * Parse "200", "200,204", "200-299", "2xx" into a predicate. Throws on a
 * spec it cannot read so a typo is an error, not a silently failing check.
 */
export function parseStatusCodes(spec: string): (code: number) => boolean {
	const parts = spec
		.split(/[\s,]+/)
		.map((p) => p.trim())
		.filter(Boolean);
	if (parts.length === 0) throw new Error(`no status codes in "${spec}"`);
	const tests = parts.map((part) => {
		let m = /^([1-5])xx$/i.exec(part);
		if (m) {
			const lo = Number(m[1]) * 100;
			return (code: number) => code >= lo && code <= lo + 99;
		}
		m = /^(\d{3})\s*-\s*(\d{3})$/.exec(part);
		if (m) {
			const lo = Number(m[1]);
			const hi = Number(m[2]);
			return (code: number) => code >= lo && code <= hi;
		}
		if (/^\d{3}$/.test(part)) {
			const exact = Number(part);
			return (code: number) => code === exact;
		}
		throw new Error(`cannot read status code "${part}" in "${spec}" (use 200, 200-299 or 2xx, comma-separated)`);
	});
	return (code: number) => tests.some((t) => t(code));
}

function show(value: unknown): string {
	if (value === undefined) return 'missing';
	if (typeof value === 'string') return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
	return shortText(value, 120);
}

function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
	return undefined;
}

function lengthOf(value: unknown): number | undefined {
	if (typeof value === 'string' || Array.isArray(value)) return value.length;
	if (typeof value === 'object' && value !== null) {
		let n = 0;
		for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) n++;
		return n;
	}
	return undefined;
}

/** Loose equality the way a user types the expected value in a text field. */
function looselyEqual(actual: unknown, expected: string): boolean {
	const expectedNumber = asNumber(expected);
	if (typeof actual === 'number' && expectedNumber !== undefined) return actual === expectedNumber;
	if (typeof actual === 'boolean') return String(actual) === expected.trim().toLowerCase();
	if (actual === null) return expected.trim() === 'null';
	if (typeof actual === 'string') return actual === expected;
	try {
		return JSON.stringify(actual) === JSON.stringify(JSON.parse(expected));
	} catch {
		return false;
	}
}

const OPERATOR_TEXT: Record<CompareOperator, string> = {
	eq: '==',
	ne: '!=',
	lt: '<',
	lte: '<=',
	gt: '>',
	gte: '>=',
	exists: 'exists',
	notExists: 'does not exist',
	regex: 'matches',
};

function testRegex(pattern: string, input: string): boolean {
	// n8n's safeRegex runs user patterns with a time limit (no ReDoS on a hostile body).
	if (safeRegex && typeof safeRegex.test === 'function') return safeRegex.test(pattern, input);
	return new RegExp(pattern).test(input);
}

function compare(actual: unknown, operator: CompareOperator, expected: string): { holds: boolean; problem?: string } {
	switch (operator) {
		case 'eq':
			return { holds: looselyEqual(actual, expected) };
		case 'ne':
			return { holds: !looselyEqual(actual, expected) };
		case 'regex':
			return { holds: testRegex(expected, typeof actual === 'string' ? actual : JSON.stringify(actual)) };
		case 'exists':
		case 'notExists':
			return { holds: true };
		default: {
			const a = asNumber(actual);
			const b = asNumber(expected);
			if (a === undefined) return { holds: false, problem: 'not a number' };
			if (b === undefined) return { holds: false, problem: `expected value "${expected}" is not a number` };
			const holds = operator === 'lt' ? a < b : operator === 'lte' ? a <= b : operator === 'gt' ? a > b : a >= b;
			return { holds };
		}
	}
}

/** Seconds since the epoch from an ISO date or a Unix time in s, ms, µs or ns (Chroma's heartbeat is ns). */
export function toEpochSeconds(value: unknown): number | undefined {
	const n = asNumber(value);
	if (n !== undefined) {
		const abs = Math.abs(n);
		if (abs >= 1e17) return n / 1e9;
		if (abs >= 1e14) return n / 1e6;
		if (abs >= 1e11) return n / 1e3;
		return n;
	}
	if (typeof value === 'string') {
		const ms = Date.parse(value);
		if (!Number.isNaN(ms)) return ms / 1000;
	}
	return undefined;
}

function gradeByThresholds(observed: number, warn: number | undefined, fail: number | undefined): HealthStatus {
	if (fail !== undefined && fail > 0 && observed > fail) return 'fail';
	if (warn !== undefined && warn > 0 && observed > warn) return 'warn';
	return 'pass';
}

function thresholdsText(warn: number | undefined, fail: number | undefined, unit: string): string {
	const parts: string[] = [];
	if (warn) parts.push(`warn above ${warn} ${unit}`);
	if (fail) parts.push(`fail above ${fail} ${unit}`);
	return parts.join(', ') || 'no limit';
}

/** Evaluate one condition against one answer. Never throws. */
export function evaluateCondition(condition: RatedCondition, ctx: AnswerContext): CheckResult {
	const miss: HealthStatus = condition.severity ?? 'fail';
	try {
		switch (condition.type) {
			case 'statusCode': {
				const accepts = parseStatusCodes(condition.codes);
				const code = ctx.response.statusCode;
				const ok = accepts(code);
				return {
					name: condition.name ?? 'status code',
					status: ok ? 'pass' : miss,
					observed: String(code),
					expected: condition.codes,
					message: ok ? `status ${code}` : `status ${code}, expected ${condition.codes}`,
				};
			}
			case 'responseTime': {
				const ms = Math.round(ctx.durationMs);
				const status = gradeByThresholds(ms, condition.warnMs, condition.failMs);
				const limits = thresholdsText(condition.warnMs, condition.failMs, 'ms');
				return {
					name: condition.name ?? 'response time',
					status,
					observed: `${ms} ms`,
					expected: limits,
					message: status === 'pass' ? `response time ${ms} ms` : `response time ${ms} ms, ${limits}`,
				};
			}
			case 'bodyContains':
			case 'bodyNotContains': {
				const contains = ctx.response.body.includes(condition.value);
				const ok = condition.type === 'bodyContains' ? contains : !contains;
				const verb = condition.type === 'bodyContains' ? 'contain' : 'not contain';
				return {
					name: condition.name ?? `body ${verb}s`,
					status: ok ? 'pass' : miss,
					observed: contains ? 'contained' : 'not contained',
					expected: `${verb} ${show(condition.value)}`,
					message: ok
						? `body does ${verb} ${show(condition.value)}`
						: `body does ${contains ? '' : 'not '}contain ${show(condition.value)}, expected it to ${verb} it`,
				};
			}
			case 'bodyRegex': {
				const ok = testRegex(condition.pattern, ctx.response.body);
				return {
					name: condition.name ?? 'body matches',
					status: ok ? 'pass' : miss,
					observed: ok ? 'matched' : 'no match',
					expected: `/${condition.pattern}/`,
					message: ok ? `body matches /${condition.pattern}/` : `body does not match /${condition.pattern}/`,
				};
			}
			case 'jsonPath': {
				const name = condition.name ?? `${condition.path}${condition.ofLength ? ' length' : ''}`;
				if (!ctx.json.ok) {
					return { name, status: miss, observed: 'no JSON', expected: condition.path, message: `${condition.path}: ${ctx.json.error}` };
				}
				const lookup = getJsonPath(ctx.json.value, condition.path);
				const opText = OPERATOR_TEXT[condition.operator];
				const expectedValue = condition.value ?? '';
				if (condition.operator === 'exists' || condition.operator === 'notExists') {
					const ok = condition.operator === 'exists' ? lookup.found : !lookup.found;
					return {
						name,
						status: ok ? 'pass' : miss,
						observed: lookup.found ? show(lookup.value) : 'missing',
						expected: opText,
						message: ok ? `${condition.path} ${opText}` : `${condition.path} is ${lookup.found ? show(lookup.value) : 'missing'}, expected it to ${condition.operator === 'exists' ? 'exist' : 'be absent'}`,
					};
				}
				if (!lookup.found) {
					return { name, status: miss, observed: 'missing', expected: `${opText} ${expectedValue}`, message: `${condition.path} is missing, expected ${opText} ${expectedValue}` };
				}
				let actual: unknown = lookup.value;
				const label = condition.ofLength ? `length of ${condition.path}` : condition.path;
				if (condition.ofLength) {
					actual = lengthOf(lookup.value);
					if (actual === undefined) {
						return { name, status: miss, observed: show(lookup.value), expected: `length ${opText} ${expectedValue}`, message: `${condition.path} is ${show(lookup.value)}, which has no length` };
					}
				}
				const { holds, problem } = compare(actual, condition.operator, expectedValue);
				const expected = `${opText} ${condition.operator === 'regex' ? `/${expectedValue}/` : expectedValue}`;
				return {
					name,
					status: holds ? 'pass' : miss,
					observed: show(actual),
					expected,
					message: holds ? `${label} is ${show(actual)}` : `${label} is ${show(actual)}${problem ? ` (${problem})` : ''}, expected ${expected}`,
				};
			}
			case 'timestampAge': {
				const name = condition.name ?? `age of ${condition.path}`;
				if (!ctx.json.ok) {
					return { name, status: miss, observed: 'no JSON', expected: condition.path, message: `${condition.path}: ${ctx.json.error}` };
				}
				const lookup = getJsonPath(ctx.json.value, condition.path);
				const seconds = lookup.found ? toEpochSeconds(lookup.value) : undefined;
				if (seconds === undefined) {
					return {
						name,
						status: miss,
						observed: lookup.found ? show(lookup.value) : 'missing',
						expected: 'a timestamp',
						message: `${condition.path} is ${lookup.found ? `${show(lookup.value)}, not a timestamp` : 'missing'}`,
					};
				}
				const age = Math.max(0, Math.round(ctx.now / 1000 - seconds));
				const status = gradeByThresholds(age, condition.warnSeconds, condition.failSeconds);
				const limits = thresholdsText(condition.warnSeconds, condition.failSeconds, 's');
				return {
					name,
					status,
					observed: `${age} s`,
					expected: limits,
					message: status === 'pass' ? `${condition.path} is ${age} s old` : `${condition.path} is ${age} s old, ${limits}`,
				};
			}
		}
	} catch (error) {
		const message = error instanceof JsonPathSyntaxError || error instanceof Error ? error.message : String(error);
		return { name: condition.name ?? condition.type, status: 'fail', message: `invalid condition: ${message}` };
	}
}
