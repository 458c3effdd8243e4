import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { fullJitterDelay } from '../shared/backoff';
import { forget, remember, seenAt } from '../shared/idempotency';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { pushMetrics, recordPush, pushMetricsProperties, type Sample } from '../shared/pushgateway';
import { boundedCopy } from '../shared/bounded';
import { pick, toolAnswer } from '../shared/toolAnswer';
import { displayUrl, redactText } from '../shared/urls';
import { joinUrl, parseRunStatus, statusPathFor, type RunStatus } from './runApi';
import { classifyStart } from './startAnswer';

const SERVICE_CREDENTIAL = 'ragServiceApi';
const KEYS_FIELD = 'idempotencyKeys';

interface HttpAnswer {
	statusCode: number;
	body: unknown;
	headers: Record<string, unknown>;
}

export class RagIngestion implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Ingestion',
		name: 'ragIngestion',
		icon: { light: 'file:ragIngestion.svg', dark: 'file:ragIngestion.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ ($parameter["mode"] === "full" ? "Full" : "Incremental") + " ingestion of " + $parameter["source"] }}',
		description:
			'Starts an ingestion run with an idempotency key, skips runs the API already has for that key and runs in progress, and optionally waits for the outcome',
		defaults: { name: 'RAG Ingestion' },
		usableAsTool: {
			replacements: {
				description:
					'Start an ingestion (re-index) run of one documentation source, at most once per idempotency key, and report its outcome: status (succeeded, failed, skipped), run ID, documents processed and chunks written.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Success', 'Failure', 'Skipped'],
		credentials: [
			{ name: 'ragServiceApi', required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			// Spelled out: n8n's lint rules and the verification scanner only read object literals here.
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [
			{
				displayName:
					'One run per key is enforced by your ingestion API: it must honour the Idempotency-Key header (same key → the same run, 409 while in flight, 422 for another body; see the docs, and check yours with npm run check:idempotency). Keys remembered in workflow static data are only a cheap first filter: queue-mode workers and overlapping executions do not share them.',
				name: 'idempotencyNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Ingestion API URL',
				name: 'baseUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'http://ingestion:8080',
			},
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'None', value: 'none' },
					{ name: 'RagOps Service API', value: 'ragServiceApi' },
				],
				default: 'none',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'handbook',
				description: 'Name of the source to ingest; also the target label of pushed metrics',
			},
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				options: [
					{ name: 'Incremental', value: 'incremental' },
					{ name: 'Full', value: 'full' },
				],
				default: 'incremental',
			},
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '={{ $json.guid ?? $json.deliveryId ?? $json.id ?? "" }}',
				description:
					'Identifies the source version to ingest (a feed item guid, repository@commit, a date); sent as the Idempotency-Key header so the API starts at most one run per key. Empty: no key, only the in-progress check.',
			},
			{
				displayName: 'Metadata (JSON)',
				name: 'metadata',
				type: 'json',
				default: '{}',
				description: 'Sent as "metadata" in the start request',
			},
			{
				displayName: 'Wait for Completion',
				name: 'waitForCompletion',
				type: 'boolean',
				default: true,
				description: 'Whether to poll the run status until it succeeds, fails or runs past the maximum runtime',
			},
			{
				displayName: 'Max Runtime (Minutes)',
				name: 'maxRuntimeMinutes',
				type: 'number',
				default: 60,
				typeOptions: { minValue: 0 },
				displayOptions: { show: { waitForCompletion: [true] } },
				description: 'A run still going after this long is reported failed',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{ displayName: 'First Poll Interval (Seconds)', name: 'pollIntervalSeconds', type: 'number', default: 5, typeOptions: { minValue: 0.01 } },
					{ displayName: 'Key Memory (Hours)', name: 'keyTtlHours', type: 'number', default: 168, typeOptions: { minValue: 0 }, description: 'Forget a key remembered in static data after this long (0: keep until evicted by newer keys). A first filter only: the API decides.' },
					{ displayName: 'Max Poll Interval (Seconds)', name: 'maxPollIntervalSeconds', type: 'number', default: 60, typeOptions: { minValue: 0.01 } },
					{ displayName: 'Remembered Keys', name: 'keyMemory', type: 'number', default: 1000, typeOptions: { minValue: 1 }, description: 'How many idempotency keys to keep in static data as a first filter (not shared with queue-mode workers; the API decides)' },
					{ displayName: 'Request Timeout (Seconds)', name: 'timeoutSeconds', type: 'number', default: 30, typeOptions: { minValue: 1 } },
					{ displayName: 'Start Method', name: 'method', type: 'options', options: [{ name: 'POST', value: 'POST' }, { name: 'PUT', value: 'PUT' }], default: 'POST' },
					{ displayName: 'Start Path', name: 'startPath', type: 'string', default: '/runs' },
					{ displayName: 'Status Path', name: 'statusPath', type: 'string', default: '/runs/{runId}', description: '{runId} is replaced by the ID the start request returned' },
				],
			},
			...pushMetricsProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[][] = [[], [], []];
		const store = this.getWorkflowStaticData('node');
		for (let i = 0; i < items.length; i++) {
			try {
				const { output, json } = await ingestOne(this, i, store);
				out[output].push({ json, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					out[1].push({ json: { status: 'failed', error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// Returns a NodeOperationError as is; wraps anything else keeping its message and description.
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		// As an AI tool, one compact run record per item whichever output it took.
		return toolAnswer(this, out, ['Success', 'Failure', 'Skipped'], (json) =>
			pick(json, ['source', 'status', 'runId', 'skipped', 'reason', 'message', 'documentsProcessed', 'chunksWritten', 'durationSeconds', 'errors', 'error']),
		);
	}
}

async function call(ctx: IExecuteFunctions, options: IHttpRequestOptions): Promise<HttpAnswer> {
	// No redirects: n8n's client would follow them to any host and re-send the credential there
	// (an API-key header is never stripped). A 3xx is reported as the answer instead.
	const request: IHttpRequestOptions = {
		...options,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: true,
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
	};
	const auth = ctx.getNodeParameter('authentication', 0, 'none') as string;
	const res = (auth === 'ragServiceApi'
		? await ctx.helpers.httpRequestWithAuthentication.call(ctx, SERVICE_CREDENTIAL, request)
		: await ctx.helpers.httpRequest(request)) as { statusCode: number; body: unknown; headers?: Record<string, unknown> };
	return { statusCode: res.statusCode, body: res.body, headers: res.headers ?? {} };
}

/**
 * The transport error's code and message (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), or undefined when
 * the error is not about reaching the API (a missing credential, say), which stays a node error.
 */
function transportProblem(error: unknown): string | undefined {
	const e = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
	const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
	const message = typeof e.message === 'string' ? e.message : String(error);
	const transport = (code !== undefined && /^E[A-Z_]+$/.test(code)) || /timeout|socket hang up/i.test(message);
	if (!transport) return undefined;
	return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function parseMetadata(ctx: IExecuteFunctions, i: number): IDataObject {
	const raw = ctx.getNodeParameter('metadata', i, '{}') as unknown;
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return raw as IDataObject;
	try {
		const parsed = JSON.parse(typeof raw === 'string' && raw.trim() !== '' ? raw : '{}') as unknown;
		if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as IDataObject;
	} catch {
		// Reported below.
	}
	throw new NodeOperationError(ctx.getNode(), 'Metadata is not a JSON object', {
		itemIndex: i,
		description: 'Set "Metadata (JSON)" to an object such as {"trigger": "rss"}, or to {}',
	});
}

/** An item for the Skipped output (2): no run was started, and why. */
function skipped(
	source: string,
	key: string,
	reason: 'duplicate' | 'in_progress',
	runId: string | undefined,
	extra: IDataObject & { message: string },
): { output: 2; json: IDataObject } {
	return { output: 2, json: { source, idempotencyKey: key || null, skipped: true, reason, runId: runId ?? null, ...extra } };
}

async function ingestOne(
	ctx: IExecuteFunctions,
	i: number,
	store: IDataObject,
): Promise<{ output: 0 | 1 | 2; json: IDataObject }> {
	const baseUrl = (ctx.getNodeParameter('baseUrl', i) as string).trim();
	if (!/^https?:\/\//i.test(baseUrl)) {
		throw new NodeOperationError(ctx.getNode(), `Ingestion API URL "${displayUrl(baseUrl)}" is not an http(s) URL`, {
			itemIndex: i,
			description: 'Set "Ingestion API URL" to the base address of the ingestion service, e.g. http://ingestion:8080',
		});
	}
	const source = (ctx.getNodeParameter('source', i) as string).trim();
	if (source === '') {
		throw new NodeOperationError(ctx.getNode(), 'Source is empty', {
			itemIndex: i,
			description: 'Set "Source" to the name of the source to ingest, e.g. handbook',
		});
	}
	const mode = ctx.getNodeParameter('mode', i) as string;
	const rawKey = ctx.getNodeParameter('idempotencyKey', i, '') as unknown;
	const key = rawKey === null || rawKey === undefined ? '' : String(rawKey).trim();
	const opts = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const timeout = Number(opts.timeoutSeconds ?? 30) * 1000;
	const keyOptions = { maxKeys: Number(opts.keyMemory ?? 1000), ttlMs: Number(opts.keyTtlHours ?? 168) * 3_600_000 };
	const scopedKey = `${source}\u0000${key}`;

	if (key !== '') {
		const seen = seenAt(store, KEYS_FIELD, scopedKey, keyOptions);
		if (seen !== undefined) {
			return skipped(source, key, 'duplicate', undefined, {
				message: `this workflow already started a run for this key at ${new Date(seen).toISOString()} (remembered in static data; not asked again)`,
			});
		}
	}

	const metadata = parseMetadata(ctx, i);
	const startUrl = joinUrl(baseUrl, String(opts.startPath ?? '/runs'));
	const requestedAt = new Date();
	const method = (opts.method ?? 'POST') as IHttpRequestMethods;
	let start: HttpAnswer;
	try {
		start = await call(ctx, {
			method,
			url: startUrl,
			body: { source, mode, metadata, ...(key !== '' ? { idempotency_key: key } : {}) },
			headers: key !== '' ? { 'Idempotency-Key': key } : {},
			timeout,
		});
	} catch (error) {
		// No HTTP answer at all (refused, DNS, timeout): a failed attempt, not a crash, so the
		// workflow's Failure branch (e.g. Slack) runs. Retrying is safe: the key dedupes at the API.
		const problem = transportProblem(error);
		if (problem === undefined) throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
		return {
			output: 1,
			json: {
				source,
				mode,
				idempotencyKey: key || null,
				runId: null,
				status: 'failed',
				url: displayUrl(startUrl),
				errors: [],
				reason:
					`Could not reach the ingestion API: ${method} ${displayUrl(startUrl)} failed (${redactText(problem)}). ` +
					'Check that "Ingestion API URL" is right and reachable from n8n (host name, port, DNS, firewall, proxy) and that the service is up' +
					(key !== '' ? '; a retry with the same key will not start a second run if this one did reach it.' : '.'),
			},
		};
	}
	const answer = classifyStart(start.statusCode, start.body, start.headers, key !== '', requestedAt.getTime());
	if (answer.verdict === 'in_progress') {
		return skipped(source, key, 'in_progress', answer.runId, {
			runningRunId: answer.runId ?? null,
			message: `the ingestion API answered 409: a run${answer.runId ? ` (${answer.runId})` : ''} of "${source}" is already in progress; not starting a second one`,
		});
	}
	if (answer.verdict === 'replayed') {
		if (key !== '') remember(store, KEYS_FIELD, scopedKey, keyOptions);
		return skipped(source, key, 'duplicate', answer.runId, {
			runStatus: answer.rawStatus ?? answer.phase,
			message: `the ingestion API already has run ${answer.runId ?? '(no id)'} for this key; no second run started`,
		});
	}
	if (answer.verdict === 'key_reused') {
		throw new NodeApiError(ctx.getNode(), (boundedCopy(start.body ?? {}) ?? {}) as JsonObject, {
			itemIndex: i,
			httpCode: '422',
			message: `The ingestion API refused Idempotency-Key "${key}": it was used before with a different request body`,
			description:
				`${method} ${displayUrl(startUrl)}${answer.runId ? ` (the key belongs to run ${answer.runId})` : ''}. A key must name one source version, and every request with it must carry the same source, mode and metadata. ` +
				'If Metadata holds something that changes per delivery (a delivery ID, a timestamp), drop it from Metadata; if the content really changed, make that part of the key (e.g. the commit SHA).',
		});
	}
	if (answer.verdict === 'refused') {
		throw new NodeApiError(ctx.getNode(), (boundedCopy(start.body ?? {}) ?? {}) as JsonObject, {
			itemIndex: i,
			httpCode: String(start.statusCode),
			message: `The ingestion API answered HTTP ${start.statusCode} to the start request`,
			description: `${method} ${displayUrl(startUrl)} for source "${source}" was refused. Check the URL, the credential and the source name.${start.statusCode >= 300 && start.statusCode < 400 ? ' It answered with a redirect, which the node does not follow: use the final URL.' : ''}`,
		});
	}
	const runId = answer.runId;
	// Remembered as soon as the API accepted it: a cheap first filter for the next offer in this workflow.
	if (key !== '') remember(store, KEYS_FIELD, scopedKey, keyOptions);

	const record: IDataObject = {
		source,
		mode,
		idempotencyKey: key || null,
		runId: runId ?? null,
		status: 'started',
		startedAt: parseRunStatus(start.body).startedAt ?? requestedAt.toISOString(),
		finishedAt: null,
		durationSeconds: null,
		documentsProcessed: null,
		chunksWritten: null,
		errors: [],
	};

	if (!(ctx.getNodeParameter('waitForCompletion', i, true) as boolean)) return { output: 0, json: record };
	if (runId === undefined) {
		throw new NodeOperationError(ctx.getNode(), 'The start answer carries no run ID, so the run cannot be followed', {
			itemIndex: i,
			description: 'The ingestion API must return {"run_id": …} when it starts a run; or turn "Wait for Completion" off',
		});
	}

	const maxRuntimeMs = (ctx.getNodeParameter('maxRuntimeMinutes', i, 60) as number) * 60_000;
	const baseDelay = Number(opts.pollIntervalSeconds ?? 5) * 1000;
	const maxDelay = Math.max(baseDelay, Number(opts.maxPollIntervalSeconds ?? 60) * 1000);
	const statusUrl = joinUrl(baseUrl, statusPathFor(String(opts.statusPath ?? '/runs/{runId}'), runId));
	const deadline = requestedAt.getTime() + maxRuntimeMs;
	let status: RunStatus | undefined;
	let polls = 0;
	let lastPollError: string | undefined;
	for (let attempt = 0; ; attempt++) {
		// Backoff between polls: at least the first interval, growing with full jitter up to the cap.
		const wait = Math.min(Math.max(baseDelay, fullJitterDelay(attempt, baseDelay, maxDelay)), Math.max(0, deadline - Date.now()));
		if (wait > 0) await sleep(wait);
		if (Date.now() >= deadline) break;
		polls++;
		try {
			const answer = await call(ctx, { method: 'GET', url: statusUrl, timeout: Math.min(timeout, Math.max(1000, deadline - Date.now())) });
			if (answer.statusCode >= 200 && answer.statusCode < 300) {
				status = parseRunStatus(answer.body);
				lastPollError = undefined;
				if (status.phase !== 'running') break;
			} else {
				lastPollError = `status request answered HTTP ${answer.statusCode}`;
			}
		} catch (error) {
			// A flaky status endpoint is not a failed run: keep polling until the deadline.
			lastPollError = redactText((error as Error).message);
		}
	}

	const finished = new Date();
	const overran = !status || status.phase === 'running';
	record.polls = polls;
	record.status = overran ? 'failed' : status!.phase;
	record.finishedAt = overran ? finished.toISOString() : (status!.finishedAt ?? finished.toISOString());
	if (status) {
		record.startedAt = status.startedAt ?? record.startedAt;
		record.documentsProcessed = status.documentsProcessed ?? null;
		record.chunksWritten = status.chunksWritten ?? null;
		record.errors = status.errors;
	}
	if (overran) {
		record.reason = `still running after the maximum runtime of ${maxRuntimeMs / 60_000} min${lastPollError ? ` (last status error: ${lastPollError})` : ''}`;
	}
	const startedMs = Date.parse(String(record.startedAt));
	const finishedMs = Date.parse(String(record.finishedAt));
	record.durationSeconds = Number.isFinite(startedMs) && Number.isFinite(finishedMs) ? Math.max(0, (finishedMs - startedMs) / 1000) : null;

	const succeeded = record.status === 'succeeded';
	// Not kept in the first filter: whether a failed run's key may start another is the API's call
	// (the example service answers with the failed run; a retry needs a new key).
	if (!succeeded && key !== '') forget(store, KEYS_FIELD, scopedKey);
	if (ctx.getNodeParameter('pushMetrics', i, false) as boolean) {
		const samples: Sample[] = [
			{ metric: METRICS.ingestionLastRun, value: finishedMs / 1000 },
			{ metric: METRICS.ingestionLastRunSuccess, value: succeeded ? 1 : 0 },
		];
		// A success replaces the group (PUT) with its own timestamp; a failure merges (POST), so the
		// last success an earlier run pushed stays in the Pushgateway. No state in the node: static data
		// does not reach queue-mode workers.
		if (succeeded) samples.push({ metric: METRICS.ingestionLastSuccess, value: finishedMs / 1000 });
		if (typeof record.durationSeconds === 'number') samples.push({ metric: METRICS.ingestionDuration, value: record.durationSeconds });
		if (typeof record.documentsProcessed === 'number') samples.push({ metric: METRICS.ingestionDocuments, value: record.documentsProcessed });
		if (typeof record.chunksWritten === 'number') samples.push({ metric: METRICS.ingestionChunks, value: record.chunksWritten });
		const outcome = await pushMetrics(ctx, i, { job: PUSH_JOBS.ingestion, target: source, samples, mode: succeeded ? 'replace' : 'merge' });
		recordPush(record, outcome);
	}
	return { output: succeeded ? 0 : 1, json: record };
}
