/**
 * A local stand-in for Qdrant's snapshot REST API, for tests and benchmarks
 * (no Qdrant binary is reachable from these machines).
 *
 * It follows Qdrant's API reference (https://api.qdrant.tech/api-reference/snapshots/,
 * v1.15–v1.17 pages, same shapes) field for field:
 * - `POST   /collections/{c}/snapshots?wait=true` → `{result: SnapshotDescription, status: "ok", time}`
 *   (`wait=false` → `{result: null, status: "accepted", time}`)
 * - `GET    /collections/{c}/snapshots` → `{result: SnapshotDescription[], status, time}`
 * - `GET    /collections/{c}/snapshots/{name}` → the snapshot file (application/octet-stream)
 * - `DELETE /collections/{c}/snapshots/{name}?wait=true` → `{result: true, status: "ok", time}`
 * - `PUT    /collections/{c}/snapshots/recover` body `SnapshotRecover {location, priority?, checksum?, api_key?}`
 * - `POST   /collections/{c}/snapshots/upload?priority=&checksum=` multipart, file field `snapshot`
 * - full storage: `POST|GET /snapshots`, `GET|DELETE /snapshots/{name}`
 * - `SnapshotDescription {name, creation_time, size, checksum}`; `creation_time` is a
 *   naive UTC date-time (`2022-08-04T10:49:10`), `checksum` the hex SHA-256 of the file.
 * - auth: the `api-key` header; a wrong or missing key gets 401 with a plain-text body
 *   (as qdrant's actix auth middleware answers).
 * - errors: `{status: {error: "Not found: Collection `x` doesn't exist!"}, time}` with 404
 *   (the body users report in qdrant/qdrant#2842 and qdrant/n8n-nodes-qdrant#19).
 * Snapshot names follow Qdrant's `{collection}-{peer_id}-{YYYY-MM-DD-HH-MM-SS}.snapshot`.
 *
 * Snapshot bytes are either a Buffer or generated on the fly from a seed, so a
 * 2 GiB snapshot costs no memory here either.
 *
 * Fault injection (`faults`): 500s on create, a download cut after N bytes
 * (socket destroyed), a wrong checksum in the listing, a slow (throttled) download.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SnapshotDescription {
	name: string;
	creation_time: string | null;
	size: number;
	checksum: string | null;
}

/** Where a snapshot's bytes come from. */
export type SnapshotContent = Buffer | { size: number; seed: number };

interface StoredSnapshot {
	description: SnapshotDescription;
	content: SnapshotContent;
}

export interface StandInFaults {
	/** Answer the next N create requests with 500. */
	createFailures?: number;
	/** Destroy the socket after sending this many bytes of a download. */
	cutDownloadAfterBytes?: number;
	/** Report a wrong checksum in listings and create answers. */
	wrongChecksum?: boolean;
	/** Send a download as 64 KiB pieces, each after this many ms (slow; over the stall timeout: stalled). */
	downloadChunkDelayMs?: number;
	/** Answer every list request with 500 (for "nothing is deleted when listing fails"). */
	listFailures?: number;
	/** Answer every delete request with 500. */
	deleteFailures?: number;
}

export interface RecoveryRecord {
	collection: string;
	via: 'location' | 'upload';
	location?: string;
	priority?: string | null;
	checksum?: string | null;
	/** SnapshotRecover.api_key: what Qdrant would send when fetching `location`. */
	apiKey?: string | null;
	sha256: string;
	size: number;
}

export interface StandInOptions {
	/** When set, every request needs `api-key: <apiKey>`. */
	apiKey?: string;
	/** Collections that exist at start. */
	collections?: string[];
	/** Size of the snapshot a create produces (bytes). Default 256 KiB. */
	createdSnapshotSize?: number;
	/** Clock, so tests control snapshot names and creation times. */
	now?: () => Date;
}

const CHUNK = 64 * 1024;
/** Generated snapshots are written 1 MiB at a time: fewer writes, so the stand-in is not what a benchmark measures. */
const GENERATED_CHUNK = 1024 * 1024;
const PEER_ID = 4129783125387632;

/** The 1 MiB block a generated snapshot repeats: deterministic from the seed. */
function seededBlock(seed: number): Buffer {
	const block = Buffer.alloc(GENERATED_CHUNK);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < GENERATED_CHUNK; i++) {
		// xorshift32: cheap, deterministic, not all-zero (tar-like data compresses; we don't care).
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		block[i] = x & 0xff;
	}
	return block;
}

