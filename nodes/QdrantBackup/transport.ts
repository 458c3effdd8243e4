/**
 * The few Qdrant snapshot calls the node makes, each turning Qdrant's answer
 * into either its `result` or a NodeApiError that says what happened and what
 * to do. Every call goes through `httpRequestWithAuthentication` with the
 * `ragOpsQdrantApi` credential (which adds the `api-key` header).
 *
 * API: https://api.qdrant.tech/api-reference/snapshots/ — answers are
 * `{result, status: "ok", time}`; `wait=false` gets 202 `{status: "accepted", time}`
 * (no result); errors `{status: {error: "..."}, time}`. Read from Qdrant's
 * source (v1.19, src/actix): the auth layer answers 401/403 in plain text, and
 * the download endpoints answer errors in plain text too (actix's default
 * error body), so every error reader here takes both.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions, JsonObject } from 'n8n-workflow';

export const QDRANT_CREDENTIAL_TYPE = 'ragOpsQdrantApi';

/**
 * Qdrant's SnapshotDescription. `checksum` is absent with S3 snapshot storage
 * (Qdrant writes `.checksum` files only on local storage); `creation_time` is
 * the file's birth time (null where the filesystem has none) or, on S3, the
 * object's last-modified time.
 */
export interface SnapshotDescription {
	name: string;
	creation_time?: string | null;
	size: number;
	checksum?: string | null;
}

/** Which snapshots: one collection's, or the full storage's (`collection === null`). */
export interface SnapshotScope {
	collection: string | null;
}

export function scopeLabel(scope: SnapshotScope): string {
	return scope.collection === null ? 'full storage' : `collection "${scope.collection}"`;
}

export function snapshotsPath(scope: SnapshotScope): string {
	return scope.collection === null ? '/snapshots' : `/collections/${encodeURIComponent(scope.collection)}/snapshots`;
}

export function snapshotPath(scope: SnapshotScope, name: string): string {
	return `${snapshotsPath(scope)}/${encodeURIComponent(name)}`;
}

/**
 * The Qdrant to talk to: the Peer URL parameter when set (in a cluster every
 * peer holds its own snapshots of its own shards, so each peer is addressed
 * directly, never through a load balancer), else the credential's URL.
 */
export async function qdrantBaseUrl(ctx: IExecuteFunctions, itemIndex = 0): Promise<string> {
	const peer = String(ctx.getNodeParameter('peerUrl', itemIndex, '') ?? '').trim();
	if (peer) {
		if (!/^https?:\/\/[^/]/.test(peer)) {
			throw new NodeOperationError(ctx.getNode(), `Peer URL "${peer}" is not an http(s) URL`, {
				description: 'Give the REST URL of one Qdrant peer, for example http://qdrant-1.qdrant-headless:6333, or leave Peer URL empty to use the credential URL.',
				itemIndex,
			});
		}
		return peer.replace(/\/+$/, '');
	}
	const credentials = await ctx.getCredentials(QDRANT_CREDENTIAL_TYPE);
	return String(credentials.url ?? '').replace(/\/+$/, '');
}

export interface Call {
	method: IHttpRequestMethods;
	path: string;
	qs?: IDataObject;
	body?: IDataObject | Buffer;
	headers?: IDataObject;
	timeoutMs: number;
	/** What the node was doing, for the message: `creating a snapshot of collection "docs"`. */
	doing: string;
}

function errorText(body: unknown): string {
	if (body && typeof body === 'object') {
		const status = (body as { status?: unknown }).status;
		if (status && typeof status === 'object' && typeof (status as { error?: unknown }).error === 'string') {
			return (status as { error: string }).error;
		}
		return JSON.stringify(body).slice(0, 500);
	}
	if (typeof body === 'string') return body.slice(0, 500);
	if (body instanceof Uint8Array) return new TextDecoder().decode(body.subarray(0, 500));
	return '';
}

