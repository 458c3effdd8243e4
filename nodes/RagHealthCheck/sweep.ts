import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { mapWithConcurrency } from '../shared/concurrency';
import {
	activeWindow,
	initialTargetState,
	settle,
	step,
	type SettledStep,
	type SuppressionReason,
	type TargetState,
} from '../shared/hysteresis';
import { pushMetrics, recordPush, type PushContext, type PushOutcome } from '../shared/pushgateway';
import { overallStatus, toIetfStatus, type HealthStatus } from '../shared/status';
import { userinfoWarning } from '../shared/urls';
import { checkTarget, conditionsFor, type Target, type TargetResult } from './checkTarget';
import { HEALTH_JOB, healthSamples, intervalSamples } from './metrics';
import type { HealthSettings } from './settings';
import type { NodeRequestFn } from './transport';

/**
 * One sweep over every target: check them all (concurrently, under the
 * limit), decide what each result means, push the metrics, shape the items.
 * Shared by RAG Health Check (one sweep per execution, no memory) and RAG
 * Health Watch Trigger (a sweep per tick, with hysteresis state it holds).
 */

/** Every target checked once. `request` is the node's (authenticated or not) HTTP function. */
export async function checkAll(settings: HealthSettings, request: NodeRequestFn, signal?: AbortSignal): Promise<TargetResult[]> {
	return await mapWithConcurrency(settings.planned, settings.concurrency, async ({ target }) =>
		await checkTarget(target, {
			request,
			anonymousRequest: request.anonymous,
			conditions: conditionsFor(target.name, settings.conditions),
			retries: settings.retries,
			retryBaseDelayMs: settings.retryDelayMs,
			maxBodyBytes: settings.maxBodyBytes,
			skipTlsVerify: settings.skipTlsVerify,
			signal,
			now: () => Date.now(),
			// Qdrant is yellow during every snapshot: inside a window (the backup's) that is expected.
			inMaintenanceWindow: activeWindow(settings.windows, target.name, Date.now()) !== undefined,
		}),
	);
}

function suppressionOf(settings: HealthSettings, target: Target, downNow: Map<string, boolean>, now: number): SuppressionReason | undefined {
	if (activeWindow(settings.windows, target.name, now)) return 'maintenance';
	if (target.dependsOn.some((parent) => downNow.get(parent) === true)) return 'dependency';
	return undefined;
}

function settleAll(settings: HealthSettings, stepped: ReturnType<typeof step>[], now: number): SettledStep[] {
	const downNow = new Map(settings.planned.map(({ target }, i) => [target.name, stepped[i].state.state === 'down']));
	return settings.planned.map(({ target }, i) => settle(stepped[i], suppressionOf(settings, target, downNow, now), now));
}

/**
 * Without memory: what is true right now. A failing target is down and its
 * item is a `down` (unless suppressed); nothing else is an event.
 */
export function settleInstant(settings: HealthSettings, results: TargetResult[], now: number): SettledStep[] {
	const once = { failuresToDown: 1, successesToUp: 1, reminderMinutes: 0 };
	const stepped = results.map((r) => step(initialTargetState(), { failed: r.status === 'fail', status: r.status, now }, once));
	return settleAll(settings, stepped, now);
}

/**
 * With memory: each target's hysteresis advanced by this sweep. `states` is
 * updated in place and afterwards holds exactly the targets of this sweep, so
 * renamed or removed targets do not linger. A Map, not an object: target names
 * are user input (a target named `__proto__` must be a target like any other).
 */
export function settleWithHistory(settings: HealthSettings, results: TargetResult[], states: Map<string, TargetState>, now: number): SettledStep[] {
	const stepped = settings.planned.map(({ target }, i) =>
		step(states.get(target.name), { failed: results[i].status === 'fail', status: results[i].status, now }, settings.hysteresis),
	);
	const settled = settleAll(settings, stepped, now);
	const keep = new Set(settings.planned.map(({ target }) => target.name));
	for (const name of [...states.keys()]) if (!keep.has(name)) states.delete(name);
	settings.planned.forEach(({ target }, i) => states.set(target.name, settled[i].state));
	return settled;
}

