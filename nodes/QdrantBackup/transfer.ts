/**
 * Streaming snapshot bytes: download into n8n binary data while hashing, hash
 * an input binary, and build the multipart body for a restore by upload.
 *
 * Why the hash taps `emit`: the node may import nothing but n8n-workflow and
 * crypto (no `stream`), so there is no Transform to pipe through. A Readable
 * emits 'data' for every chunk its consumer takes, whether the consumer pipes
 * (n8n's filesystem binary mode writes the stream to disk), listens (memory
 * mode) or read()s, so wrapping the instance's `emit` sees every byte exactly
 * once. A 'data' listener would not do: it starts the flow before n8n's
 * consumer is attached (chunks lost), and pausing it again stops n8n's own
 * 'data' listener from resuming the stream (a hang). The tap changes nothing
 * about flow or backpressure.
 *
 * What `httpRequest` hands back with `encoding: 'stream'` (n8n 2.40, axios
 * 1.18): not the IncomingMessage but axios's `Readable.from()` wrapper that
 * enforces maxContentLength (highWaterMark 1, no `complete`), so a cut body is
 * caught by the wrapper's error and the byte count, not by `complete`.
 * Throughput (docs/benchmarks.md): the time goes into n8n's process, not this
 * pipeline. Every socket read is a fresh Buffer; in n8n's ~160 MB heap those
 * buffers pile up as external memory faster than young-generation GCs free
 * them, so V8 runs a full mark-compact every ~32 MiB ("external memory
 * pressure"). n8n's HTTP Request node pays the same; the hash costs ~0.2 s/256 MiB.
 */
import { createHash } from 'crypto';
import { NodeApiError } from 'n8n-workflow';
import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions, JsonObject } from 'n8n-workflow';

import {
	QDRANT_CREDENTIAL_TYPE,
	qdrantBaseUrl,
	qdrantHttpError,
	qdrantTransportError,
	readSmall,
	scopeLabel,
	snapshotPath,
	type SnapshotScope,
} from './transport';

/** The parts of a Node Readable the node uses (typed here: the shipped build has no Node types). */
interface ByteStream extends AsyncIterable<Uint8Array> {
	emit(event: string, ...args: unknown[]): boolean;
	destroy(error?: Error): unknown;
	/** IncomingMessage: true once the whole body arrived (absent on axios's stream wrapper). */
	complete?: boolean;
}

export interface StreamedSnapshot {
	sha256: string;
	bytes: number;
	/** Set when the bytes were stored as n8n binary data. */
	binary?: IBinaryData;
}

function cutShort(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	got: number,
	expected: number | undefined,
	reason: string,
): NodeApiError {
	const of = expected === undefined ? '' : ` of ${expected}`;
	return new NodeApiError(ctx.getNode(), { message: reason } as JsonObject, {
		message: `The download of snapshot "${name}" was cut short after ${got}${of} bytes`,
		description: `${reason}. The partial file was not passed on and nothing was deleted. Run the node again; if it keeps happening, check proxies or load balancers between n8n and Qdrant for body-size or idle limits, or raise Stall Timeout.`,
		itemIndex,
	});
}

/**
 * GETs a snapshot file and streams it either into n8n binary data (`store`) or
 * straight into the hash (verification only). Never buffers the whole file.
 */
export async function streamSnapshot(
	ctx: IExecuteFunctions,
	itemIndex: number,
	scope: SnapshotScope,
	name: string,
	opts: { store: boolean; stallTimeoutMs: number; expectedSize?: number },
): Promise<StreamedSnapshot> {
	const doing = `downloading snapshot "${name}" of ${scopeLabel(scope)}`;
	const request: IHttpRequestOptions = {
		method: 'GET',
		baseURL: await qdrantBaseUrl(ctx, itemIndex),
		url: snapshotPath(scope, name),
		encoding: 'stream',
		// n8n asks for gzip/deflate/br by default, and Qdrant's actix Compress
		// middleware then compresses multi-GB snapshots on the fly (CPU on both
		// sides, and no Content-Length to check the body against): ask for the file as it is.
		headers: { 'Accept-Encoding': 'identity' },
		// An idle timeout on the socket: a stalled transfer fails, a slow one does not.
		timeout: opts.stallTimeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	let response: { statusCode: number; headers: Record<string, unknown>; body: ByteStream };
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, QDRANT_CREDENTIAL_TYPE, request)) as typeof response;
	} catch (error) {
		throw qdrantTransportError(ctx, itemIndex, error, doing);
	}
	const stream = response.body;
	if (response.statusCode !== 200) {
		let text = '';
		try {
			text = await readSmall(stream);
		} catch {
			// the error body is best effort
		}
		let body: unknown = text;
		try {
			body = JSON.parse(text);
		} catch {
			// plain text
		}
		throw qdrantHttpError(ctx, itemIndex, response.statusCode, body, doing);
	}

	const declared = Number(response.headers['content-length']);
	const expected = Number.isFinite(declared) && declared >= 0 ? declared : opts.expectedSize;
	const hash = createHash('sha256');
	let bytes = 0;
	let binary: IBinaryData | undefined;
	try {
		if (opts.store) {
			const emit = stream.emit;
			stream.emit = function (this: ByteStream, event: string, ...args: unknown[]) {
				if (event === 'data') {
					const chunk = args[0] as Uint8Array;
					hash.update(chunk);
					bytes += chunk.length;
				}
				return emit.call(this, event, ...args);
			};
			binary = await ctx.helpers.prepareBinaryData(
				stream as unknown as Parameters<typeof ctx.helpers.prepareBinaryData>[0],
				name,
				'application/octet-stream',
			);
		} else {
			for await (const chunk of stream) {
				hash.update(chunk);
				bytes += chunk.length;
			}
		}
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw cutShort(ctx, itemIndex, name, bytes, expected, `The connection failed mid-transfer (${reason})`);
	}
	if (stream.complete === false || (expected !== undefined && bytes !== expected)) {
		throw cutShort(ctx, itemIndex, name, bytes, expected, 'Qdrant closed the connection before the end of the file');
	}
	return { sha256: hash.digest('hex'), bytes, binary };
}

/** SHA-256 of an item's binary property, streamed from n8n's binary store when it is there. */
export async function hashBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
): Promise<{ sha256: string; bytes: number; fileName?: string }> {
	const data = ctx.helpers.assertBinaryData(itemIndex, property);
	const hash = createHash('sha256');
	let bytes = 0;
	if (data.id) {
		const stream = (await ctx.helpers.getBinaryStream(data.id)) as unknown as AsyncIterable<Uint8Array>;
		for await (const chunk of stream) {
			hash.update(chunk);
			bytes += chunk.length;
		}
	} else {
		const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
		hash.update(buffer);
		bytes = buffer.length;
	}
	return { sha256: hash.digest('hex'), bytes, fileName: data.fileName };
}

export function sha256Of(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A multipart/form-data body with one file field, as Qdrant's upload endpoint
 * expects (`snapshot`). Built in memory: the upload path holds the snapshot
 * once; recover from a URL for snapshots larger than n8n's memory.
 */
export function multipartBody(
	field: string,
	fileName: string,
	file: Buffer,
): { body: Buffer; contentType: string } {
	const boundary = `----ragops${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24)}`;
	const head = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName.replace(/"/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	return { body: Buffer.concat([head, file, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}
