/**
 * A local stand-in for Qdrant's REST API as far as the Qdrant Backup node, the
 * health preset and the example stack use it (no Qdrant binary is reachable
 * from these machines): collections, points, snapshots.
 *
 * Held to Qdrant v1.19.0's source, not only its docs (qdrant/qdrant at the
 * `Bump version to 1.19.0` commit; test/unit/testbed/stack/qdrantStandIn.contract.test.ts
 * drives it with the official @qdrant/js-client-rest 1.19.0):
 * - routes (src/actix/api/snapshot_api.rs, service_api.rs, mod.rs):
 *   `POST|GET /collections/{c}/snapshots`, `GET|DELETE /collections/{c}/snapshots/{name}`,
 *   `PUT /collections/{c}/snapshots/recover`, `POST /collections/{c}/snapshots/upload`,
 *   `POST|GET /snapshots`, `GET|DELETE /snapshots/{name}`, `GET /collections`,
 *   `GET /collections/{c}`, `GET /telemetry`, `GET /`, `/healthz`, `/livez`, `/readyz`;
 *   and (collections_api.rs, update_api.rs, retrieve_api.rs, count_api.rs) `PUT|DELETE
 *   /collections/{c}` (create with a vectors config → `true`, an existing name 409
 *   "Wrong input: Collection `c` already exists!"; delete → `true`, or `false` when
 *   missing; the collection's snapshot folder survives, as in Qdrant),
 *   `GET /collections/{c}/exists`, `PUT /collections/{c}/points` (upsert, list or batch),
 *   `POST /collections/{c}/points/delete` (ids or filter), `POST …/points/scroll`,
 *   `POST …/points/count`, `POST /collections/{c}/points` (retrieve by ids): updates
 *   answer an UpdateResult `{operation_id, status: completed|acknowledged}` (200 either
 *   way: update_api uses `process_response`, not the 202 of snapshot tasks); bodies,
 *   ids, vectors and filters as qdrantPoints.ts describes; `points_count` in the
 *   collection info counts the points (unless a test overrides `collectionState`);
 * - answers (src/actix/helpers.rs, lib/api/src/rest/models.rs): `{result, status: "ok", time}`;
 *   `wait=false` → **202** `{status: "accepted", time}` (no `result`, the task goes on);
 *   errors `{status: {error: "<StorageError text>"}, time}` with the code of its kind
 *   (NotFound 404, BadInput/BadRequest/ChecksumMismatch 400, Forbidden 403, ServiceError 500);
 *   request validation: unparsable JSON / query → 400 "Format error in JSON body: …" /
 *   "Deserialize error in query parameters: …", failed validators (a checksum that is not
 *   64 hex digits) → 422 "Validation error in …";
 * - the download endpoints return `Result<SnapshotStream, HttpError>`, so their errors
 *   are actix's default error body: **plain text**, not JSON;
 * - auth (src/common/auth, src/actix/auth.rs): `api-key` header or `Authorization: Bearer`;
 *   missing → 401 "Must provide an API key or an Authorization bearer token", wrong →
 *   401 "Invalid API key or JWT", both plain text; `/`, `/healthz`, `/readyz`, `/livez`
 *   are exempt; the read-only key gets global read access, so every write
 *   answers 403 "Forbidden: Global manage access is required" (lib/storage/src/rbac);
 * - `SnapshotDescription {name, creation_time, size, checksum}` with `checksum`
 *   **omitted** when there is none (`skip_serializing_if`): always with S3 snapshot
 *   storage, and for uploaded files on local storage (no `.checksum` file is written);
 *   `creation_time` is the file's birth time (null where the filesystem has none) or,
 *   on S3, the object's last-modified time; names are `{collection}-{peer_id}-{UTC
 *   YYYY-MM-DD-HH-MM-SS}.snapshot` and `full-snapshot-{…}.snapshot`;
 * - downloads: local storage answers like actix-files' NamedFile (Content-Length,
 *   `Content-Disposition: attachment`), S3 streams the object (chunked, no length);
 *   actix's Compress middleware compresses when the request's `Accept-Encoding`
 *   asks (br, gzip, deflate; then no Content-Length). Only download bodies are
 *   compressed here, JSON answers are not;
 * - recover (lib/storage/src/content_manager/snapshots/{recover,download}.rs): http(s)
 *   locations are really fetched (with `api_key` as the `api-key` header), refused
 *   with 403 when URL recovery is disabled; `file://` locations must lie inside the
 *   snapshots folder (403 otherwise, 400 when missing); a checksum mismatch is 400;
 * - upload: the file is saved under its (sanitised) file name in the collection's
 *   snapshot folder and recovered from there, and it stays there;
 * - create and recover run as tasks of their own: a client that stops waiting does
 *   not stop them (`faults.createDelayMs`, `faults.recoverDelayMs`); telemetry
 *   (`details_level >= 1`) reports `running_snapshots` / `running_snapshot_recovery`
 *   per collection; a collection is `yellow` while a snapshot is being made (Qdrant's
 *   temporary proxy segments, lib/collection/src/shards/local_shard/mod.rs).
 *
 * Snapshot bytes are either a Buffer or generated on the fly from a seed, so a
 * 2 GiB snapshot costs no memory here either. A snapshot made by `POST
 * /collections/{c}/snapshots` starts with the collection's state (vectors config
 * and points, qdrantPoints.encodeCollectionState), padded with seeded bytes up to
 * `createdSnapshotSize`; recovering such a snapshot (URL, file:// or upload)
 * replaces the collection's config and points with it, as a Qdrant recovery
 * replaces the shard's data. Bytes without that state (seeded `addSnapshot`
 * content, arbitrary uploads) recover as before: the collection exists
 * afterwards, its points are left as they were.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliCompress, createDeflate, createGzip } from 'node:zlib';

import {
	QdrantError as Refusal,
	decodeCollectionState,
	encodeCollectionState,
	isObject,
	compareIds as comparePointIds,
	parsePointId,
	parseUpsert,
	parseVectorsConfig,
	pointKey,
	selectPayload,
	selectPoints,
	selectVector,
	type CollectionData,
	type PointId,
	type StoredPoint,
	type VectorsConfig,
} from './qdrantPoints';

export interface SnapshotDescription {
	name: string;
	creation_time: string | null;
	size: number;
	checksum?: string;
}

/**
 * Where a snapshot's bytes come from: a Buffer, or generated from a seed
 * (`head`, when given, is the first bytes: a collection's state, the rest is
 * seeded padding up to `size`).
 */
