import { NodeOperationError, type IDataObject, type INode } from 'n8n-workflow';

import { parseStatusCodes, type CompareOperator, type RatedCondition } from '../shared/conditions';
import { validateWindow, type HysteresisConfig, type MaintenanceWindow } from '../shared/hysteresis';
import { parseJsonPath } from '../shared/jsonPath';
import type { Target } from './checkTarget';
import { redactText, redactUrl } from '../shared/urls';
import { isPresetName, PRESETS, resolveTargetUrl, type PresetName } from './presets';

/**
 * The health check's parameters read and validated into plain settings, once
 * per run (RAG Health Check) or once per activation (RAG Health Watch
 * Trigger). Both nodes share the same parameters, so they share this reader;
 * it takes a parameter getter instead of an n8n context because an action
 * node reads per item and a trigger node has no items.
 */

/** `getNodeParameter` of either kind of node context. */
export type ParamReader = (name: string, itemIndex: number, fallback: unknown) => unknown;

interface Options {
	timeout?: number;
	concurrency?: number;
	retries?: number;
	retryDelay?: number;
	maxBodySize?: number;
	failuresToDown?: number;
	successesToUp?: number;
	reminderMinutes?: number;
	expectedStatusCodes?: string;
	ignoreSsl?: boolean;
}

interface RawTarget {
	name?: string;
	url?: string;
	preset?: string;
	critical?: boolean;
	dependsOn?: string;
	collection?: string;
	timeout?: number;
	headers?: string | IDataObject;
	allowCrossOriginRedirects?: boolean;
}

interface RawCondition {
	type?: string;
	targets?: string;
	codes?: string;
	path?: string;
	operator?: string;
	value?: string;
	ofLength?: boolean;
	warnMs?: number;
	failMs?: number;
	warnSeconds?: number;
	failSeconds?: number;
	severity?: string;
}

interface RawWindow {
	targets?: string;
	timezone?: string;
	days?: string[] | string;
	start?: string;
	end?: string;
}

function list(value: unknown): string[] {
	if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
	if (typeof value !== 'string') return [];
	return value
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
}

function num(value: unknown, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

const OPERATORS: CompareOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'exists', 'notExists', 'regex'];

/**
 * Validate one target's settings into a Target. Throws NodeOperationError with the item index.
 * Takes the node (not the context): `getNode()` deep-copies the node, whose
 * parameters hold every target, so calling it per target would be O(targets²).
 */
function planTarget(
	node: INode,
	raw: RawTarget,
	defaultTimeout: number,
	expectedCodes: string,
	itemIndex: number,
	seen: Set<string>,
): Target {
	const given = String(raw.url ?? '').trim();
	// Userinfo is requested but never shown: names, items, messages and metric labels get `url`.
	const { url, hadUserinfo } = redactUrl(given);
	const presetName = String(raw.preset || 'generic');
	if (!isPresetName(presetName)) {
		throw new NodeOperationError(node, `Unknown preset "${presetName}"`, {
			itemIndex,
			description: `Use one of: ${Object.keys(PRESETS).join(', ')}.`,
		});
	}
	const preset = PRESETS[presetName as PresetName];
	let resolved: string;
	let requested: string;
	try {
		requested = resolveTargetUrl(given, preset);
		resolved = redactUrl(requested).url;
	} catch {
		throw new NodeOperationError(node, `Target URL "${url}" is not a valid http(s) URL`, {
			itemIndex,
			description: 'Give the full URL with scheme and host, for example http://rag-api:8000 or https://qdrant.example.com:6333.',
		});
	}
	// A nameless target is named by its URL as given, without userinfo.
	const name = redactText(String(raw.name ?? '').trim()) || url;
	if (seen.has(name)) {
		throw new NodeOperationError(node, `Two targets are named "${name}"`, {
			itemIndex,
			description: 'Target names identify the state kept between runs and the metrics series: give each target its own name.',
		});
	}
	seen.add(name);
	let headers: Record<string, string> = {};
	const rawHeaders = raw.headers;
	if (rawHeaders && (typeof rawHeaders !== 'string' || rawHeaders.trim() !== '')) {
		let parsed: unknown = rawHeaders;
		if (typeof rawHeaders === 'string') {
			try {
				parsed = JSON.parse(rawHeaders);
			} catch {
				parsed = undefined;
			}
		}
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
			throw new NodeOperationError(node, `Headers of target "${name}" are not a JSON object`, {
				itemIndex,
				description: 'Write the headers as JSON, for example {"X-Tenant": "docs"}.',
			});
		}
		headers = Object.fromEntries(Object.entries(parsed as IDataObject).map(([k, v]) => [k, String(v)]));
	}
	const timeout = num(raw.timeout, 0);
	return {
		name,
		url: resolved,
		requestUrl: hadUserinfo ? requested : undefined,
		allowCrossOriginRedirects: raw.allowCrossOriginRedirects === true,
		preset: presetName as PresetName,
		critical: raw.critical !== false,
		dependsOn: list(raw.dependsOn).filter((d) => d !== name),
		timeoutMs: timeout > 0 ? Math.max(100, timeout) : defaultTimeout,
		headers,
		collection: presetName === 'qdrant' && raw.collection ? String(raw.collection).trim() || undefined : undefined,
		expectedCodes: expectedCodes || undefined,
	};
}

