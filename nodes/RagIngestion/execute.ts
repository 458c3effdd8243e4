import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { fullJitterDelay } from '../shared/backoff';
import { boundedCopy } from '../shared/bounded';
import { forget, remember, seenAt } from '../shared/idempotency';
import { pushMetrics, recordPush } from '../shared/pushgateway';
import { scheduleIntervalSeconds } from '../shared/scheduleInterval';
import { pick, toolAnswer } from '../shared/toolAnswer';
import { displayUrl, redactText } from '../shared/urls';
import { INGESTION_JOB, ingestionSamples } from './metrics';
import { joinUrl, parseRunStatus, statusPathFor, type RunStatus } from './runApi';
import { classifyStart } from './startAnswer';
import { call, transportProblem, type HttpAnswer } from './transport';

const KEYS_FIELD = 'idempotencyKeys';

/**
 * What n8n runs for RAG Ingestion: per item, one run started (at most once per
 * idempotency key), optionally waited for, and pushed; the item leaves by
 * Success, Failure or Skipped.
 */
export async function executeIngestion(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[][] = [[], [], []];
	const store = ctx.getWorkflowStaticData('node');
	for (let i = 0; i < items.length; i++) {
		try {
			const { output, json } = await ingestOne(ctx, i, store);
			out[output].push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (ctx.continueOnFail()) {
				out[1].push({ json: { status: 'failed', error: (error as Error).message }, pairedItem: { item: i } });
				continue;
			}
			// Returns a NodeOperationError as is; wraps anything else keeping its message and description.
			throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
		}
	}
	// As an AI tool, one compact run record per item whichever output it took.
	return toolAnswer(ctx, out, ['Success', 'Failure', 'Skipped'], (json) =>
		pick(json, ['source', 'status', 'runId', 'skipped', 'reason', 'message', 'documentsProcessed', 'chunksWritten', 'durationSeconds', 'errors', 'error']),
	);
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
		// A success replaces the group (PUT) with its own timestamp; a failure merges (POST), so the
		// last success an earlier run pushed stays in the Pushgateway. No state in the node: static data
		// does not reach queue-mode workers.
		const samples = ingestionSamples(succeeded, finishedMs, record, scheduleIntervalSeconds(ctx));
		const outcome = await pushMetrics(ctx, i, { job: INGESTION_JOB, target: source, samples, mode: succeeded ? 'replace' : 'merge' });
		recordPush(record, outcome);
	}
	return { output: succeeded ? 0 : 1, json: record };
}