export type SnapshotContent = Buffer | { size: number; seed: number; head?: Buffer };

interface StoredSnapshot {
	name: string;
	creationTime: Date | null;
	content: SnapshotContent;
	/** Local storage: the `.checksum` file's content (absent for uploads). Never used on S3. */
	checksum: string | null;
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
	/** Answer the next N list requests with 500 (for "nothing is deleted when listing fails"). */
	listFailures?: number;
	/** Answer the next N delete requests with 500. */
	deleteFailures?: number;
	/** A create takes this long (the task finishes even when the client gave up). */
	createDelayMs?: number;
	/** A recovery takes this long (the task finishes even when the client gave up). */
	recoverDelayMs?: number;
	/** The next N creates fail inside the task, after their delay (no snapshot written). */
	createTaskFailures?: number;
}

export interface RecoveryRecord {
	collection: string;
	via: 'location' | 'upload';
	location?: string;
	priority?: string | null;
	checksum?: string | null;
	/** SnapshotRecover.api_key: what Qdrant sent when fetching `location`. */
	apiKey?: string | null;
	sha256: string;
	size: number;
	/** When the recovery task finished. */
	finishedAt: Date;
}

export interface CollectionState {
	status: 'green' | 'yellow' | 'grey' | 'red';
	optimizer_status: 'ok' | { error: string };
	points_count: number | null;
}

export interface StandInOptions {
	/** When set, every non-exempt request needs this key (read-write). */
	apiKey?: string;
	/** Qdrant's `read_only_api_key`: global read access. */
	readOnlyApiKey?: string;
	/** Collections that exist at start. */
	collections?: string[];
	/** Size of the snapshot a create produces (bytes). Default 256 KiB. */
	createdSnapshotSize?: number;
	/** Clock, so tests control snapshot names and creation times. */
	now?: () => Date;
	/** `snapshots_config.snapshots_storage`. Default `local`. */
	storage?: 'local' | 's3';
	/** `service.enable_snapshot_url_recovery`. Default true. */
	enableSnapshotUrlRecovery?: boolean;
	/** Local storage only: whether the filesystem records birth times (false: creation_time is null). */
	birthTimes?: boolean;
	/** This peer's id (in snapshot names). */
	peerId?: number;
	/** `storage.snapshots_path`, for file:// locations. */
	snapshotsPath?: string;
	/** Version reported by `GET /`. */
	version?: string;
}

const CHUNK = 64 * 1024;
/** Generated snapshots are written 1 MiB at a time: fewer writes, so the stand-in is not what a benchmark measures. */
const GENERATED_CHUNK = 1024 * 1024;
export const PEER_ID = 4129783125387632;

