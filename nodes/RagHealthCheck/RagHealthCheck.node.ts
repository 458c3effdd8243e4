import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { parseStatusCodes, type CompareOperator, type RatedCondition } from '../shared/conditions';
import { mapWithConcurrency } from '../shared/concurrency';
import {
	activeWindow,
	reviveTargetState,
	settle,
	step,
	validateWindow,
	type HysteresisConfig,
	type MaintenanceWindow,
	type SettledStep,
	type SuppressionReason,
} from '../shared/hysteresis';
import { parseJsonPath } from '../shared/jsonPath';
import { PUSH_JOBS } from '../shared/metricCatalog';
import type { HttpRequestFn } from '../shared/probe';
import { PUSHGATEWAY_CREDENTIAL_TYPE, pushMetrics, pushMetricsProperties, type PushOutcome } from '../shared/pushgateway';
import { overallStatus, toIetfStatus, type HealthStatus } from '../shared/status';
import { checkTarget, conditionsFor, type Target, type TargetResult } from './checkTarget';
import { healthSamples } from './healthMetrics';
import { isPresetName, PRESETS, resolveTargetUrl, type PresetName } from './presets';
import { description } from './description';

const CREDENTIAL_TYPE = 'ragServiceApi';
const STATE_VERSION = 1;
const MANUAL_NOTICE =
	'Manual run: n8n does not keep state between manual runs, so this shows the instantaneous state (a failing check counts as down at once). Thresholds, reminders and recoveries apply when the workflow is active.';

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

interface PlannedTarget {
	target: Target;
	itemIndex: number;
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
	const url = String(raw.url ?? '').trim();
	const presetName = String(raw.preset || 'generic');
	if (!isPresetName(presetName)) {
		throw new NodeOperationError(node, `Unknown preset "${presetName}"`, {
			itemIndex,
			description: `Use one of: ${Object.keys(PRESETS).join(', ')}.`,
		});
	}
	const preset = PRESETS[presetName as PresetName];
	let resolved: string;
	try {
		resolved = resolveTargetUrl(url, preset);
	} catch {
		throw new NodeOperationError(node, `Target URL "${url}" is not a valid http(s) URL`, {
			itemIndex,
			description: 'Give the full URL with scheme and host, for example http://rag-api:8000 or https://qdrant.example.com:6333.',
		});
	}
	const name = String(raw.name ?? '').trim() || url;
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
		preset: presetName as PresetName,
		critical: raw.critical !== false,
		dependsOn: list(raw.dependsOn).filter((d) => d !== name),
		timeoutMs: timeout > 0 ? Math.max(100, timeout) : defaultTimeout,
		headers,
		collection: presetName === 'qdrant' && raw.collection ? String(raw.collection).trim() || undefined : undefined,
		expectedCodes: expectedCodes || undefined,
	};
}

function readConditions(ctx: IExecuteFunctions): Array<RatedCondition & { targets?: string[] }> {
	const node = ctx.getNode();
	const raw = (ctx.getNodeParameter('conditions.condition', 0, []) as RawCondition[]) ?? [];
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

function readWindows(ctx: IExecuteFunctions): MaintenanceWindow[] {
	const raw = (ctx.getNodeParameter('maintenance.window', 0, []) as RawWindow[]) ?? [];
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
			throw new NodeOperationError(ctx.getNode(), `Maintenance window ${i + 1}: ${problem}`, {
				itemIndex: 0,
				description: 'Fix or remove the window under "Maintenance Windows".',
			});
		}
		return window;
	});
}

/** The target's result as an IETF health+json document (checks keyed "component:measurement"). */
function healthDocument(target: Target, r: TargetResult, time: string): IDataObject {
	const checks: IDataObject = {
		[`${target.name}:responseTime`]: [
			{ componentType: 'http', observedValue: r.responseTimeMs, observedUnit: 'ms', status: toIetfStatus(r.status), time, output: r.status === 'pass' ? undefined : r.message },
		],
	};
	for (const c of r.components) {
		const key = c.name.includes(':') ? c.name : `${c.name}:status`;
		checks[key] = [
			{ componentType: c.componentType, observedValue: c.observedValue, observedUnit: c.observedUnit, status: toIetfStatus(c.status), output: c.output },
		];
	}
	return { status: toIetfStatus(r.status), serviceId: target.name, checks };
}

