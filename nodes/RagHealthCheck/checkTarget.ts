import { evaluateCondition, parseBody, type AnswerContext, type CheckResult, type RatedCondition } from '../shared/conditions';
import type { HttpRequestFn } from '../shared/probe';
import { worstOf, type HealthStatus } from '../shared/status';
import { interpretQdrantCollection, PRESETS, qdrantCollectionUrl, type ComponentResult, type PresetName } from './presets';
import { probeWithRetries } from './transport';

/**
 * One target, end to end: probe (with retries for transient trouble), read
 * the answer the way its preset knows, apply the user's conditions, grade.
 * No n8n context here: the HTTP function is passed in, so the whole pipeline
 * runs in unit tests against local servers.
 */

export interface Target {
	name: string;
	/** The URL as resolved (preset path applied), without userinfo: what items and messages show. */
	url: string;
	/** The URL requested when it differs from `url` (it carries `user:password@`, which is never shown). */
	requestUrl?: string;
	/** Whether a redirect may lead to another origin (then without credentials and headers). */
	allowCrossOriginRedirects?: boolean;
	preset: PresetName;
	critical: boolean;
	dependsOn: string[];
	timeoutMs: number;
	headers: Record<string, string>;
	/** Qdrant only: a collection whose status is checked too. */
	collection?: string;
	/** Expected status codes; empty = the preset's. */
	expectedCodes?: string;
}

export interface CheckSettings {
	request: HttpRequestFn;
	/** The same client without credentials, for redirect hops to another origin. */
	anonymousRequest?: HttpRequestFn;
	conditions: RatedCondition[];
	retries: number;
	retryBaseDelayMs: number;
	maxBodyBytes: number;
	skipTlsVerify: boolean;
	signal?: AbortSignal;
	now: () => number;
	/** A maintenance window covers this target now (Qdrant: yellow during a backup then passes). */
	inMaintenanceWindow?: boolean;
}

export interface TargetResult {
	status: HealthStatus;
	checks: CheckResult[];
	components: ComponentResult[];
	statusCode?: number;
	responseTimeMs: number;
	attempts: number;
	/** Where the answer came from after redirects, when it was not the target URL. */
	finalUrl?: string;
	/** Start of the answer's body, when something looks wrong (helps the alert reader). */
	bodySnippet?: string;
	bodyTruncated?: boolean;
	error?: { code: string; message: string };
	/** The first non-passing check's message, or a short all-clear. */
	message: string;
}

function snippet(body: string): string {
	const clean = body.replace(/\s+/g, ' ').trim();
	return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}

/** Conditions whose target filter includes this target. */
export function conditionsFor(target: string, conditions: Array<RatedCondition & { targets?: string[] }>): RatedCondition[] {
	return conditions.filter((c) => !c.targets || c.targets.length === 0 || c.targets.includes(target));
}

/**
 * Check one target. Never throws: a bug in reading an answer must not cost
 * the results of every other target, so it becomes an `unknown` result (not
 * `fail`: it says nothing about the service, and must not page anyone).
 */
export async function checkTarget(target: Target, settings: CheckSettings): Promise<TargetResult> {
	try {
		return await checkTargetUnsafe(target, settings);
	} catch (error) {
		const message = `internal error while checking: ${error instanceof Error ? error.message : String(error)}`;
		return {
			status: 'unknown',
			checks: [{ name: 'check', status: 'unknown', message }],
			components: [],
			responseTimeMs: 0,
			attempts: 0,
			error: { code: 'internal', message },
			message,
		};
	}
}

async function checkTargetUnsafe(target: Target, settings: CheckSettings): Promise<TargetResult> {
	const preset = PRESETS[target.preset];
	const requestUrl = target.requestUrl ?? target.url;
	const { result, attempts } = await probeWithRetries(target, requestUrl, settings);

	if (result.error || !result.response) {
		const error = result.error ?? { code: 'unknown', message: 'no answer', retryable: false };
		const message = `${error.message}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`;
		return {
			status: 'fail',
			checks: [{ name: 'request', status: 'fail', observed: error.code, expected: 'an HTTP answer', message }],
			components: [],
			responseTimeMs: result.durationMs,
			attempts,
			error: { code: error.code, message: error.message },
			message,
		};
	}

	const response = result.response;
	const ctx: AnswerContext = { response, durationMs: result.durationMs, json: parseBody(response), now: settings.now() };
	const checks: CheckResult[] = [
		evaluateCondition({ type: 'statusCode', codes: target.expectedCodes || preset.expectedCodes, name: 'status code' }, ctx),
	];
	const components: ComponentResult[] = [];
	if (preset.interpret) {
		const interpreted = preset.interpret(ctx);
		checks.push(...interpreted.checks);
		components.push(...interpreted.components);
	}
	if (target.preset === 'qdrant' && target.collection) {
		const collection = await probeWithRetries(target, qdrantCollectionUrl(requestUrl, target.collection), settings);
		if (collection.result.response) {
			const cctx: AnswerContext = {
				response: collection.result.response,
				durationMs: collection.result.durationMs,
				json: parseBody(collection.result.response),
				now: ctx.now,
			};
			const interpreted = interpretQdrantCollection(target.collection, cctx, { inMaintenanceWindow: settings.inMaintenanceWindow });
			checks.push(...interpreted.checks);
			components.push(...interpreted.components);
		} else {
			const message = `collection ${target.collection}: ${collection.result.error?.message ?? 'no answer'}`;
			checks.push({ name: `collection ${target.collection}`, status: 'fail', observed: collection.result.error?.code, expected: 'an HTTP answer', message });
		}
	}
	for (const condition of settings.conditions) checks.push(evaluateCondition(condition, ctx));

	const status = worstOf(checks.map((c) => c.status));
	const firstBad = checks.find((c) => c.status === status && status !== 'pass');
	return {
		status,
		checks,
		components,
		statusCode: response.statusCode,
		responseTimeMs: result.durationMs,
		attempts,
		finalUrl: result.finalUrl,
		bodySnippet: status === 'pass' ? undefined : snippet(response.body),
		bodyTruncated: response.truncated || undefined,
		message: firstBad ? firstBad.message : checks.length === 1 ? `${checks[0].message}` : `all ${checks.length} checks pass`,
	};
}