/** The 1 MiB block a generated snapshot repeats: deterministic from the seed. */
function seededBlock(seed: number): Buffer {
	const block = Buffer.alloc(GENERATED_CHUNK);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < GENERATED_CHUNK; i++) {
		// xorshift32: cheap, deterministic, not all-zero.
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
	const head = content.head ?? Buffer.alloc(0);
	for (let off = 0; off < head.length; off += CHUNK) yield head.subarray(off, off + CHUNK);
	const block = seededBlock(content.seed);
	for (let off = head.length; off < content.size; off += GENERATED_CHUNK) {
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

/** The UTC stamp in Qdrant's snapshot names (`chrono::Utc::now().format("%Y-%m-%d-%H-%M-%S")`). */
export function nameStamp(date: Date): string {
	return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-${pad(
		date.getUTCHours(),
	)}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`;
}

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	apiKey?: string;
	acceptEncoding?: string;
}


const STATUS_TEXT: Record<number, string> = { 404: 'Not Found', 500: 'Internal Server Error' };

/** The vectors config of a collection made without one (constructor `collections`, recovery of an opaque snapshot). */
export const DEFAULT_VECTORS: VectorsConfig = { size: 4, distance: 'Cosine' };

export class QdrantStandIn {
	/** The collections that exist, each with its snapshot folder. */
	readonly collections = new Map<string, Map<string, StoredSnapshot>>();
	/** Each existing collection's vectors config and points (the points API, and what a snapshot carries). */
	readonly data = new Map<string, CollectionData>();
	/** Snapshot folders of deleted collections: Qdrant keeps `snapshots/<collection>/` when a collection is deleted. */
	private readonly detachedSnapshots = new Map<string, Map<string, StoredSnapshot>>();
	private operationId = 0;
	/** Full-storage snapshots (`/snapshots`). */
	readonly storageSnapshots = new Map<string, StoredSnapshot>();
	/** Collection state for `GET /collections/{c}` (default green, ok, 0 points). */
	readonly collectionState = new Map<string, Partial<CollectionState>>();
	readonly requests: LoggedRequest[] = [];
	readonly recoveries: RecoveryRecord[] = [];
	/** Files saved by upload on S3-backed Qdrant: they land on the local disk, which S3 listing never shows. */
	readonly localUploads = new Map<string, Buffer>();
	faults: StandInFaults = {};
	private readonly running = new Map<string, { snapshots: number; recoveries: number; total: number }>();
	private readonly tasks = new Set<Promise<unknown>>();
	private server?: Server;
	private readonly opts: StandInOptions;
	private seed = 1;

	constructor(opts: StandInOptions = {}) {
		this.opts = opts;
		for (const c of opts.collections ?? []) this.collectionStore(c, true);
	}

	get url(): string {
		const address = this.server?.address() as AddressInfo | null;
		if (!address) throw new Error('qdrantStandIn: not started');
		return `http://127.0.0.1:${address.port}`;
	}

	get storage(): 'local' | 's3' {
		return this.opts.storage ?? 'local';
	}

	get snapshotsPath(): string {
		return this.opts.snapshotsPath ?? '/qdrant/snapshots';
	}

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: unknown) => {
				if (error instanceof Refusal) return this.error(res, error.code, error.message);
				if (!res.headersSent) this.error(res, 500, `Service internal error: ${String(error)}`);
				else res.destroy();
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		return this.url;
	}

	/** Waits for the tasks still running (creates and recoveries a client gave up on). */
	async settle(): Promise<void> {
		while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
	}

	async stop(): Promise<void> {
		await this.settle();
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/** Adds a snapshot as if Qdrant had made it at `creationTime` (null: the filesystem keeps no birth time). */
	addSnapshot(
		collection: string | null,
		init: { name?: string; creationTime?: Date | null; content?: SnapshotContent; checksum?: string | null },
	): SnapshotDescription {
		const store = collection === null ? this.storageSnapshots : this.collectionStore(collection, true)!;
		const created = init.creationTime === undefined ? this.now() : init.creationTime;
		const content = init.content ?? { size: this.opts.createdSnapshotSize ?? 256 * 1024, seed: this.seed++ };
		const stamp = nameStamp(created ?? this.now());
		const name =
			init.name ??
			(collection === null ? `full-snapshot-${stamp}.snapshot` : `${collection}-${this.opts.peerId ?? PEER_ID}-${stamp}.snapshot`);
		const stored: StoredSnapshot = {
			name,
			creationTime: created,
			content,
			checksum: init.checksum === undefined ? contentSha256(content) : init.checksum,
		};
		store.set(name, stored);
		return this.describe(stored);
	}

	/** The description Qdrant would list for a stored snapshot. */
	describe(s: StoredSnapshot): SnapshotDescription {
		const s3 = this.storage === 's3';
		const birth = s3 || this.opts.birthTimes !== false;
		const description: SnapshotDescription = {
			name: s.name,
			creation_time: birth && s.creationTime ? qdrantCreationTime(s.creationTime) : null,
			size: contentSize(s.content),
		};
		// S3 storage keeps no checksum at all; local storage only when a `.checksum` file was written.
		if (!s3 && s.checksum) description.checksum = this.faults.wrongChecksum ? 'f'.repeat(64) : s.checksum;
		return description;
	}

	private now(): Date {
		return this.opts.now ? this.opts.now() : new Date();
	}

	private collectionStore(name: string, create = false, vectors: VectorsConfig = DEFAULT_VECTORS): Map<string, StoredSnapshot> | undefined {
		if (!this.collections.has(name) && create) {
			this.collections.set(name, this.detachedSnapshots.get(name) ?? new Map());
			this.detachedSnapshots.delete(name);
			this.data.set(name, { vectors, points: new Map() });
		}
		return this.collections.get(name);
	}

	/** A collection's points in id order (for tests: what a search would see). */
	points(collection: string): StoredPoint[] {
		const data = this.data.get(collection);
		return data ? selectPoints(data, undefined) : [];
	}

	private counters(collection: string) {
		let c = this.running.get(collection);
		if (!c) this.running.set(collection, (c = { snapshots: 0, recoveries: 0, total: 0 }));
		return c;
	}

	/** Runs work as Qdrant's spawned task: it finishes whether or not the client still waits. */
	private spawn<T>(work: () => Promise<T>): Promise<T> {
		const task = work();
		this.tasks.add(task);
		void task.then(
			() => this.tasks.delete(task),
			() => this.tasks.delete(task),
		);
		return task;
	}

	private json(res: ServerResponse, code: number, body: Record<string, unknown>): void {
		const text = JSON.stringify({ ...body, time: 0.000012 });
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	}

	private text(res: ServerResponse, code: number, text: string): void {
		res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	}

	private ok(res: ServerResponse, result: unknown): void {
		this.json(res, 200, { result, status: 'ok' });
	}

	private accepted(res: ServerResponse): void {
		this.json(res, 202, { status: 'accepted' });
	}

	private error(res: ServerResponse, code: number, message: string): void {
		if (res.headersSent) return void res.destroy();
		this.json(res, code, { status: { error: message } });
	}

	/** `wait` as Qdrant's query deserializer reads it (a bool; anything else is a 400). */
	private waitParam(url: URL): boolean {
		const wait = url.searchParams.get('wait');
		if (wait === null || wait === 'true') return true;
		if (wait === 'false') return false;
		throw new Refusal(400, `Deserialize error in query parameters: invalid type: string "${wait}", expected a boolean`);
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = req.method ?? 'GET';
		const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
		const apiKey = header('api-key') ?? header('authorization')?.replace(/^Bearer /, '');
		this.requests.push({
			method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			apiKey: header('api-key'),
			acceptEncoding: header('accept-encoding'),
		});
		// NormalizePath::trim: a trailing slash does not matter.
		const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
		const parts = path.split('/').filter(Boolean).map(decodeURIComponent);

		// Exempt from auth (src/actix/mod.rs: `/` exact, `/healthz` exact, `/readyz` and `/livez` prefix).
		if (method === 'GET' && path === '/') {
			req.resume();
			const body = JSON.stringify({ title: 'qdrant - vector search engine', version: this.opts.version ?? '1.19.0' });
			res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
			return void res.end(body);
		}
		if (method === 'GET' && (path === '/healthz' || path === '/livez')) return void (req.resume(), this.text(res, 200, 'healthz check passed'));
		if (method === 'GET' && path === '/readyz') return void (req.resume(), this.text(res, 200, 'all shards are ready'));

		let readOnly = false;
		const keyed = this.opts.apiKey !== undefined || this.opts.readOnlyApiKey !== undefined;
		if (keyed) {
			if (apiKey === undefined) return void (req.resume(), this.text(res, 401, 'Must provide an API key or an Authorization bearer token'));
			if (apiKey === this.opts.apiKey) readOnly = false;
			else if (apiKey === this.opts.readOnlyApiKey) readOnly = true;
			else return void (req.resume(), this.text(res, 401, 'Invalid API key or JWT'));
		}
		const requireWrite = () => {
			if (readOnly) throw new Refusal(403, 'Forbidden: Global manage access is required');
		};

		if (method === 'GET' && path === '/collections') {
			req.resume();
			return this.ok(res, { collections: [...this.collections.keys()].map((name) => ({ name })) });
		}
		if (method === 'GET' && path === '/telemetry') {
			req.resume();
			const level = Number(url.searchParams.get('details_level') ?? 0);
			const snapshots = [...this.running.entries()].map(([id, c]) => ({
				id,
				running_snapshots: c.snapshots,
				running_snapshot_recovery: c.recoveries,
				total_snapshot_creations: c.total,
			}));
			return this.ok(res, {
				id: 'stand-in',
				collections: { number_of_collections: this.collections.size, ...(level >= 1 ? { snapshots } : {}) },
			});
		}

		// Full storage snapshots.
		if (parts[0] === 'snapshots') {
			req.resume();
			if (parts.length === 1 && method === 'GET') return this.list(res, this.storageSnapshots);
			if (parts.length === 1 && method === 'POST') {
				requireWrite();
				return await this.create(res, null, this.waitParam(url));
			}
			if (parts.length === 2 && method === 'GET') return await this.download(req, res, this.storageSnapshots, parts[1]!);
			if (parts.length === 2 && method === 'DELETE') {
				requireWrite();
				return await this.remove(res, this.storageSnapshots, parts[1]!, this.waitParam(url));
			}
		}

		if (parts[0] === 'collections' && parts.length === 2 && method === 'GET') {
			req.resume();
			return this.collectionInfo(res, parts[1]!);
		}
		if (parts[0] === 'collections' && parts.length === 2 && (method === 'PUT' || method === 'DELETE')) {
			requireWrite();
			const body = method === 'PUT' ? await this.readJson(req) : (req.resume(), undefined);
			return method === 'PUT' ? this.createCollection(res, parts[1]!, body) : this.deleteCollection(res, parts[1]!);
		}
		if (parts[0] === 'collections' && parts.length === 3 && parts[2] === 'exists' && method === 'GET') {
			req.resume();
			return this.ok(res, { exists: this.collections.has(parts[1]!) });
		}
		if (parts[0] === 'collections' && parts[2] === 'points') {
			const route = `${method} ${parts.slice(3).join('/')}`;
			if (['PUT ', 'POST delete', 'POST scroll', 'POST count', 'POST '].includes(route)) {
				if (route === 'PUT ' || route === 'POST delete') requireWrite();
				const wait = this.waitParam(url);
				const ordering = url.searchParams.get('ordering');
				if (ordering !== null && !['weak', 'medium', 'strong'].includes(ordering)) {
					throw new Refusal(400, `Deserialize error in query parameters: unknown variant \`${ordering}\`, expected one of \`weak\`, \`medium\`, \`strong\``);
				}
				const body = await this.readJson(req);
				const data = this.data.get(parts[1]!);
				if (!data) throw new Refusal(404, `Not found: Collection \`${parts[1]!}\` doesn't exist!`);
				if (route === 'PUT ') return this.upsert(res, data, body, wait);
				if (route === 'POST delete') return this.deletePoints(res, data, body, wait);
				if (route === 'POST scroll') return this.scroll(res, data, body);
				if (route === 'POST count') return this.ok(res, { count: selectPoints(data, isObject(body) ? body.filter : undefined).length });
				return this.retrieve(res, data, body);
			}
		}

		if (parts[0] === 'collections' && parts[2] === 'snapshots' && parts.length >= 3) {
			const collection = parts[1]!;
			const store = this.collectionStore(collection);
			const missing = `Not found: Collection \`${collection}\` doesn't exist!`;
			if (parts.length === 4 && parts[3] === 'recover' && method === 'PUT') return await this.recover(req, res, collection, url, readOnly);
			if (parts.length === 4 && parts[3] === 'upload' && method === 'POST') return await this.upload(req, res, collection, url, readOnly);
			if (parts.length === 4 && method === 'GET') {
				req.resume();
				// The download endpoint answers errors in plain text (actix's default ResponseError body).
				if (!store) return this.text(res, 404, missing);
				return await this.download(req, res, store, parts[3]!);
			}
			req.resume();
			if (!store) return this.error(res, 404, missing);
			if (parts.length === 3 && method === 'GET') return this.list(res, store);
			if (parts.length === 3 && method === 'POST') {
				requireWrite();
				return await this.create(res, collection, this.waitParam(url));
			}
			if (parts.length === 4 && method === 'DELETE') {
				requireWrite();
				return await this.remove(res, store, parts[3]!, this.waitParam(url));
			}
		}
		req.resume();
		this.text(res, 404, '');
	}

	/** A JSON body as actix's Json extractor reads it: unparsable (or empty) is a 400 "Format error in JSON body". */
	private async readJson(req: IncomingMessage): Promise<unknown> {
		const text = (await this.readBody(req)).toString('utf8');
		try {
			return JSON.parse(text) as unknown;
		} catch (error) {
			throw new Refusal(400, `Format error in JSON body: ${text.trim() === '' ? 'EOF while parsing a value at line 1 column 0' : (error as Error).message}`);
		}
	}

	/** `PUT /collections/{c}` (collections_api.rs → create_collection): `true`; an existing name is 409 AlreadyExists. */
	private createCollection(res: ServerResponse, name: string, body: unknown): void {
		if (!isObject(body)) throw new Refusal(400, 'Format error in JSON body: invalid type, expected struct CreateCollection');
		const vectors = parseVectorsConfig(body.vectors);
		if (this.collections.has(name)) throw new Refusal(409, `Wrong input: Collection \`${name}\` already exists!`);
		this.collectionStore(name, true, vectors);
		this.ok(res, true);
	}

	/** `DELETE /collections/{c}`: `true` when it existed, `false` otherwise (toc delete_collection). Its snapshots stay. */
	private deleteCollection(res: ServerResponse, name: string): void {
		const store = this.collections.get(name);
		if (store) {
			this.detachedSnapshots.set(name, store);
			this.collections.delete(name);
			this.data.delete(name);
			this.collectionState.delete(name);
		}
		this.ok(res, store !== undefined);
	}

	/** UpdateResult: `completed` when the client waited, `acknowledged` otherwise (the change is applied either way here). */
	private updated(res: ServerResponse, wait: boolean): void {
		this.ok(res, { operation_id: this.operationId++, status: wait ? 'completed' : 'acknowledged' });
	}

	private upsert(res: ServerResponse, data: CollectionData, body: unknown, wait: boolean): void {
		// Parsed whole before anything is written: one bad point refuses the whole request.
		const points = parseUpsert(body, data.vectors);
		for (const p of points) data.points.set(pointKey(p.id), p);
		this.updated(res, wait);
	}

	/** PointsSelector: `{points: [ids]}` or `{filter}`. */
	private deletePoints(res: ServerResponse, data: CollectionData, body: unknown, wait: boolean): void {
		if (isObject(body) && Array.isArray(body.points)) {
			for (const id of body.points.map(parsePointId)) data.points.delete(pointKey(id));
		} else if (isObject(body) && 'filter' in body) {
			for (const p of selectPoints(data, body.filter)) data.points.delete(pointKey(p.id));
		} else {
			throw new Refusal(400, 'Format error in JSON body: data did not match any variant of untagged enum PointsSelector');
		}
		this.updated(res, wait);
	}

	private record(p: StoredPoint, withPayload: unknown, withVector: unknown): Record<string, unknown> {
		const record: Record<string, unknown> = { id: p.id };
		const payload = selectPayload(p.payload, withPayload);
		if (payload !== undefined) record.payload = payload;
		const vector = selectVector(p.vector, withVector);
		if (vector !== undefined) record.vector = vector;
		return record;
	}

	/** ScrollRequest → ScrollResult: points from `offset` in id order, `next_page_offset` the id after the page. */
	private scroll(res: ServerResponse, data: CollectionData, body: unknown): void {
		if (!isObject(body)) throw new Refusal(400, 'Format error in JSON body: invalid type, expected struct ScrollRequest');
		const limit = body.limit ?? 10;
		if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
			throw new Refusal(400, `Format error in JSON body: invalid value: ${JSON.stringify(limit)}, expected usize`);
		}
		if (limit < 1) throw new Refusal(422, `Validation error in JSON body: [limit: value ${limit} invalid, must be 1 or larger]`);
		if (body.order_by != null) throw new Refusal(400, 'Bad request: the Qdrant stand-in does not order scrolls by payload');
		const offset: PointId | undefined = body.offset == null ? undefined : parsePointId(body.offset);
		let points = selectPoints(data, body.filter);
		if (offset !== undefined) {
			const start = points.findIndex((p) => comparePointIds(p.id, offset) >= 0);
			points = start === -1 ? [] : points.slice(start);
		}
		const page = points.slice(0, limit);
		this.ok(res, {
			points: page.map((p) => this.record(p, body.with_payload, body.with_vector ?? body.with_vectors)),
			next_page_offset: points.length > limit ? points[limit]!.id : null,
		});
	}

	/** `POST /collections/{c}/points` (PointRequest): the points with these ids that exist, in the order asked. */
	private retrieve(res: ServerResponse, data: CollectionData, body: unknown): void {
		if (!isObject(body) || !Array.isArray(body.ids)) throw new Refusal(400, 'Format error in JSON body: missing field `ids`');
		const found = body.ids.map(parsePointId).flatMap((id) => data.points.get(pointKey(id)) ?? []);
		this.ok(res, found.map((p) => this.record(p, body.with_payload, body.with_vector ?? body.with_vectors)));
	}

	private collectionInfo(res: ServerResponse, name: string): void {
		if (!this.collections.has(name)) return this.error(res, 404, `Not found: Collection \`${name}\` doesn't exist!`);
		const state = this.collectionState.get(name) ?? {};
		// Qdrant reports yellow while a snapshot runs: it wraps segments in temporary proxy segments.
		const snapshotting = (this.running.get(name)?.snapshots ?? 0) > 0;
		const data = this.data.get(name)!;
		const points = state.points_count === undefined ? data.points.size : state.points_count;
		this.ok(res, {
			status: snapshotting && (state.status ?? 'green') === 'green' ? 'yellow' : (state.status ?? 'green'),
			optimizer_status: state.optimizer_status ?? 'ok',
			indexed_vectors_count: points === null ? null : 0,
			points_count: points,
			segments_count: 2,
			config: {
				params: { vectors: data.vectors, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
				hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
				optimizer_config: {
					deleted_threshold: 0.2,
					vacuum_min_vector_number: 1000,
					default_segment_number: 0,
					max_segment_size: null,
					memmap_threshold: null,
					indexing_threshold: 10000,
					flush_interval_sec: 5,
					max_optimization_threads: null,
				},
				wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
				quantization_config: null,
			},
			payload_schema: {},
		});
	}

	private list(res: ServerResponse, store: Map<string, StoredSnapshot>): void {
		if (this.faults.listFailures) {
			this.faults.listFailures--;
			return this.error(res, 500, 'Service internal error: injected list failure');
		}
		this.ok(res, [...store.values()].map((s) => this.describe(s)));
	}

	private async create(res: ServerResponse, collection: string | null, wait: boolean): Promise<void> {
		if (this.faults.createFailures) {
			this.faults.createFailures--;
			return this.error(res, 500, 'Service internal error: No space left on device (os error 28)');
		}
		const delay = this.faults.createDelayMs ?? 0;
		const failInTask = (this.faults.createTaskFailures ?? 0) > 0;
		if (failInTask) this.faults.createTaskFailures!--;
		const counter = collection === null ? undefined : this.counters(collection);
		if (counter) counter.snapshots++;
		// The name is taken when the task starts (chrono::Utc::now() in Collection::create_snapshot), and
		// so is the state: a collection snapshot carries the points it had then.
		const startedAt = this.now();
		const content = collection === null ? undefined : this.stateContent(collection);
		const task = this.spawn(async () => {
			try {
				if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
				if (failInTask) throw new Refusal(500, 'Service internal error: failed to create snapshot archive: No space left on device (os error 28)');
				return this.addSnapshot(collection, { creationTime: startedAt, content });
			} finally {
				if (counter) {
					counter.snapshots--;
					counter.total++;
				}
			}
		});
		if (!wait) {
			task.catch(() => undefined);
			return this.accepted(res);
		}
		try {
			const description = await task;
			if (!res.destroyed) this.ok(res, description);
		} catch (error) {
			if (!res.destroyed) this.error(res, error instanceof Refusal ? error.code : 500, (error as Error).message);
		}
	}

	/**
	 * A collection snapshot's bytes: the encoded state, padded with seeded bytes up to
	 * `createdSnapshotSize` (so backup tests and benchmarks still choose the size).
	 */
	private stateContent(collection: string): SnapshotContent {
		const head = encodeCollectionState(this.data.get(collection)!);
		const size = this.opts.createdSnapshotSize ?? 256 * 1024;
		return head.length >= size ? head : { size, seed: this.seed++, head };
	}

	private async remove(res: ServerResponse, store: Map<string, StoredSnapshot>, name: string, wait: boolean): Promise<void> {
		if (!store.has(name)) return this.error(res, 404, `Not found: Snapshot ${name} not found`);
		if (this.faults.deleteFailures) {
			this.faults.deleteFailures--;
			return this.error(res, 500, 'Service internal error: injected delete failure');
		}
		store.delete(name);
		if (!wait) return this.accepted(res);
		this.ok(res, true);
	}

	private async download(req: IncomingMessage, res: ServerResponse, store: Map<string, StoredSnapshot>, name: string): Promise<void> {
		const snapshot = store.get(name);
		if (!snapshot) return this.text(res, 404, `Not found: Snapshot ${name} not found`);
		const size = contentSize(snapshot.content);
		const encoding = negotiate(String(req.headers['accept-encoding'] ?? ''));
		const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
		if (encoding) headers['content-encoding'] = encoding;
		if (this.storage === 'local') {
			headers['content-disposition'] = `attachment; filename="${name}"`;
			if (!encoding) headers['content-length'] = size;
		}
		res.writeHead(200, headers);
		// Headers go out at once, as from Qdrant's streaming file response; a slow body trickles after them.
		res.flushHeaders();
		if (!encoding) return await this.send(res, snapshot.content, res);
		const compressor = encoding === 'br' ? createBrotliCompress() : encoding === 'gzip' ? createGzip() : createDeflate();
		const piping = pipeline(compressor, res).catch(() => undefined);
		await this.send(res, snapshot.content, compressor);
		await piping;
	}

	/** Streams the content with backpressure, applying the download faults. */
	private async send(res: ServerResponse, content: SnapshotContent, sink: NodeJS.WritableStream): Promise<void> {
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
					sink.write(piece);
					// Let the piece leave, then drop the connection without finishing the body.
					await new Promise((resolve) => setTimeout(resolve, 20));
					res.socket?.destroy();
					return;
				}
				sent += piece.length;
				if (!sink.write(piece)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
			}
		}
		sink.end();
	}

	private async readBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks);
	}

	/** The bytes behind a recover location, fetched the way Qdrant fetches them. */
	private async fetchLocation(location: URL, apiKey: string | undefined): Promise<Buffer> {
		if (location.protocol === 'file:') {
			const path = posix.normalize(decodeURIComponent(location.pathname));
			const rel = posix.relative(this.snapshotsPath, path);
			// download.rs: the path must exist (400), then lie inside the snapshots folder (403). The stand-in
			// cannot see Qdrant's disk outside that folder, so it takes such paths as existing.
			if (rel.startsWith('..') || posix.isAbsolute(rel)) {
				throw new Refusal(403, `Forbidden: Snapshot file path must be inside the snapshots directory "${this.snapshotsPath}"`);
			}
			const parts = rel.split('/');
			const stored =
				parts.length === 2 ? this.collections.get(parts[0]!)?.get(parts[1]!) : parts.length === 1 ? this.storageSnapshots.get(parts[0]!) : undefined;
			if (!stored) throw new Refusal(400, `Bad request: Snapshot file "${path}" does not exist`);
			return Buffer.concat([...contentChunks(stored.content)]);
		}
		if (location.protocol !== 'http:' && location.protocol !== 'https:') {
			throw new Refusal(400, `Bad request: URL ${location.href} with scheme ${location.protocol.slice(0, -1)} is not supported`);
		}
		return await new Promise<Buffer>((resolve, reject) => {
			const get = httpGet(location, { headers: apiKey ? { 'api-key': apiKey } : {} }, (answer) => {
				const chunks: Buffer[] = [];
				answer.on('data', (c: Buffer) => chunks.push(c));
				answer.on('end', () => {
					if ((answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 300) resolve(Buffer.concat(chunks));
					else {
						const code = answer.statusCode ?? 0;
						reject(new Refusal(400, `Wrong input: Failed to download tar from ${location.href}: status - ${code} ${STATUS_TEXT[code] ?? ''}`.trim()));
					}
				});
				answer.on('error', reject);
			});
			get.on('error', (error) => reject(new Refusal(500, `Service internal error: error sending request for url (${location.href}): ${error.message}`)));
		});
	}

	/** Runs a recovery as Qdrant's task; resolves when it is over. */
	private recoveryTask(collection: string, record: Omit<RecoveryRecord, 'finishedAt'>, state: CollectionData | undefined): Promise<void> {
		const counter = this.counters(collection);
		counter.recoveries++;
		const delay = this.faults.recoverDelayMs ?? 0;
		return this.spawn(async () => {
			try {
				if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
				this.collectionStore(collection, true);
				// A stand-in snapshot replaces the collection's config and points, as Qdrant's recovery
				// replaces the shard's data; opaque bytes (seeded test snapshots) leave them as they are.
				if (state) this.data.set(collection, { vectors: state.vectors, points: new Map(state.points) });
				this.recoveries.push({ ...record, finishedAt: new Date() });
			} finally {
				counter.recoveries--;
			}
		});
	}

	private async recover(req: IncomingMessage, res: ServerResponse, collection: string, url: URL, readOnly: boolean): Promise<void> {
		const raw = (await this.readBody(req)).toString('utf8');
		const wait = this.waitParam(url);
		let body: { location?: unknown; priority?: unknown; checksum?: unknown; api_key?: unknown };
		try {
			body = JSON.parse(raw);
		} catch (error) {
			throw new Refusal(400, `Format error in JSON body: ${(error as Error).message}`);
		}
		if (typeof body.location !== 'string') throw new Refusal(400, 'Format error in JSON body: missing field `location`');
		let location: URL;
		try {
			location = new URL(body.location);
		} catch {
			throw new Refusal(400, 'Format error in JSON body: relative URL without a base');
		}
		if (body.priority != null && !['no_sync', 'snapshot', 'replica'].includes(String(body.priority))) {
			throw new Refusal(400, `Format error in JSON body: unknown variant \`${String(body.priority)}\`, expected one of \`no_sync\`, \`snapshot\`, \`replica\``);
		}
		const checksum = typeof body.checksum === 'string' ? body.checksum : undefined;
		if (checksum !== undefined && !/^[0-9a-fA-F]{64}$/.test(checksum)) {
			throw new Refusal(422, 'Validation error in JSON body: [checksum: invalid_sha256_hash]');
		}
		if (this.opts.enableSnapshotUrlRecovery === false && /^https?:$/.test(location.protocol)) {
			throw new Refusal(403, 'Forbidden: Snapshot recovery from remote URLs is disabled in the configuration');
		}
		// do_recover_from_snapshot checks global manage access.
		if (readOnly) throw new Refusal(403, 'Forbidden: Global manage access is required');
		const apiKey = typeof body.api_key === 'string' ? body.api_key : undefined;
		const work = (async () => {
			const bytes = await this.fetchLocation(location, apiKey);
			const sha256 = createHash('sha256').update(bytes).digest('hex');
			if (checksum && checksum.toLowerCase() !== sha256) {
				throw new Refusal(400, `Wrong input: Snapshot checksum mismatch: expected ${checksum}, got ${sha256}`);
			}
			await this.recoveryTask(
				collection,
				{
					collection,
					via: 'location',
					location: body.location as string,
					priority: (body.priority as string | undefined) ?? null,
					checksum: checksum ?? null,
					apiKey: apiKey ?? null,
					sha256,
					size: bytes.length,
				},
				decodeCollectionState(bytes),
			);
		})();
		await this.answerTask(res, work, wait);
	}

	private async answerTask(res: ServerResponse, work: Promise<void>, wait: boolean): Promise<void> {
		this.tasks.add(work);
		void work.then(
			() => this.tasks.delete(work),
			() => this.tasks.delete(work),
		);
		if (!wait) {
			work.catch(() => undefined);
			return this.accepted(res);
		}
		try {
			await work;
			if (!res.destroyed) this.ok(res, true);
		} catch (error) {
			if (!res.destroyed) this.error(res, error instanceof Refusal ? error.code : 500, (error as Error).message);
		}
	}

	private async upload(req: IncomingMessage, res: ServerResponse, collection: string, url: URL, readOnly: boolean): Promise<void> {
		// The auth extractor runs before the multipart body is spooled (GHSA-3v92-w72v-j994).
		if (readOnly) {
			req.resume();
			throw new Refusal(403, 'Forbidden: Global manage access is required');
		}
		const wait = this.waitParam(url);
		const priority = url.searchParams.get('priority');
		if (priority !== null && !['no_sync', 'snapshot', 'replica'].includes(priority)) {
			req.resume();
			throw new Refusal(400, `Deserialize error in query parameters: unknown variant \`${priority}\`, expected one of \`no_sync\`, \`snapshot\`, \`replica\``);
		}
		const checksum = url.searchParams.get('checksum');
		if (checksum !== null && !/^[0-9a-fA-F]{64}$/.test(checksum)) {
			req.resume();
			throw new Refusal(422, 'Validation error in query parameters: [checksum: invalid_sha256_hash]');
		}
		const type = req.headers['content-type'] ?? '';
		const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2];
		const body = await this.readBody(req);
		if (!boundary) throw new Refusal(400, 'Content type error');
		const part = extractMultipartFile(body, boundary, 'snapshot');
		if (!part) throw new Refusal(400, 'Field `snapshot` is required');
		const sha256 = createHash('sha256').update(part.file).digest('hex');
		if (checksum && checksum.toLowerCase() !== sha256) {
			// StorageError::checksum_mismatch(snapshot_checksum, checksum): Qdrant's own argument order.
			throw new Refusal(400, `Checksum mismatch: expected ${sha256}, actual ${checksum}`);
		}
		// do_save_uploaded_snapshot: only the file name's last component, else a UUID.
		const fileName = (part.fileName && basename(part.fileName.replace(/\\/g, '/'))) || randomUUID();
		// Saved into the collection's local snapshot folder, without a `.checksum` file, and left there.
		if (this.storage === 'local') {
			this.collectionStore(collection, true)!.set(fileName, { name: fileName, creationTime: this.now(), content: part.file, checksum: null });
		} else {
			this.localUploads.set(`${collection}/${fileName}`, part.file);
		}
		const state = decodeCollectionState(part.file);
		const work = this.recoveryTask(collection, { collection, via: 'upload', priority, checksum, sha256, size: part.file.length }, state);
		await this.answerTask(res, work, wait);
	}
}