function readConditions(node: INode, param: ParamReader): Array<RatedCondition & { targets?: string[] }> {
	const raw = (param('conditions.condition', 0, []) as RawCondition[]) ?? [];
	return raw.map((c, i) => {
		const fail = (message: string) =>
			new NodeOperationError(node, `Condition ${i + 1}: ${message}`, {
				itemIndex: 0,
				description: 'Fix or remove the condition under "Conditions".',
			});
		const base = {
			targets: list(c.targets),
			severity: c.severity === 'warn' ? ('warn' as const) : ('fail' as const),
		};
		const checkPath = (path: string | undefined): string => {
			if (!path) throw fail('a JSON path is required, for example $.status');
			try {
				parseJsonPath(path);
			} catch (error) {
				throw fail((error as Error).message);
			}
			return path;
		};
		switch (c.type) {
			case 'statusCode':
				try {
					parseStatusCodes(c.codes ?? '');
				} catch (error) {
					throw fail((error as Error).message);
				}
				return { ...base, type: 'statusCode', codes: c.codes ?? '' };
			case 'jsonPath': {
				const operator = (c.operator ?? 'eq') as CompareOperator;
				if (!OPERATORS.includes(operator)) throw fail(`unknown operator "${c.operator}"`);
				return { ...base, type: 'jsonPath', path: checkPath(c.path), operator, value: c.value ?? '', ofLength: c.ofLength === true };
			}
			case 'bodyContains':
				return { ...base, type: 'bodyContains', value: c.value ?? '' };
			case 'bodyNotContains':
				return { ...base, type: 'bodyNotContains', value: c.value ?? '' };
			case 'bodyRegex':
				try {
					new RegExp(c.value ?? '');
				} catch (error) {
					throw fail(`invalid regular expression: ${(error as Error).message}`);
				}
				return { ...base, type: 'bodyRegex', pattern: c.value ?? '' };
			case 'responseTime':
				return { ...base, type: 'responseTime', warnMs: num(c.warnMs, 0), failMs: num(c.failMs, 0) };
			case 'timestampAge':
				return { ...base, type: 'timestampAge', path: checkPath(c.path), warnSeconds: num(c.warnSeconds, 0), failSeconds: num(c.failSeconds, 0) };
			default:
				throw fail(`unknown condition type "${c.type}"`);
		}
	});
}

function readWindows(node: INode, param: ParamReader): MaintenanceWindow[] {
	const raw = (param('maintenance.window', 0, []) as RawWindow[]) ?? [];
	return raw.map((w, i) => {
		const window: MaintenanceWindow = {
			targets: list(w.targets),
			timezone: (w.timezone ?? '').trim() || 'UTC',
			start: (w.start ?? '').trim(),
			end: (w.end ?? '').trim(),
			days: list(w.days).map(Number),
		};
		const problem = validateWindow(window);
		if (problem) {
			throw new NodeOperationError(node, `Maintenance window ${i + 1}: ${problem}`, {
				itemIndex: 0,
				description: 'Fix or remove the window under "Maintenance Windows".',
			});
		}
		return window;
	});
}


export interface PlannedTarget {
	target: Target;
	itemIndex: number;
}

