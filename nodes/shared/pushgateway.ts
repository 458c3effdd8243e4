/**
 * Pushing `ragops_*` metrics to a Prometheus Pushgateway
 * (https://github.com/prometheus/pushgateway#api).
 *
 * Interface for nodes:
 * - spread {@link pushMetricsProperties} into the node's `properties` and add
 *   {@link pushgatewayCredential} to its `credentials`;
 * - when `pushMetrics` is on, call
 *   `await pushMetrics(this, itemIndex, { job: PUSH_JOBS.health, target, samples })`
 *   and put `outcome.warning` (if any) on the item.
 *
 * A push is one group: `PUT <base>/metrics/job/<job>/target/<target>`. PUT
 * replaces every metric of that group, so a target's series always reflect the
 * last run (nothing stale from an earlier run lingers). The grouping key is
 * job + target only, never `instance`, so the group is stable when n8n moves.
 *
 * Metrics are a side channel: a Pushgateway that is down, slow, or answers
 * 4xx/5xx never makes the node fail. {@link pushMetrics} then returns
 * `{ pushed: false, warning }` with a sentence for the user. It throws only for
 * mistakes that a retry cannot fix and that the workflow author or the node
 * developer must see: missing credential, a credential URL that is not
 * http(s), samples that break the metric catalog (see `renderExposition`).
 */
import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INodeCredentialDescription,
	INodeProperties,
	ITriggerFunctions,
} from 'n8n-workflow';

import { hasLoneSurrogate, renderExposition, toWellFormed, type Sample } from './exposition';
import { TARGET_LABEL, type PushJob } from './metricCatalog';
import { redactText } from './urls';

export type { Sample } from './exposition';

/** Credential type name of the Pushgateway credential (`credentials/RagOpsPushgatewayApi.credentials.ts`). */
export const PUSHGATEWAY_CREDENTIAL_TYPE = 'ragOpsPushgatewayApi';

/** Default timeout of one push: short, because a push must never hold up the node. */
export const DEFAULT_PUSH_TIMEOUT_MS = 5000;

/** Node parameter snippet: spread into a node's `properties`. */
export const pushMetricsProperties: INodeProperties[] = [
	{
		displayName: 'Push Metrics',
		name: 'pushMetrics',
		type: 'boolean',
		default: false,
		description:
			'Whether to push the results as ragops_* metrics to a Prometheus Pushgateway. A Pushgateway that is down only adds a warning to the output.',
	},
];

/** Credential declaration to add to a node's `credentials`; only asked for when Push Metrics is on. */
export const pushgatewayCredential: INodeCredentialDescription = {
	name: PUSHGATEWAY_CREDENTIAL_TYPE,
	required: true,
	displayOptions: { show: { pushMetrics: [true] } },
};

export interface PushOptions {
	/** Pushgateway job: one per node kind (`PUSH_JOBS` in the metric catalog). */
	job: PushJob;
	/** Stable, user-chosen target name (any text; `/` and empty are encoded). */
	target: string;
	/** The group's samples; each sample's `metric.job` must equal `job`. */
	samples: Sample[];
	/** Request timeout in ms (default {@link DEFAULT_PUSH_TIMEOUT_MS}). */
	timeoutMs?: number;
	/**
	 * `replace` (default, PUT): the group becomes exactly these samples.
	 * `merge` (POST): only metrics of these names are replaced; the group's
	 * other metrics stay as an earlier push left them. That is how a failed
	 * run keeps the last *success* timestamp a successful run pushed, with no
	 * state in the node (static data does not reach queue-mode workers).
	 */
	mode?: 'replace' | 'merge';
}

export interface PushOutcome {
	/** True when the Pushgateway accepted the group (HTTP 2xx). */
	pushed: boolean;
	/** The group URL pushed to (without user info). */
	url: string;
	/** Human sentence when not pushed: what happened and that the node's own result is unaffected. */
	warning?: string;
}

/**
 * Writes a push outcome into an output item, the same way for every node:
 * `metrics: { pushed, url }`, and the warning sentence (if any) appended to
 * the item's `warnings` list, next to the node's own warnings.
 */
export function recordPush(json: IDataObject, outcome: PushOutcome): void {
	json.metrics = { pushed: outcome.pushed, url: outcome.url };
	if (outcome.warning) json.warnings = [...((json.warnings as string[] | undefined) ?? []), outcome.warning];
}

/** Labels the Pushgateway sets from the grouping key, or that must never be pushed. */
const RESERVED_SAMPLE_LABELS = ['job', TARGET_LABEL, 'instance'];