export class RagHealthCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Health Check',
		name: 'ragHealthCheck',
		icon: { light: 'file:ragHealthCheck.svg', dark: 'file:ragHealthCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["targetSource"] === "items" ? "targets from input" : ($parameter["targets"]["target"] || []).length + " targets"}}',
		description: 'Probe RAG services (RAG API, Qdrant, Chroma, n8n, Prometheus, Loki, any URL) and alert only on real state changes',
		defaults: { name: 'RAG Health Check' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Alert', 'OK'],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			// Spelled out rather than spreading `pushgatewayCredential`: n8n's lint
			// rules (and the verification scanner) only read object literals here.
			{ name: PUSHGATEWAY_CREDENTIAL_TYPE, required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [...description, ...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		const now = Date.now();
		const nowIso = new Date(now).toISOString();
		const manual = this.getMode() === 'manual';
		const options = this.getNodeParameter('options', 0, {}) as Options;
		const source = this.getNodeParameter('targetSource', 0, 'list') as string;
		const authentication = this.getNodeParameter('authentication', 0, 'none') as string;
		const push = this.getNodeParameter('pushMetrics', 0, false) as boolean;

		const defaultTimeout = Math.max(100, num(options.timeout, 5000));
		const concurrency = Math.max(0, Math.floor(num(options.concurrency, 10)));
		const hysteresis: HysteresisConfig = {
			failuresToDown: Math.max(1, Math.floor(num(options.failuresToDown, 3))),
			successesToUp: Math.max(1, Math.floor(num(options.successesToUp, 2))),
			reminderMinutes: Math.max(0, num(options.reminderMinutes, 0)),
		};
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

		// ---- targets
		const errorItems: INodeExecutionData[] = [];
		const planned: PlannedTarget[] = [];
		const rawTargets: Array<{ raw: RawTarget; itemIndex: number }> =
			source === 'items'
				? items.map((_item, i) => ({
						itemIndex: i,
						raw: {
							name: this.getNodeParameter('targetName', i, '') as string,
							url: this.getNodeParameter('targetUrl', i, '') as string,
							preset: this.getNodeParameter('targetPreset', i, 'generic') as string,
							critical: this.getNodeParameter('targetCritical', i, true) as boolean,
							dependsOn: this.getNodeParameter('targetDependsOn', i, '') as string,
							collection: this.getNodeParameter('targetCollection', i, '') as string,
							timeout: this.getNodeParameter('targetTimeout', i, 0) as number,
							headers: this.getNodeParameter('targetHeaders', i, '') as string | IDataObject,
						},
					}))
				: ((this.getNodeParameter('targets.target', 0, []) as RawTarget[]) ?? []).map((raw) => ({ raw, itemIndex: 0 }));

		const seen = new Set<string>();
		for (const { raw, itemIndex } of rawTargets) {
			try {
				planned.push({ target: planTarget(node, raw, defaultTimeout, expectedCodes, itemIndex, seen), itemIndex });
			} catch (error) {
				const problem = error as NodeOperationError;
				if (!this.continueOnFail()) {
					throw new NodeOperationError(node, problem.message, { itemIndex, description: problem.description ?? undefined });
				}
				errorItems.push({ json: { error: problem.message, target: raw.name ?? raw.url ?? null }, pairedItem: { item: itemIndex } });
			}
		}
		if (planned.length === 0 && errorItems.length === 0) {
			throw new NodeOperationError(node, 'No targets to check', {
				itemIndex: 0,
				description:
					source === 'items'
						? 'Feed at least one input item, with a URL in the "URL" field (for example {{ $json.url }}).'
						: 'Add at least one target under "Targets" (a name and a URL).',
			});
		}

		// ---- conditions and maintenance windows (configuration errors stop the run: fixing them is the user's job)
		const conditions = readConditions(this);
		const windows = readWindows(this);

		// ---- checks, all targets concurrently under the limit
		const signal = this.getExecutionCancelSignal?.();
		const request: HttpRequestFn =
			authentication === 'ragServiceApi'
				? async (opts) => await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, opts)
				: async (opts) => await this.helpers.httpRequest(opts);
		const results: TargetResult[] = await mapWithConcurrency(planned, concurrency, async ({ target }) =>
			await checkTarget(target, {
				request,
				conditions: conditionsFor(target.name, conditions),
				retries: Math.max(0, Math.floor(num(options.retries, 1))),
				retryBaseDelayMs: Math.max(0, num(options.retryDelay, 250)),
				maxBodyBytes: Math.max(1, Math.floor(num(options.maxBodySize, 256))) * 1024,
				skipTlsVerify: options.ignoreSsl === true,
				signal,
				now: () => Date.now(),
			}),
		);

		// ---- state: hysteresis per target, bounded to the targets of this run
		const staticData = this.getWorkflowStaticData('node');
		const store: IDataObject =
			staticData.version === STATE_VERSION && typeof staticData.targets === 'object' && staticData.targets !== null
				? (staticData.targets as IDataObject)
				: {};
		const stepped = planned.map(({ target }, i) => {
			const failed = results[i].status === 'fail';
			if (manual) {
				// No persisted state in manual runs: report what is true right now.
				const state = { state: failed ? ('down' as const) : ('up' as const), consecutiveFailures: failed ? 1 : 0, consecutiveSuccesses: failed ? 0 : 1, lastCheckAt: now, lastStatus: results[i].status };
				return { state, candidate: failed ? ('down' as const) : undefined };
			}
			return step(reviveTargetState(store[target.name]), { failed, status: results[i].status, now }, hysteresis);
		});
		const downNow = new Map(planned.map(({ target }, i) => [target.name, stepped[i].state.state === 'down']));
		const settled: SettledStep[] = planned.map(({ target }, i) => {
			let reason: SuppressionReason | undefined;
			if (activeWindow(windows, target.name, now)) reason = 'maintenance';
			else if (target.dependsOn.some((parent) => downNow.get(parent) === true)) reason = 'dependency';
			return settle(stepped[i], reason, now);
		});
		if (!manual) {
			// A fresh object each run: holds exactly the targets of this run (state
			// stays bounded), and assigning it at the top level is what n8n's
			// observable static data notices as a change to save.
			const next: IDataObject = {};
			planned.forEach(({ target }, i) => {
				next[target.name] = settled[i].state as unknown as IDataObject;
			});
			staticData.version = STATE_VERSION;
			staticData.targets = next;
		}

		// ---- run-level summary (health+json style)
		const summaryStatus = overallStatus(planned.map(({ target }, i) => ({ status: results[i].status, critical: target.critical })));
		const counts: Record<HealthStatus, number> = { pass: 0, warn: 0, fail: 0, unknown: 0 };
		results.forEach((r) => counts[r.status]++);
		const down = planned.filter((_p, i) => settled[i].state.state === 'down').map((p) => p.target.name);
		const summary: IDataObject = {
			status: toIetfStatus(summaryStatus),
			output: `${planned.length} targets: ${counts.pass} pass, ${counts.warn} warn, ${counts.fail} fail${counts.unknown ? `, ${counts.unknown} unknown` : ''}${down.length ? `; down: ${down.slice(0, 20).join(', ')}${down.length > 20 ? ', ...' : ''}` : ''}`,
			time: nowIso,
			targets: planned.length,
			...counts,
		};

		// ---- metrics (a side channel: never fails the check)
		let pushes: Array<PushOutcome | undefined> = planned.map(() => undefined);
		if (push) {
			pushes = await mapWithConcurrency(planned, concurrency, async ({ target, itemIndex }, i) =>
				await pushMetrics(this, itemIndex, {
					job: PUSH_JOBS.health,
					target: target.name,
					samples: healthSamples({
						status: results[i].status,
						up: settled[i].state.state === 'up',
						critical: target.critical,
						responseTimeMs: results[i].responseTimeMs,
						consecutiveFailures: settled[i].state.consecutiveFailures,
						checkedAt: now,
					}),
				}),
			);
		}

		if (manual) {
			// Shown above the output in the editor, so the difference to an active run is not missed.
			this.addExecutionHints?.({ message: MANUAL_NOTICE, type: 'info', location: 'outputPane' });
		}

		// ---- items
		const alert: INodeExecutionData[] = [...errorItems];
		const ok: INodeExecutionData[] = [];
		planned.forEach(({ target, itemIndex }, i) => {
			const r = results[i];
			const s = settled[i];
			const json: IDataObject = {
				target: target.name,
				url: target.url,
				preset: target.preset,
				critical: target.critical,
				status: r.status,
				state: s.state.state,
				event: s.event ?? null,
				message: r.message,
				statusCode: r.statusCode ?? null,
				responseTimeMs: r.responseTimeMs,
				attempts: r.attempts,
				consecutiveFailures: s.state.consecutiveFailures,
				consecutiveSuccesses: s.state.consecutiveSuccesses,
				checkedAt: nowIso,
				checks: r.checks as unknown as IDataObject[],
				components: r.components as unknown as IDataObject[],
				health: healthDocument(target, r, nowIso),
				summary,
			};
			if (s.state.downSince !== undefined) json.downSince = new Date(s.state.downSince).toISOString();
			if (s.downtimeMs !== undefined && s.event === 'recovered') json.downtimeSeconds = Math.round(s.downtimeMs / 1000);
			if (s.suppressed) json.suppressed = s.suppressed as unknown as IDataObject;
			if (r.error) json.error = r.error as unknown as IDataObject;
			if (r.bodySnippet) json.bodySnippet = r.bodySnippet;
			if (r.bodyTruncated) json.bodyTruncated = true;
			if (target.dependsOn.length) json.dependsOn = target.dependsOn;
			if (manual) json.notice = MANUAL_NOTICE;
			const pushed = pushes[i];
			if (pushed) {
				json.metrics = { pushed: pushed.pushed, url: pushed.url };
				if (pushed.warning) json.warnings = [pushed.warning];
			}
			(s.event ? alert : ok).push({ json, pairedItem: { item: itemIndex } });
		});
		return [alert, ok];
	}
}