export interface HealthSettings {
	planned: PlannedTarget[];
	/** Targets whose settings are wrong, when the node continues on fail (one error item each). */
	invalid: Array<{ message: string; target: string | null; itemIndex: number }>;
	conditions: Array<RatedCondition & { targets?: string[] }>;
	windows: MaintenanceWindow[];
	hysteresis: HysteresisConfig;
	concurrency: number;
	retries: number;
	retryDelayMs: number;
	maxBodyBytes: number;
	skipTlsVerify: boolean;
	authenticate: boolean;
	push: boolean;
}

/**
 * Everything the checks need, validated. Configuration errors throw
 * NodeOperationError with the item index (fixing them is the user's job);
 * with `continueOnFail` a bad target becomes an `invalid` entry instead.
 */
export function readSettings(
	node: INode,
	param: ParamReader,
	itemCount: number,
	continueOnFail: boolean,
): HealthSettings {
	const options = param('options', 0, {}) as Options;
	const source = param('targetSource', 0, 'list') as string;
	const defaultTimeout = Math.max(100, num(options.timeout, 5000));
	const expectedCodes = (options.expectedStatusCodes ?? '').trim();
	if (expectedCodes) {
		try {
			parseStatusCodes(expectedCodes);
		} catch (error) {
			throw new NodeOperationError(node, `Expected Status Codes: ${(error as Error).message}`, {
				itemIndex: 0,
				description: 'Use codes like 200, ranges like 200-299 or classes like 2xx, separated by commas.',
			});
		}
	}

	const rawTargets: Array<{ raw: RawTarget; itemIndex: number }> =
		source === 'items'
			? Array.from({ length: itemCount }, (_v, i) => ({
					itemIndex: i,
					raw: {
						name: param('targetName', i, '') as string,
						url: param('targetUrl', i, '') as string,
						preset: param('targetPreset', i, 'generic') as string,
						critical: param('targetCritical', i, true) as boolean,
						dependsOn: param('targetDependsOn', i, '') as string,
						collection: param('targetCollection', i, '') as string,
						timeout: param('targetTimeout', i, 0) as number,
						headers: param('targetHeaders', i, '') as string | IDataObject,
						allowCrossOriginRedirects: param('targetAllowCrossOriginRedirects', i, false) as boolean,
					},
				}))
			: ((param('targets.target', 0, []) as RawTarget[]) ?? []).map((raw) => ({ raw, itemIndex: 0 }));

	const planned: PlannedTarget[] = [];
	const invalid: HealthSettings['invalid'] = [];
	const seen = new Set<string>();
	for (const { raw, itemIndex } of rawTargets) {
		try {
			planned.push({ target: planTarget(node, raw, defaultTimeout, expectedCodes, itemIndex, seen), itemIndex });
		} catch (error) {
			const problem = error as NodeOperationError;
			if (!continueOnFail) {
				throw new NodeOperationError(node, problem.message, { itemIndex, description: problem.description ?? undefined });
			}
			const named = raw.name ?? raw.url;
			invalid.push({ message: problem.message, target: named === undefined ? null : redactText(String(named)), itemIndex });
		}
	}
	if (planned.length === 0 && invalid.length === 0) {
		throw new NodeOperationError(node, 'No targets to check', {
			itemIndex: 0,
			description:
				source === 'items'
					? 'Feed at least one input item, with a URL in the "URL" field (for example {{ $json.url }}).'
					: 'Add at least one target under "Targets" (a name and a URL).',
		});
	}

	return {
		planned,
		invalid,
		conditions: readConditions(node, param),
		windows: readWindows(node, param),
		hysteresis: {
			failuresToDown: Math.max(1, Math.floor(num(options.failuresToDown, 3))),
			successesToUp: Math.max(1, Math.floor(num(options.successesToUp, 2))),
			reminderMinutes: Math.max(0, num(options.reminderMinutes, 0)),
		},
		concurrency: Math.max(0, Math.floor(num(options.concurrency, 10))),
		retries: Math.max(0, Math.floor(num(options.retries, 1))),
		retryDelayMs: Math.max(0, num(options.retryDelay, 250)),
		maxBodyBytes: Math.max(1, Math.floor(num(options.maxBodySize, 256))) * 1024,
		skipTlsVerify: options.ignoreSsl === true,
		authenticate: (param('authentication', 0, 'none') as string) === 'ragServiceApi',
		push: param('pushMetrics', 0, false) as boolean,
	};
}