/** The NodeApiError for a Qdrant answer that is not 2xx. */
export function qdrantHttpError(
	ctx: IExecuteFunctions,
	itemIndex: number,
	statusCode: number,
	body: unknown,
	doing: string,
): NodeApiError {
	const text = errorText(body);
	let message: string;
	let description: string;
	const refusal = statusCode === 401 || statusCode === 403 ? classifyRefusal(statusCode, text) : undefined;
	if (refusal) {
		message = `${refusal.message} while ${doing} (HTTP ${statusCode})`;
		description = `Qdrant said: "${text}". ${refusal.advice}`;
	} else if (statusCode === 404 && /Collection `.*` doesn't exist/.test(text)) {
		message = `Qdrant has no such collection while ${doing}`;
		description = `Qdrant said: "${text}". Check the collection name (it is case-sensitive) or list collections with GET /collections.`;
	} else if (statusCode === 404) {
		message = `Qdrant found nothing at that path while ${doing} (HTTP 404)`;
		description = `Qdrant said: "${text}". Check the snapshot name (List shows the existing ones) and that the credential URL points at Qdrant's REST port (6333).`;
	} else if (statusCode >= 500) {
		message = `Qdrant failed while ${doing} (HTTP ${statusCode})`;
		description = `Qdrant said: "${text}". Nothing was deleted. Check Qdrant's logs and free disk space in its snapshots directory, then run again.`;
	} else {
		message = `Qdrant refused the request while ${doing} (HTTP ${statusCode})`;
		description = `Qdrant said: "${text}".`;
	}
	return new NodeApiError(ctx.getNode(), { statusCode, body: text } as JsonObject, {
		message,
		description,
		httpCode: String(statusCode),
		itemIndex,
	});
}

/**
 * What a 401 or 403 from Qdrant means, by its text (Qdrant v1.19 source:
 * src/common/auth, lib/storage/src/rbac, src/actix/api/snapshot_api.rs,
 * lib/storage/src/content_manager/snapshots/download.rs). A 403 is not always
 * about the key: URL recovery can be switched off, a file:// path can point
 * outside the snapshots folder, and Qdrant before 1.16 answered 403 to every
 * write while its storage was locked.
 */
export function classifyRefusal(statusCode: number, text: string): { kind: string; message: string; advice: string } {
	if (/Must provide an API key/i.test(text)) {
		return { kind: 'missingKey', message: 'Qdrant needs an API key', advice: 'Qdrant runs with an API key: set API Key in the RagOps Qdrant API credential.' };
	}
	if (/Invalid API key or JWT|Invalid JWT/i.test(text) || statusCode === 401) {
		return { kind: 'invalidKey', message: 'Qdrant rejected the API key', advice: 'Check the API key of the RagOps Qdrant API credential (a JWT may have expired).' };
	}
	if (/Global manage access is required|Manage access for this operation is required|Write access to collection .* is required/i.test(text)) {
		return {
			kind: 'readOnlyKey',
			message: 'The API key may only read',
			advice: "Qdrant accepted the key but it grants read access only (Qdrant's read_only_api_key, or a JWT without write/manage access). List, Download and Verify work with it; Create, Delete, Apply Retention and Restore need the read-write key (Restore needs global manage access).",
		};
	}
	if (/Access to collection .* is required|Only points access is allowed|Global access is required/i.test(text)) {
		return { kind: 'collectionScope', message: 'The API key has no snapshot access to this collection', advice: 'The key (a JWT) is limited to other collections or to points only: issue one with access to this collection, or use the read-write key.' };
	}
	if (/Snapshot recovery from remote URLs is disabled/i.test(text)) {
		return {
			kind: 'urlRecoveryDisabled',
			message: 'Qdrant does not recover from http(s) URLs',
			advice: 'Qdrant runs with service.enable_snapshot_url_recovery: false. Restore with Restore Source "Upload Binary", or a file:// URL inside its snapshots folder, or enable URL recovery. Nothing was restored.',
		};
	}
	if (/must be inside the snapshots directory/i.test(text)) {
		return { kind: 'fileOutsideSnapshots', message: 'Qdrant only recovers files inside its snapshots folder', advice: 'A file:// location must point into the snapshots_path of that Qdrant (for example file:///qdrant/snapshots/docs/<name>.snapshot). Nothing was restored.' };
	}
	if (/^Storage locked/i.test(text)) {
		return { kind: 'storageLocked', message: 'Qdrant storage is locked for writes', advice: 'Someone locked Qdrant for writes (POST /locks, Qdrant before 1.16). Unlock it, then run again. Nothing was changed.' };
	}
	return { kind: 'forbidden', message: 'Qdrant refused the request', advice: 'Check the API key of the RagOps Qdrant API credential and what it may do.' };
}