/** Yields the bytes of a snapshot's content in chunks (64 KiB for buffers, 1 MiB generated). */
export function* contentChunks(content: SnapshotContent): Generator<Buffer> {
	if (Buffer.isBuffer(content)) {
		for (let off = 0; off < content.length; off += CHUNK) yield content.subarray(off, off + CHUNK);
		return;
	}
	const block = seededBlock(content.seed);
	for (let off = 0; off < content.size; off += GENERATED_CHUNK) {
		yield block.subarray(0, Math.min(GENERATED_CHUNK, content.size - off));
	}
}

export function contentSha256(content: SnapshotContent): string {
	const hash = createHash('sha256');
	for (const chunk of contentChunks(content)) hash.update(chunk);
	return hash.digest('hex');
}

export function contentSize(content: SnapshotContent): number {
	return Buffer.isBuffer(content) ? content.length : content.size;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Qdrant's `creation_time`: naive ISO date-time in UTC, no zone, no fraction. */
export function qdrantCreationTime(date: Date): string {
	return date.toISOString().slice(0, 19);
}

function nameStamp(date: Date): string {
	return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-${pad(
		date.getUTCHours(),
	)}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`;
}

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	apiKey?: string;
}

export class QdrantStandIn {
	readonly collections = new Map<string, Map<string, StoredSnapshot>>();
	/** Full-storage snapshots (`/snapshots`). */
	readonly storageSnapshots = new Map<string, StoredSnapshot>();
	readonly requests: LoggedRequest[] = [];
	readonly recoveries: RecoveryRecord[] = [];
	faults: StandInFaults = {};
	private server?: Server;
	private readonly opts: StandInOptions;
	private seed = 1;

	constructor(opts: StandInOptions = {}) {
		this.opts = opts;
		for (const c of opts.collections ?? []) this.collections.set(c, new Map());
	}

	get url(): string {
		const address = this.server?.address() as AddressInfo | null;
		if (!address) throw new Error('qdrantStandIn: not started');
		return `http://127.0.0.1:${address.port}`;
	}

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent) this.json(res, 500, { status: { error: `Service internal error: ${String(error)}` } });
				else res.destroy();
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		return this.url;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/** Adds a snapshot as if Qdrant had made it at `creationTime`. */
	addSnapshot(
		collection: string | null,
		init: { name?: string; creationTime?: Date | null; content?: SnapshotContent; checksum?: string | null },
	): SnapshotDescription {
		const store = collection === null ? this.storageSnapshots : this.collectionStore(collection, true)!;
		const created = init.creationTime === undefined ? this.now() : init.creationTime;
		const content = init.content ?? { size: this.opts.createdSnapshotSize ?? 256 * 1024, seed: this.seed++ };
		const name =
			init.name ??
			(collection === null
				? `full-snapshot-${nameStamp(created ?? this.now())}.snapshot`
				: `${collection}-${PEER_ID}-${nameStamp(created ?? this.now())}.snapshot`);
		const description: SnapshotDescription = {
			name,
			creation_time: created ? qdrantCreationTime(created) : null,
			size: contentSize(content),
			checksum: init.checksum === undefined ? contentSha256(content) : init.checksum,
		};
		store.set(name, { description, content });
		return description;
	}

	private now(): Date {
		return this.opts.now ? this.opts.now() : new Date();
	}

	private collectionStore(name: string, create = false): Map<string, StoredSnapshot> | undefined {
		if (!this.collections.has(name) && create) this.collections.set(name, new Map());
		return this.collections.get(name);
	}

	private json(res: ServerResponse, code: number, body: Record<string, unknown>): void {
		const text = JSON.stringify({ ...body, time: 0.000012 });
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	}

	private ok(res: ServerResponse, result: unknown, status = 'ok'): void {
		this.json(res, 200, { result, status });
	}

	private describe(s: StoredSnapshot): SnapshotDescription {
		if (!this.faults.wrongChecksum) return { ...s.description };
		return { ...s.description, checksum: 'f'.repeat(64) };
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = req.method ?? 'GET';
		const apiKey = typeof req.headers['api-key'] === 'string' ? req.headers['api-key'] : undefined;
		this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), apiKey });

		if (this.opts.apiKey !== undefined && apiKey !== this.opts.apiKey) {
			req.resume();
			const text = apiKey === undefined ? 'Must provide an API key or an Authorization bearer token' : 'Invalid API key or JWT';
			res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
			res.end(text);
			return;
		}

		const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
		if (method === 'GET' && parts.length === 1 && parts[0] === 'collections') {
			const collections = [...this.collections.keys()].map((name) => ({ name }));
			return this.ok(res, { collections });
		}

		// Full storage snapshots.
		if (parts[0] === 'snapshots') {
			if (parts.length === 1) return await this.listOrCreate(req, res, null, url);
			if (parts.length === 2) return await this.fileOrDelete(req, res, this.storageSnapshots, parts[1]!);
		}

		if (parts[0] === 'collections' && parts[2] === 'snapshots' && parts.length >= 3) {
			const collection = parts[1]!;
			const store = this.collectionStore(collection);
			if (!store && !(parts[3] === 'recover' || parts[3] === 'upload')) {
				req.resume();
				return this.json(res, 404, { status: { error: `Not found: Collection \`${collection}\` doesn't exist!` } });
			}
			if (parts.length === 3) return await this.listOrCreate(req, res, collection, url);
			if (parts.length === 4 && parts[3] === 'recover' && method === 'PUT') return await this.recover(req, res, collection);
			if (parts.length === 4 && parts[3] === 'upload' && method === 'POST') return await this.upload(req, res, collection, url);
			if (parts.length === 4) return await this.fileOrDelete(req, res, store!, parts[3]!);
		}
		req.resume();
		this.json(res, 404, { status: { error: `Not found: ${method} ${url.pathname}` } });
	}

	private async listOrCreate(req: IncomingMessage, res: ServerResponse, collection: string | null, url: URL): Promise<void> {
		req.resume();
		const store = collection === null ? this.storageSnapshots : this.collectionStore(collection)!;
		if (req.method === 'GET') {
			if (this.faults.listFailures) {
				this.faults.listFailures--;
				return this.json(res, 500, { status: { error: 'Service internal error: injected list failure' } });
			}
			return this.ok(res, [...store.values()].map((s) => this.describe(s)));
		}
		if (req.method !== 'POST') return this.json(res, 405, { status: { error: 'Method not allowed' } });
		if (this.faults.createFailures) {
			this.faults.createFailures--;
			return this.json(res, 500, {
				status: { error: 'Service internal error: No space left on device (os error 28)' },
			});
		}
		const description = this.addSnapshot(collection, {});
		const stored = store.get(description.name)!;
		if (url.searchParams.get('wait') === 'false') return this.ok(res, null, 'accepted');
		return this.ok(res, this.describe(stored));
	}

	private async fileOrDelete(
		req: IncomingMessage,
		res: ServerResponse,
		store: Map<string, StoredSnapshot>,
		name: string,
	): Promise<void> {
		req.resume();
		const snapshot = store.get(name);
		if (!snapshot) {
			return this.json(res, 404, { status: { error: `Not found: Snapshot file \`${name}\` does not exist!` } });
		}
		if (req.method === 'DELETE') {
			if (this.faults.deleteFailures) {
				this.faults.deleteFailures--;
				return this.json(res, 500, { status: { error: 'Service internal error: injected delete failure' } });
			}
			store.delete(name);
			return this.ok(res, true);
		}
		if (req.method !== 'GET') return this.json(res, 405, { status: { error: 'Method not allowed' } });
		res.writeHead(200, {
			'content-type': 'application/octet-stream',
			'content-length': snapshot.description.size,
			'content-disposition': `attachment; filename="${name}"`,
		});
		// Headers go out at once, as from Qdrant's streaming file response; a slow body trickles after them.
		res.flushHeaders();
		await this.send(res, snapshot.content);
	}

	/** Streams the content with backpressure, applying the download faults. */
	private async send(res: ServerResponse, content: SnapshotContent): Promise<void> {
		let sent = 0;
		const cut = this.faults.cutDownloadAfterBytes;
		const delay = this.faults.downloadChunkDelayMs;
		for (const chunk of contentChunks(content)) {
			// A slow download trickles 64 KiB pieces, each after the delay (the first one too).
			const pieces = delay ? splitChunk(chunk, CHUNK) : [chunk];
			for (let piece of pieces) {
				if (res.destroyed) return;
				if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
				if (cut !== undefined && sent + piece.length >= cut) {
					piece = piece.subarray(0, Math.max(0, cut - sent));
					res.write(piece);
					// Let the piece leave, then drop the connection without finishing the body.
					await new Promise((resolve) => setTimeout(resolve, 20));
					res.socket?.destroy();
					return;
				}
				sent += piece.length;
				if (!res.write(piece)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
			}
		}
		res.end();
	}

	private async readBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks);
	}

	private async recover(req: IncomingMessage, res: ServerResponse, collection: string): Promise<void> {
		let body: { location?: unknown; priority?: unknown; checksum?: unknown; api_key?: unknown };
		try {
			body = JSON.parse((await this.readBody(req)).toString('utf8'));
		} catch {
			return this.json(res, 400, { status: { error: 'Format error in JSON body: expected value at line 1 column 1' } });
		}
		if (typeof body.location !== 'string') {
			return this.json(res, 422, { status: { error: 'Json deserialize error: missing field `location`' } });
		}
		if (body.priority != null && !['no_sync', 'snapshot', 'replica'].includes(String(body.priority))) {
			return this.json(res, 422, { status: { error: `Json deserialize error: unknown variant \`${String(body.priority)}\`` } });
		}
		// Only our own snapshot URLs are fetchable here (tests talk to 127.0.0.1 only).
		const match = /\/collections\/([^/]+)\/snapshots\/([^/?]+)$/.exec(new URL(body.location).pathname);
		const source = match ? this.collections.get(decodeURIComponent(match[1]!))?.get(decodeURIComponent(match[2]!)) : undefined;
		if (!source) {
			return this.json(res, 400, {
				status: { error: `Bad request: Failed to download snapshot from ${body.location}: status 404` },
			});
		}
		const sha256 = contentSha256(source.content);
		if (typeof body.checksum === 'string' && body.checksum !== sha256) {
			return this.json(res, 400, {
				status: { error: `Bad request: Snapshot checksum mismatch: expected ${body.checksum}, got ${sha256}` },
			});
		}
		this.collectionStore(collection, true);
		this.recoveries.push({
			collection,
			via: 'location',
			location: body.location,
			priority: (body.priority as string | undefined) ?? null,
			checksum: (body.checksum as string | undefined) ?? null,
			apiKey: (body.api_key as string | undefined) ?? null,
			sha256,
			size: contentSize(source.content),
		});
		this.ok(res, true);
	}

	private async upload(req: IncomingMessage, res: ServerResponse, collection: string, url: URL): Promise<void> {
		const type = req.headers['content-type'] ?? '';
		const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2];
		const body = await this.readBody(req);
		if (!boundary) return this.json(res, 400, { status: { error: 'Bad request: expected multipart/form-data' } });
		const file = extractMultipartFile(body, boundary, 'snapshot');
		if (!file) return this.json(res, 400, { status: { error: 'Bad request: no `snapshot` file in the form' } });
		const sha256 = createHash('sha256').update(file).digest('hex');
		const checksum = url.searchParams.get('checksum');
		if (checksum && checksum !== sha256) {
			return this.json(res, 400, {
				status: { error: `Bad request: Snapshot checksum mismatch: expected ${checksum}, got ${sha256}` },
			});
		}
		this.collectionStore(collection, true);
		this.recoveries.push({
			collection,
			via: 'upload',
			priority: url.searchParams.get('priority'),
			checksum,
			sha256,
			size: file.length,
		});
		this.ok(res, true);
	}
}

function splitChunk(chunk: Buffer, size: number): Buffer[] {
	const out: Buffer[] = [];
	for (let off = 0; off < chunk.length; off += size) out.push(chunk.subarray(off, off + size));
	return out;
}

/** The bytes of the named file part of a multipart/form-data body. */
export function extractMultipartFile(body: Buffer, boundary: string, field: string): Buffer | undefined {
	const delimiter = Buffer.from(`--${boundary}`);
	let start = body.indexOf(delimiter);
	while (start !== -1) {
		const next = body.indexOf(delimiter, start + delimiter.length);
		if (next === -1) break;
		const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after boundary, before next
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const headers = part.subarray(0, headerEnd).toString('utf8');
			if (new RegExp(`name="${field}"`).test(headers)) return part.subarray(headerEnd + 4);
		}
		start = next;
	}
	return undefined;
}
