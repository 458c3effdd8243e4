/**
 * The few Qdrant snapshot calls the node makes, each turning Qdrant's answer
 * into either its `result` or a NodeApiError that says what happened and what
 * to do. Every call goes through `httpRequestWithAuthentication` with the
 * `ragOpsQdrantApi` credential (which adds the `api-key` header).
 *
 * API: https://api.qdrant.tech/api-reference/snapshots/ — answers are
 * `{result, status: "ok", time}`; errors `{status: {error: "..."}, time}`.
 */
import { NodeApiError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions, JsonObject } from 'n8n-workflow';

export const QDRANT_CREDENTIAL_TYPE = 'ragOpsQdrantApi';

/** Qdrant's SnapshotDescription. */
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

export async function qdrantBaseUrl(ctx: IExecuteFunctions): Promise<string> {
	const credentials = await ctx.getCredentials(QDRANT_CREDENTIAL_TYPE);
	return String(credentials.url ?? '').replace(/\/+$/, '');
}

interface Call {
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
	if (statusCode === 401 || statusCode === 403) {
		message = `Qdrant rejected the API key while ${doing} (HTTP ${statusCode})`;
		description = `Qdrant said: "${text}". Check the API key of the RagOps Qdrant API credential (a read-only key cannot create, delete or restore snapshots).`;
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

/** One JSON call; returns Qdrant's `result`. */
export async function qdrantCall<T>(ctx: IExecuteFunctions, itemIndex: number, call: Call): Promise<T> {
	const baseURL = await qdrantBaseUrl(ctx);
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
	return (body as { result: T }).result;
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