/** The coding actix's Compress picks from Accept-Encoding (br, then gzip, then deflate), or none. */
function negotiate(accept: string): 'br' | 'gzip' | 'deflate' | undefined {
	const offered = new Map<string, number>();
	for (const item of accept.split(',')) {
		const [name, ...params] = item.trim().toLowerCase().split(';');
		if (!name) continue;
		const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
		offered.set(name, q === undefined ? 1 : Number(q));
	}
	for (const coding of ['br', 'gzip', 'deflate'] as const) {
		if ((offered.get(coding) ?? 0) > 0) return coding;
	}
	return undefined;
}

function splitChunk(chunk: Buffer, size: number): Buffer[] {
	const out: Buffer[] = [];
	for (let off = 0; off < chunk.length; off += size) out.push(chunk.subarray(off, off + size));
	return out;
}

/** The bytes and file name of the named file part of a multipart/form-data body. */
export function extractMultipartFile(
	body: Buffer,
	boundary: string,
	field: string,
): { file: Buffer; fileName?: string } | undefined {
	const delimiter = Buffer.from(`--${boundary}`);
	let start = body.indexOf(delimiter);
	while (start !== -1) {
		const next = body.indexOf(delimiter, start + delimiter.length);
		if (next === -1) break;
		const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after boundary, before next
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const headers = part.subarray(0, headerEnd).toString('utf8');
			if (new RegExp(`name="${field}"`).test(headers)) {
				return { file: part.subarray(headerEnd + 4), fileName: /filename="([^"]*)"/.exec(headers)?.[1] };
			}
		}
		start = next;
	}
	return undefined;
}

/** A Readable of a snapshot's bytes (for tests that upload through other clients). */
export function contentStream(content: SnapshotContent): Readable {
	return Readable.from(contentChunks(content));
}
