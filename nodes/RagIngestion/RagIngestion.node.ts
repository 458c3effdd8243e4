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
import { pushMetrics, pushMetricsProperties, type Sample } from '../shared/pushgateway';
import { boundedCopy } from '../shared/bounded';
import { ownValue, setOwn } from '../shared/keyed';
import { displayUrl, redactText } from '../shared/urls';
import { joinUrl, parseRunStatus, runIdOf, statusPathFor, type RunStatus } from './runApi';

const SERVICE_CREDENTIAL = 'ragServiceApi';
const KEYS_FIELD = 'idempotencyKeys';

interface HttpAnswer {
	statusCode: number;
	body: unknown;
}

interface SourceState {
	lastSuccessAt?: number;
}

export class RagIngestion implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Ingestion',
		name: 'ragIngestion',
		icon: { light: 'file:ragIngestion.svg', dark: 'file:ragIngestion.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["mode"] + " ingestion of " + $parameter["source"]}}',
		description:
			'Starts an ingestion run with an idempotency key, skips duplicates and runs in progress, and optionally waits for the outcome',
		defaults: { name: 'RAG Ingestion' },
		usableAsTool: true,
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
					{ name: 'RAG Service Credential', value: 'ragServiceApi' },
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
					'A run is started at most once per key (a feed item guid, a webhook delivery ID…). Empty: no key check, only the in-progress check.',
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
				typeOptions: { minValue: 0, numberPrecision: 3 },
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
					{ displayName: 'First Poll Interval (Seconds)', name: 'pollIntervalSeconds', type: 'number', default: 5, typeOptions: { minValue: 0.01, numberPrecision: 3 } },
					{ displayName: 'Key Memory (Hours)', name: 'keyTtlHours', type: 'number', default: 168, typeOptions: { minValue: 0 }, description: 'Forget a key after this long (0: keep until evicted by newer keys)' },
					{ displayName: 'Max Poll Interval (Seconds)', name: 'maxPollIntervalSeconds', type: 'number', default: 60, typeOptions: { minValue: 0.01, numberPrecision: 3 } },
					{ displayName: 'Remembered Keys', name: 'keyMemory', type: 'number', default: 1000, typeOptions: { minValue: 1 }, description: 'How many idempotency keys to keep in static data' },
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
		return out;
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
		: await ctx.helpers.httpRequest(request)) as { statusCode: number; body: unknown };
	return { statusCode: res.statusCode, body: res.body };
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
			return {
				output: 2,
				json: { source, idempotencyKey: key, skipped: true, reason: 'duplicate', message: `key already started a run at ${new Date(seen).toISOString()}` },
			};
		}
	}

	const metadata = parseMetadata(ctx, i);
	const startUrl = joinUrl(baseUrl, String(opts.startPath ?? '/runs'));
	const requestedAt = new Date();
	const start = await call(ctx, {
		method: (opts.method ?? 'POST') as IHttpRequestMethods,
		url: startUrl,
		body: { source, mode, metadata, ...(key !== '' ? { idempotency_key: key } : {}) },
		headers: key !== '' ? { 'Idempotency-Key': key } : {},
		timeout,
	});
	if (start.statusCode === 409) {
		return {
			output: 2,
			json: {
				source,
				idempotencyKey: key || null,
				skipped: true,
				reason: 'in_progress',
				runningRunId: runIdOf(start.body) ?? null,
				message: `a run of "${source}" is already in progress; not starting a second one`,
			},
		};
	}
	if (start.statusCode < 200 || start.statusCode > 299) {
		// A bounded copy: NodeApiError walks the body it is given, and the body is untrusted.
		throw new NodeApiError(ctx.getNode(), (boundedCopy(start.body ?? {}) ?? {}) as JsonObject, {
			itemIndex: i,
			httpCode: String(start.statusCode),
			message: `The ingestion API answered HTTP ${start.statusCode} to the start request`,
			description: `POST ${displayUrl(startUrl)} for source "${source}" was refused. Check the URL, the credential and the source name.${start.statusCode >= 300 && start.statusCode < 400 ? ' It answered with a redirect, which the node does not follow: use the final URL.' : ''}`,
		});
	}
	const runId = runIdOf(start.body);
	// Remembered as soon as the API accepted it: a second offer of the same item must not start another run.
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
	// A failed run may be retried by the next offer of the same item.
	if (!succeeded && key !== '') forget(store, KEYS_FIELD, scopedKey);
	if (store.sources === null || typeof store.sources !== 'object' || Array.isArray(store.sources)) store.sources = {};
	const sources = store.sources as IDataObject;
	// Own properties only: a source named `__proto__` must not read or replace Object.prototype (keyed.ts).
	let state = ownValue<SourceState>(sources, source);
	if (state === undefined || state === null || typeof state !== 'object') {
		state = {};
		setOwn(sources, source, state);
	}
	if (succeeded) state.lastSuccessAt = finishedMs / 1000;
	// Assigned at the top level so n8n's static-data proxy notices the change (see keyed.ts).
	store.sources = sources;

	if (ctx.getNodeParameter('pushMetrics', i, false) as boolean) {
		const samples: Sample[] = [
			{ metric: METRICS.ingestionLastRun, value: finishedMs / 1000 },
			{ metric: METRICS.ingestionLastRunSuccess, value: succeeded ? 1 : 0 },
		];
		// PUT replaces the whole group: re-send the last success so a failure does not erase it.
		if (state.lastSuccessAt !== undefined) samples.push({ metric: METRICS.ingestionLastSuccess, value: state.lastSuccessAt });
		if (typeof record.durationSeconds === 'number') samples.push({ metric: METRICS.ingestionDuration, value: record.durationSeconds });
		if (typeof record.documentsProcessed === 'number') samples.push({ metric: METRICS.ingestionDocuments, value: record.documentsProcessed });
		if (typeof record.chunksWritten === 'number') samples.push({ metric: METRICS.ingestionChunks, value: record.chunksWritten });
		const outcome = await pushMetrics(ctx, i, { job: PUSH_JOBS.ingestion, target: source, samples });
		record.metricsPushed = outcome.pushed;
		if (outcome.warning) record.warning = outcome.warning;
	}
	return { output: succeeded ? 0 : 1, json: record };
}