/** UTF-8 bytes of a string without Buffer/TextEncoder (the shipped build has no Node or DOM types). */
function utf8Bytes(value: string): number[] {
	const bytes: number[] = [];
	const escaped = encodeURIComponent(value);
	for (let i = 0; i < escaped.length; i++) {
		if (escaped[i] === '%') {
			bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(escaped.charCodeAt(i));
		}
	}
	return bytes;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 base64url with padding, as the Pushgateway's `@base64` segments expect. */
export function base64url(value: string): string {
	const bytes = utf8Bytes(value);
	let out = '';
	for (let i = 0; i < bytes.length; i += 3) {
		const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
		out += BASE64URL[(n >> 18) & 63] + BASE64URL[(n >> 12) & 63];
		out += i + 1 < bytes.length ? BASE64URL[(n >> 6) & 63] : '=';
		out += i + 2 < bytes.length ? BASE64URL[n & 63] : '=';
	}
	return out;
}

/**
 * One `/<label>/<value>` pair of the grouping-key path. Values with `/` (which
 * a path cannot carry even percent-encoded: proxies and the Pushgateway's
 * router decode `%2F`) and empty values use the `<label>@base64/<base64url>`
 * form; an empty value is `=` there, as the Pushgateway documents.
 */
export function groupingKeySegment(label: string, value: string): string {
	if (value === '') return `/${label}@base64/=`;
	if (value.includes('/')) return `/${label}@base64/${base64url(value)}`;
	return `/${label}/${encodeURIComponent(value)}`;
}

/** Removes trailing slashes and any `user:pass@` (never shown in warnings; auth comes from the credential). */
function cleanBase(baseUrl: string): string {
	return baseUrl.trim().replace(/\/+$/, '').replace(/^(https?:\/\/)[^/@]*@/i, '$1');
}

/**
 * The group URL: `<base>/metrics/job/<job>/target/<target>`. Pure; throws an
 * `Error` when the base is not an http(s) URL or the job is empty.
 */
export function buildPushUrl(baseUrl: string, job: string, target: string): string {
	const base = cleanBase(baseUrl);
	if (!/^https?:\/\/[^/]+/i.test(base)) {
		throw new Error(`Pushgateway URL "${base}" is not an http:// or https:// URL`);
	}
	if (job === '') throw new Error('Pushgateway job must not be empty');
	return `${base}/metrics${groupingKeySegment('job', job)}${groupingKeySegment(TARGET_LABEL, target)}`;
}

function checkSamples(job: PushJob, samples: readonly Sample[]): void {
	for (const sample of samples) {
		if (sample.metric.job !== job) {
			throw new Error(
				`metric ${sample.metric.name} belongs to Pushgateway job ${sample.metric.job}, not ${job} (see the metric catalog)`,
			);
		}
		for (const name of Object.keys(sample.labels ?? {})) {
			if (RESERVED_SAMPLE_LABELS.includes(name)) {
				throw new Error(
					`metric ${sample.metric.name}: label "${name}" is set by the push grouping key and must not be on a sample`,
				);
			}
		}
	}
}

/** The most specific error code n8n/axios kept (ECONNREFUSED, ETIMEDOUT, ECONNABORTED, ENOTFOUND…). */
function errorCode(error: unknown): string | undefined {
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (current && typeof current === 'object' && !seen.has(current)) {
		seen.add(current);
		const { code } = current as { code?: unknown };
		if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** First line of a response body, trimmed, for the warning (the Pushgateway says why it rejected a push). */
function bodySnippet(body: unknown): string {
	const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
	const line = text.trim().split('\n')[0] ?? '';
	return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const UNAFFECTED = "metrics not pushed; the node's own result is unaffected";

/**
 * Failed pushes also show as a warning hint above the node's output in the
 * editor (n8n's NodeExecutionHint via `addExecutionHints`), once per node run
 * and reason: a warning inside each item's JSON is easy to miss. Keyed by the
 * execution context, which n8n creates afresh for every run of a node.
 */
const hinted = new WeakMap<object, Set<string>>();

function hintPushFailure(ctx: PushContext, baseUrl: string, reason: string): void {
	// A trigger (the health watch pushes between executions) has no output pane to show a hint in.
	if (!('addExecutionHints' in ctx)) return;
	const key = `${baseUrl} ${reason}`;
	const seen = hinted.get(ctx) ?? new Set<string>();
	if (seen.has(key)) return;
	seen.add(key);
	hinted.set(ctx, seen);
	ctx.addExecutionHints({
		message: `Metrics were not pushed: the Pushgateway at ${baseUrl} ${reason}. The node's results are unaffected; each item's "warnings" names its push. Check the "RagOps Pushgateway API" credential's URL, or turn "Push Metrics" off.`,
		type: 'warning',
		location: 'outputPane',
	});
}

/** The Pushgateway's base URL from a group URL (everything before /metrics/job). */
function pushgatewayBase(groupUrl: string): string {
	const at = groupUrl.indexOf('/metrics/job');
	return at === -1 ? groupUrl : groupUrl.slice(0, at);
}

/**
 * Pushes one group (job + target) to the Pushgateway of the
 * `ragOpsPushgatewayApi` credential, with the credential's authentication.
 * Never throws on network or HTTP errors: see the module doc.
 */
/**
 * What a push needs of an n8n context: action nodes (IExecuteFunctions) and
 * trigger nodes (ITriggerFunctions, e.g. the health watch, which pushes from
 * the main instance between executions) both provide it.
 */
export type PushContext = IExecuteFunctions | ITriggerFunctions;

export async function pushMetrics(
	ctx: PushContext,
	itemIndex: number,
	opts: PushOptions,
): Promise<PushOutcome> {
	let credentials: IDataObject;
	try {
		credentials = await ctx.getCredentials(PUSHGATEWAY_CREDENTIAL_TYPE, itemIndex);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Pushgateway credential missing: ${errorMessage(error)}`, {
			itemIndex,
			description: 'Select a "RagOps Pushgateway API" credential, or turn "Push Metrics" off.',
		});
	}

	// A name with a lone surrogate (possible in any JS string, never in UTF-8) would break the
	// URL and the exposition; it is pushed with U+FFFD instead, and the user is told.
	const notes: string[] = [];
	// Never a password in a label, even when a URL with userinfo was used as a name.
	let target = redactText(opts.target);
	if (hasLoneSurrogate(target)) {
		target = toWellFormed(target);
		notes.push(`the target name is not valid Unicode (lone surrogate); pushed as "${target}"`);
	}
	let samples = opts.samples;
	if (samples.some((s) => Object.values(s.labels ?? {}).some((v) => typeof v === 'string' && hasLoneSurrogate(v)))) {
		samples = samples.map((s) =>
			s.labels ? { ...s, labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, typeof v === 'string' ? toWellFormed(v) : v])) } : s,
		);
		notes.push('a label value is not valid Unicode (lone surrogate); pushed with U+FFFD in its place');
	}
	const withNotes = (outcome: PushOutcome): PushOutcome => {
		if (notes.length === 0) return outcome;
		const note = `Metrics: ${notes.join('; ')}. Fix the name in the node's settings.`;
		return { ...outcome, warning: outcome.warning ? `${outcome.warning} ${note}` : note };
	};

	let url: string;
	let body: string;
	try {
		url = buildPushUrl(String(credentials.url ?? ''), opts.job, target);
		checkSamples(opts.job, samples);
		body = renderExposition(samples);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Cannot push metrics: ${errorMessage(error)}`, {
			itemIndex,
			description:
				'Check the URL of the "RagOps Pushgateway API" credential (for example http://pushgateway:9091). If the URL is right, this is a bug in the node: please report it.',
		});
	}

	const request: IHttpRequestOptions = {
		method: opts.mode === 'merge' ? 'POST' : 'PUT',
		url,
		body,
		headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
		timeout: opts.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: false,
	};

	try {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			PUSHGATEWAY_CREDENTIAL_TYPE,
			request,
		)) as { statusCode?: number; body?: unknown };
		const status = response.statusCode ?? 0;
		if (status >= 200 && status < 300) return withNotes({ pushed: true, url });
		const snippet = bodySnippet(response.body);
		const hint =
			status === 401 || status === 403
				? ' (check the username and password of the "RagOps Pushgateway API" credential)'
				: '';
		hintPushFailure(ctx, pushgatewayBase(url), `answered HTTP ${status}${hint}`);
		return withNotes({
			pushed: false,
			url,
			warning: `Pushgateway at ${url} answered HTTP ${status}${snippet ? ` (${snippet})` : ''}${hint}: ${UNAFFECTED}`,
		});
	} catch (error) {
		const code = errorCode(error);
		hintPushFailure(ctx, pushgatewayBase(url), `is unreachable (${code ?? redactText(errorMessage(error))})`);
		return withNotes({
			pushed: false,
			url,
			warning: `Pushgateway at ${url} unreachable (${code ?? redactText(errorMessage(error))}): ${UNAFFECTED}`,
		});
	}
}