/** True for errors that mean "no answer in time" (the task may go on in Qdrant). */
export function isTimeout(error: unknown): boolean {
	const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
	const code = String(e?.code ?? e?.cause?.code ?? '');
	return code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout|timed out/i.test(String(e?.message ?? ''));
}

/** A request that never reached an answer (refused, reset, timed out). */
export function qdrantTransportError(
	ctx: IExecuteFunctions,
	itemIndex: number,
	error: unknown,
	doing: string,
): NodeApiError {
	const reason = error instanceof Error ? error.message : String(error);
	return new NodeApiError(ctx.getNode(), { message: reason } as JsonObject, {
		message: `Could not reach Qdrant, or it did not answer in time, while ${doing}: ${reason}`,
		description:
			'Check the URL of the RagOps Qdrant API credential (for example http://qdrant:6333), that Qdrant is running and reachable from n8n, and raise the timeout if Qdrant is just slow. Nothing was deleted.',
		itemIndex,
	});
}

/** One JSON call; returns Qdrant's `result` (undefined for a 202 "accepted"). */
export async function qdrantCall<T>(ctx: IExecuteFunctions, itemIndex: number, call: Call): Promise<T> {
	const answer = await qdrantCallUnlessTimeout<T>(ctx, itemIndex, call, false);
	return (answer as { result: T }).result;
}

/**
 * One JSON call that reports a timeout as `{timedOut: true}` instead of
 * failing (when `followUp` is set), so the caller can follow up the task
 * Qdrant goes on running.
 */
export async function qdrantCallUnlessTimeout<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	call: Call,
	followUp: boolean,
): Promise<{ timedOut: false; result: T } | { timedOut: true }> {
	const baseURL = await qdrantBaseUrl(ctx, itemIndex);
	const options: IHttpRequestOptions = {
		method: call.method,
		baseURL,
		url: call.path,
		qs: call.qs,
		body: call.body,
		headers: call.headers,
		json: !(call.body instanceof Uint8Array),
		timeout: call.timeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	let response: { statusCode: number; body: unknown };
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, QDRANT_CREDENTIAL_TYPE, options)) as {
			statusCode: number;
			body: unknown;
		};
	} catch (error) {
		if (followUp && isTimeout(error)) return { timedOut: true };
		throw qdrantTransportError(ctx, itemIndex, error, call.doing);
	}
	let body = response.body;
	if (typeof body === 'string') {
		try {
			body = JSON.parse(body);
		} catch {
			// Plain-text answers (401 from Qdrant's auth layer) stay text.
		}
	}
	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw qdrantHttpError(ctx, itemIndex, response.statusCode, body, call.doing);
	}
	return { timedOut: false, result: (body as { result: T }).result };
}

export async function listSnapshots(
	ctx: IExecuteFunctions,
	itemIndex: number,
	scope: SnapshotScope,
	timeoutMs: number,
): Promise<SnapshotDescription[]> {
	const result = await qdrantCall<SnapshotDescription[]>(ctx, itemIndex, {
		method: 'GET',
		path: snapshotsPath(scope),
		timeoutMs,
		doing: `listing the snapshots of ${scopeLabel(scope)}`,
	});
	if (!Array.isArray(result)) {
		throw new NodeApiError(ctx.getNode(), { result } as JsonObject, {
			message: `Qdrant answered the snapshot list of ${scopeLabel(scope)} without a list`,
			description: 'The URL may not point at Qdrant. Check the RagOps Qdrant API credential.',
			itemIndex,
		});
	}
	return result;
}

/** Reads at most `limit` bytes of an error body that arrived as a stream. */
export async function readSmall(stream: AsyncIterable<Uint8Array>, limit = 64 * 1024): Promise<string> {
	const decoder = new TextDecoder();
	let text = '';
	for await (const chunk of stream) {
		text += decoder.decode(chunk, { stream: true });
		if (text.length >= limit) break;
	}
	return text.slice(0, limit);
}