/** Metrics of every target (a side channel: a failed push is a warning, never a failed check). */
export async function pushAll(
	ctx: PushContext,
	settings: HealthSettings,
	results: TargetResult[],
	settled: SettledStep[],
	now: number,
	intervalSeconds?: number,
): Promise<Array<PushOutcome | undefined>> {
	if (!settings.push) return settings.planned.map(() => undefined);
	return await mapWithConcurrency(settings.planned, settings.concurrency, async (planned, i) =>
		await pushMetrics(ctx, planned.itemIndex, {
			job: HEALTH_JOB,
			target: planned.target.name,
			samples: healthSamples({
				status: results[i].status,
				up: settled[i].state.state === 'up',
				critical: planned.target.critical,
				responseTimeMs: results[i].responseTimeMs,
				consecutiveFailures: settled[i].state.consecutiveFailures,
				checkedAt: now,
				intervalSeconds,
			}),
		}),
	);
}

/** The watch's interval into every target's group, merged (see {@link intervalSamples}); outcomes as {@link pushAll}'s. */
export async function pushInterval(ctx: PushContext, settings: HealthSettings, intervalSeconds: number): Promise<PushOutcome[]> {
	if (!settings.push) return [];
	return await mapWithConcurrency(settings.planned, settings.concurrency, async (planned) =>
		await pushMetrics(ctx, planned.itemIndex, {
			job: HEALTH_JOB,
			target: planned.target.name,
			samples: intervalSamples(intervalSeconds),
			mode: 'merge',
		}),
	);
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

/** Run-level summary in health+json style, repeated on every item. */
function summaryOf(settings: HealthSettings, results: TargetResult[], settled: SettledStep[], nowIso: string): IDataObject {
	const { planned } = settings;
	const summaryStatus = overallStatus(planned.map(({ target }, i) => ({ status: results[i].status, critical: target.critical })));
	const counts: Record<HealthStatus, number> = { pass: 0, warn: 0, fail: 0, unknown: 0 };
	results.forEach((r) => counts[r.status]++);
	const down = planned.filter((_p, i) => settled[i].state.state === 'down').map((p) => p.target.name);
	return {
		status: toIetfStatus(summaryStatus),
		output: `${planned.length} targets: ${counts.pass} pass, ${counts.warn} warn, ${counts.fail} fail${counts.unknown ? `, ${counts.unknown} unknown` : ''}${down.length ? `; down: ${down.slice(0, 20).join(', ')}${down.length > 20 ? ', ...' : ''}` : ''}`,
		time: nowIso,
		targets: planned.length,
		...counts,
	};
}

/**
 * The items of a sweep, split into events (output 0, Alert) and the rest
 * (output 1, OK). `notice` is added to every item when given.
 */
export function sweepItems(
	settings: HealthSettings,
	results: TargetResult[],
	settled: SettledStep[],
	pushes: Array<PushOutcome | undefined>,
	now: number,
	notice?: string,
): { alert: INodeExecutionData[]; ok: INodeExecutionData[] } {
	const nowIso = new Date(now).toISOString();
	const summary = summaryOf(settings, results, settled, nowIso);
	const alert: INodeExecutionData[] = settings.invalid.map((bad) => ({
		json: { error: bad.message, target: bad.target },
		pairedItem: { item: bad.itemIndex },
	}));
	const ok: INodeExecutionData[] = [];
	settings.planned.forEach(({ target, itemIndex }, i) => {
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
		if (r.finalUrl) json.finalUrl = r.finalUrl;
		if (r.bodySnippet) json.bodySnippet = r.bodySnippet;
		if (r.bodyTruncated) json.bodyTruncated = true;
		if (target.dependsOn.length) json.dependsOn = target.dependsOn;
		if (notice) json.notice = notice;
		if (target.requestUrl) json.warnings = [userinfoWarning(`The URL of target "${target.name}"`)];
		const pushed = pushes[i];
		if (pushed) recordPush(json, pushed);
		(s.event ? alert : ok).push({ json, pairedItem: { item: itemIndex } });
	});
	return { alert, ok };
}
