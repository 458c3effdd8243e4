/**
 * Contract test: the Qdrant stand-in (testbed/stack/qdrantStandIn.ts) driven by
 * the official client, @qdrant/js-client-rest 1.19.0, for every snapshot
 * method, the health endpoints, and the collections and points methods the
 * example stack uses (create / delete collection, upsert, delete, scroll,
 * count, retrieve).
 *
 * Two things are held here:
 * - the answers fit the client's own types: the key lists below are declared
 *   `satisfies Record<keyof Schemas[...], …>`, so `npm run typecheck` fails when
 *   the client's types gain or lose a field, and every answer is checked at run
 *   time against them (no unknown key, every required key, the right JSON types);
 * - the status codes are the ones Qdrant v1.19.0's source gives
 *   (src/actix/helpers.rs `time_or_accept` → 202 for wait=false; StorageError →
 *   HTTP code mapping; validation_error_handler → 400/422; src/actix/auth.rs →
 *   plain-text 401; lib/storage/src/rbac → 403 for the read-only key).
 *
 * What the client itself does with them is asserted too: it throws on a 202
 * (its middleware accepts only 200/201), so `createSnapshot(c, {wait: false})`
 * never returns the `null` its type promises against a real Qdrant.
 */
import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';

import { QdrantClient, QdrantClientUnexpectedResponseError, type Schemas } from '@qdrant/js-client-rest';

import { contentChunks, QdrantStandIn } from '../../../../testbed/stack/qdrantStandIn';

const KEY = 'contract-key';
const READ_ONLY = 'contract-ro';

/** JSON types a field may have, per the client's schema (`undefined`: optional). */
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'undefined';

const SNAPSHOT_DESCRIPTION = {
	name: ['string'],
	creation_time: ['string', 'null', 'undefined'],
	size: ['number'],
	checksum: ['string', 'null', 'undefined'],
} as const satisfies Record<keyof Schemas['SnapshotDescription'], readonly Kind[]>;

const VERSION_INFO = {
	title: ['string'],
	version: ['string'],
	commit: ['string', 'null', 'undefined'],
} as const satisfies Record<keyof Schemas['VersionInfo'], readonly Kind[]>;

const COLLECTION_INFO = {
	status: ['string'],
	optimizer_status: ['string', 'object'],
	warnings: ['array', 'undefined'],
	indexed_vectors_count: ['number', 'null', 'undefined'],
	points_count: ['number', 'null', 'undefined'],
	segments_count: ['number'],
	config: ['object'],
	payload_schema: ['object'],
	update_queue: ['object', 'null', 'undefined'],
} as const satisfies Record<keyof Schemas['CollectionInfo'], readonly Kind[]>;

const COLLECTION_STATUS: ReadonlyArray<Schemas['CollectionStatus']> = ['green', 'yellow', 'grey', 'red'];

const UPDATE_RESULT = {
	operation_id: ['number', 'null', 'undefined'],
	status: ['string'],
} as const satisfies Record<keyof Schemas['UpdateResult'], readonly Kind[]>;

const SCROLL_RESULT = {
	points: ['array'],
	next_page_offset: ['number', 'string', 'null', 'undefined'],
} as const satisfies Record<keyof Schemas['ScrollResult'], readonly Kind[]>;

const RECORD = {
	id: ['number', 'string'],
	payload: ['object', 'null', 'undefined'],
	vector: ['array', 'object', 'null', 'undefined'],
	shard_key: ['string', 'number', 'null', 'undefined'],
	order_value: ['number', 'null', 'undefined'],
} as const satisfies Record<keyof Schemas['Record'], readonly Kind[]>;

const COUNT_RESULT = { count: ['number'] } as const satisfies Record<keyof Schemas['CountResult'], readonly Kind[]>;
const UPDATE_STATUS: ReadonlyArray<Schemas['UpdateStatus']> = ['acknowledged', 'completed', 'wait_timeout'];

function kindOf(value: unknown): Kind {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value as Kind;
}

/** Fails with the offending field when `value` does not fit the declared shape. */
function fits(value: unknown, shape: Record<string, readonly Kind[]>, what: string): void {
	expect([what, kindOf(value)]).toEqual([what, 'object']);
	const object = value as Record<string, unknown>;
	for (const key of Object.keys(object)) expect([what, key, key in shape]).toEqual([what, key, true]);
	for (const [key, kinds] of Object.entries(shape)) {
		expect([what, key, kinds.includes(kindOf(object[key]))]).toEqual([what, key, true]);
	}
}

async function rejection(promise: Promise<unknown>): Promise<{ status?: number; data?: unknown; message: string; name: string }> {
	try {
		await promise;
	} catch (error) {
		return error as { status?: number; data?: unknown; message: string; name: string };
	}
	throw new Error('expected the call to fail');
}

let qdrant: QdrantStandIn;
let client: QdrantClient;

const clientFor = (apiKey?: string) =>
	// The version check runs a GET / in the background; it is asserted below, not needed per client.
	new QdrantClient({ url: qdrant.url, apiKey, checkCompatibility: false });

beforeAll(() => {
	// The client warns on every API key over http; these servers are on 127.0.0.1.
	jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(() => {
	jest.restoreAllMocks();
});

beforeEach(async () => {
	qdrant = new QdrantStandIn({ apiKey: KEY, readOnlyApiKey: READ_ONLY, collections: ['docs'], createdSnapshotSize: 30_000 });
	await qdrant.start();
	client = clientFor(KEY);
});
afterEach(async () => {
	await qdrant.stop();
});

describe('health endpoints and version (no key needed)', () => {
	test('GET / fits VersionInfo, and the client finds the server compatible', async () => {
		const anonymous = clientFor(undefined);
		const info = await anonymous.versionInfo();
		fits(info, VERSION_INFO, 'VersionInfo');
		expect(info).toMatchObject({ title: 'qdrant - vector search engine', version: '1.19.0' });
		const warn = console.warn as jest.Mock;
		warn.mockClear();
		new QdrantClient({ url: qdrant.url, checkCompatibility: true });
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(warn).not.toHaveBeenCalled();
	});

	test('/healthz, /livez, /readyz answer 200 text without a key', async () => {
		const api = clientFor(undefined).api();
		expect((await api.healthz({})).data).toBe('healthz check passed');
		expect((await api.livez({})).data).toBe('healthz check passed');
		const ready = await api.readyz({});
		expect([ready.status, ready.data]).toEqual([200, 'all shards are ready']);
	});

	test('getCollection fits CollectionInfo; a missing collection is 404 with Qdrant’s text', async () => {
		const info = await client.getCollection('docs');
		fits(info, COLLECTION_INFO, 'CollectionInfo');
		expect(COLLECTION_STATUS).toContain(info.status);
		const missing = await rejection(client.getCollection('nope'));
		expect([missing.status, missing.data]).toEqual([404, { status: { error: 'Not found: Collection `nope` doesn\'t exist!' }, time: expect.any(Number) }]);
	});
});

describe('collection snapshots', () => {
	test('createSnapshot (wait) and listSnapshots fit SnapshotDescription; names carry peer id and UTC time', async () => {
		const created = await client.createSnapshot('docs', { wait: true });
		fits(created, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
		expect(created!.name).toMatch(/^docs-4129783125387632-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$/);
		expect(created!.checksum).toMatch(/^[0-9a-f]{64}$/);
		const list = await client.listSnapshots('docs');
		for (const s of list) fits(s, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
		expect(list.map((s) => s.name)).toEqual([created!.name]);
	});

	test('createSnapshot with wait=false: 202 {status: "accepted"} and no result; the client throws on it', async () => {
		const error = await rejection(client.createSnapshot('docs', { wait: false }));
		expect(error).toBeInstanceOf(QdrantClientUnexpectedResponseError);
		expect(error.message).toContain('Unexpected Response: 202 (Accepted)');
		const raw = await fetch(`${qdrant.url}/collections/docs/snapshots?wait=false`, { method: 'POST', headers: { 'api-key': KEY } });
		expect(raw.status).toBe(202);
		const body = (await raw.json()) as Record<string, unknown>;
		expect(body).toEqual({ status: 'accepted', time: expect.any(Number) });
		await qdrant.settle();
		// The tasks went on (both in the same second get the same name, as Qdrant names snapshots by the second).
		expect((await client.listSnapshots('docs')).length).toBeGreaterThan(0);
	});

	test('getSnapshot streams the file; its errors are plain text (404), not JSON', async () => {
		const stored = qdrant.addSnapshot('docs', { content: Buffer.from('plain ascii snapshot bytes '.repeat(100)) });
		const ok = await client.api().getSnapshot({ collection_name: 'docs', snapshot_name: stored.name });
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-disposition')).toBe(`attachment; filename="${stored.name}"`);
		expect(ok.data).toBe('plain ascii snapshot bytes '.repeat(100));
		const missing = await rejection(client.api().getSnapshot({ collection_name: 'docs', snapshot_name: 'gone.snapshot' }));
		expect([missing.status, missing.data]).toEqual([404, 'Not found: Snapshot gone.snapshot not found']);
		const noCollection = await rejection(client.api().getSnapshot({ collection_name: 'nope', snapshot_name: 'x.snapshot' }));
		expect([noCollection.status, noCollection.data]).toEqual([404, 'Not found: Collection `nope` doesn\'t exist!']);
	});

	test('deleteSnapshot: true; wait=false is 202; a missing one is 404 JSON', async () => {
		const a = await client.createSnapshot('docs');
		expect(await client.deleteSnapshot('docs', a!.name)).toBe(true);
		const b = qdrant.addSnapshot('docs', { name: 'docs-1-2026-01-01-00-00-00.snapshot' });
		const accepted = await rejection(client.deleteSnapshot('docs', b.name, { wait: false }));
		expect(accepted.message).toContain('202');
		const missing = await rejection(client.deleteSnapshot('docs', 'gone.snapshot'));
		expect([missing.status, (missing.data as { status: { error: string } }).status.error]).toEqual([404, 'Not found: Snapshot gone.snapshot not found']);
	});

	test('recoverSnapshot from a URL (with api_key): true; checksum mismatch 400; malformed checksum 422; bad JSON 400', async () => {
		const s = await client.createSnapshot('docs');
		const location = `${qdrant.url}/collections/docs/snapshots/${s!.name}`;
		expect(await client.recoverSnapshot('docs-copy', { location, priority: 'snapshot', checksum: s!.checksum!, api_key: KEY })).toBe(true);
		expect(qdrant.recoveries[0]).toMatchObject({ collection: 'docs-copy', apiKey: KEY, sha256: s!.checksum });

		const mismatch = await rejection(client.recoverSnapshot('docs', { location, checksum: 'a'.repeat(64), api_key: KEY }));
		expect(mismatch.status).toBe(400);
		expect((mismatch.data as { status: { error: string } }).status.error).toMatch(/^Wrong input: Snapshot checksum mismatch: expected a{64}, got [0-9a-f]{64}$/);
		const malformed = await rejection(client.recoverSnapshot('docs', { location, checksum: 'abc', api_key: KEY }));
		expect(malformed.status).toBe(422);
		const badJson = await fetch(`${qdrant.url}/collections/docs/snapshots/recover`, { method: 'PUT', headers: { 'api-key': KEY, 'content-type': 'application/json' }, body: '{"priority":"snapshot"}' });
		expect(badJson.status).toBe(400);
		const unreachable = await rejection(client.recoverSnapshot('docs', { location: 'http://127.0.0.1:9/x.snapshot' }));
		expect(unreachable.status).toBe(500);
	});

	test('recover by upload (multipart, field "snapshot"): true, and the uploaded file stays as a snapshot without checksum', async () => {
		const s = qdrant.addSnapshot('docs', { content: { size: 5000, seed: 3 } });
		const bytes = Buffer.concat([...contentChunks({ size: 5000, seed: 3 })]);
		// The client copies its payload into a plain object (openapi-typescript-fetch getFetchParams), so it
		// cannot send FormData: the upload goes through fetch, as its README suggests for uploads.
		const form = new FormData();
		form.append('snapshot', new Blob([bytes]), 'uploaded.snapshot');
		const answer = await fetch(`${qdrant.url}/collections/restored/snapshots/upload?priority=snapshot&checksum=${s.checksum}`, { method: 'POST', headers: { 'api-key': KEY }, body: form });
		expect(answer.status).toBe(200);
		expect(await answer.json()).toEqual({ result: true, status: 'ok', time: expect.any(Number) });
		const listed = await client.listSnapshots('restored');
		expect(listed).toEqual([{ name: 'uploaded.snapshot', creation_time: expect.any(String), size: 5000 }]);
		for (const l of listed) fits(l, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
	});
});

describe('collections and points (collections_api.rs, update_api.rs, retrieve_api.rs, count_api.rs)', () => {
	const U1 = '6a6e2b7c-1f0e-4c3a-9d2b-0c5e8f7a1b2c';
	const U2 = 'F0000000-0000-4000-8000-000000000001';
	const points = [
		{ id: 2, vector: [3, 4, 0, 0], payload: { doc_id: 'a#one', tags: ['x', 'y'] } },
		{ id: 10, vector: [0, 0, 0, 2], payload: { doc_id: 'a#two', tags: ['y'] } },
		{ id: U2, vector: [1, 1, 1, 1], payload: { doc_id: 'b#three', nested: { level: 2 } } },
		{ id: U1, vector: [0, 1, 0, 0], payload: { doc_id: 'b#four' } },
	];

	beforeEach(async () => {
		expect(await client.createCollection('chunks', { vectors: { size: 4, distance: 'Cosine' } })).toBe(true);
	});

	test('createCollection / collectionExists / deleteCollection; creating an existing one is 409, deleting a missing one false', async () => {
		expect(await client.collectionExists('chunks')).toEqual({ exists: true });
		const again = await rejection(client.createCollection('chunks', { vectors: { size: 4, distance: 'Cosine' } }));
		expect([again.status, (again.data as { status: { error: string } }).status.error]).toEqual([409, 'Wrong input: Collection `chunks` already exists!']);
		const tooBig = await rejection(client.createCollection('huge', { vectors: { size: 70_000, distance: 'Dot' } }));
		expect([tooBig.status, (tooBig.data as { status: { error: string } }).status.error]).toEqual([422, 'Validation error in JSON body: [vectors.size: value 70000 invalid, must be from 1 to 65536]']);
		const info = await client.getCollection('chunks');
		fits(info, COLLECTION_INFO, 'CollectionInfo');
		expect(info.config.params.vectors).toEqual({ size: 4, distance: 'Cosine' });
		expect(await client.deleteCollection('chunks')).toBe(true);
		expect(await client.deleteCollection('chunks')).toBe(false);
		expect(await client.collectionExists('chunks')).toEqual({ exists: false });
		const gone = await rejection(client.getCollection('chunks'));
		expect(gone.status).toBe(404);
	});

	test('upsert (wait: completed, no wait: acknowledged) fits UpdateResult; points_count follows; Cosine vectors come back normalised', async () => {
		const done = await client.upsert('chunks', { wait: true, points });
		fits(done, UPDATE_RESULT, 'UpdateResult');
		expect(UPDATE_STATUS).toContain(done.status);
		expect(done.status).toBe('completed');
		const later = await client.upsert('chunks', { wait: false, batch: { ids: [99], vectors: [[1, 0, 0, 0]], payloads: [{ doc_id: 'c#five' }] } });
		expect(later.status).toBe('acknowledged');
		expect(later.operation_id).toBeGreaterThan(done.operation_id!);
		expect((await client.getCollection('chunks')).points_count).toBe(5);
		const [two] = await client.retrieve('chunks', { ids: [2], with_vector: true });
		fits(two, RECORD, 'Record');
		expect(two).toEqual({ id: 2, payload: { doc_id: 'a#one', tags: ['x', 'y'] }, vector: [0.6, 0.8, 0, 0] });
	});

	test('upsert refusals in Qdrant’s shapes: wrong dimension 400, invalid id 400, missing collection 404, read-only key 403; nothing half-written', async () => {
		const dim = await rejection(client.upsert('chunks', { points: [points[0]!, { id: 3, vector: [1, 2, 3] }] }));
		expect([dim.status, (dim.data as { status: { error: string } }).status.error]).toEqual([400, 'Wrong input: Vector dimension error: expected dim: 4, got 3']);
		const badId = await rejection(client.upsert('chunks', { points: [{ id: 'not-a-uuid', vector: [1, 0, 0, 0] }] }));
		expect(badId.status).toBe(400);
		expect((badId.data as { status: { error: string } }).status.error).toBe(
			'Format error in JSON body: value "not-a-uuid" is not a valid point ID, valid values are either an unsigned integer or a UUID',
		);
		const negative = await rejection(client.upsert('chunks', { points: [{ id: -1, vector: [1, 0, 0, 0] }] }));
		expect(negative.status).toBe(400);
		const missing = await rejection(client.upsert('nope', { points }));
		expect([missing.status, (missing.data as { status: { error: string } }).status.error]).toEqual([404, 'Not found: Collection `nope` doesn\'t exist!']);
		const readOnly = await rejection(clientFor(READ_ONLY).upsert('chunks', { points }));
		expect(readOnly.status).toBe(403);
		expect((await client.count('chunks')).count).toBe(0);
	});

	test('scroll pages in id order (integers, then UUIDs) with next_page_offset; with_payload false / a key list; limit 0 is 422', async () => {
		await client.upsert('chunks', { points });
		const first = await client.scroll('chunks', { limit: 3 });
		fits(first, SCROLL_RESULT, 'ScrollResult');
		for (const r of first.points) fits(r, RECORD, 'Record');
		// UUIDs are answered hyphenated, lower case; ordered by their bytes.
		expect(first.points.map((p) => p.id)).toEqual([2, 10, U1]);
		expect(first.points[0]).toEqual({ id: 2, payload: points[0]!.payload });
		expect(first.next_page_offset).toBe(U2.toLowerCase());
		const rest = await client.scroll('chunks', { limit: 3, offset: first.next_page_offset!, with_payload: false });
		expect(rest).toEqual({ points: [{ id: U2.toLowerCase() }], next_page_offset: null });
		const keys = await client.scroll('chunks', { limit: 1, with_payload: ['tags'] });
		expect(keys.points).toEqual([{ id: 2, payload: { tags: ['x', 'y'] } }]);
		expect((await client.scroll('chunks')).points).toHaveLength(4);
		const zero = await rejection(client.scroll('chunks', { limit: 0 }));
		expect([zero.status, (zero.data as { status: { error: string } }).status.error]).toEqual([422, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]']);
	});

	test('count and delete by filter (match value / any, has_id, must_not, nested key) and by ids; an empty filter matches all', async () => {
		await client.upsert('chunks', { points });
		const all = await client.count('chunks', { exact: true });
		fits(all, COUNT_RESULT, 'CountResult');
		expect(all.count).toBe(4);
		expect((await client.count('chunks', { filter: { must: [{ key: 'tags', match: { value: 'y' } }] } })).count).toBe(2);
		expect((await client.count('chunks', { filter: { must: [{ key: 'doc_id', match: { any: ['a#one', 'b#four'] } }] } })).count).toBe(2);
		expect((await client.count('chunks', { filter: { must_not: [{ has_id: [2, U1] }] } })).count).toBe(2);
		expect((await client.count('chunks', { filter: { should: [{ key: 'nested.level', match: { value: 2 } }, { has_id: [10] }] } })).count).toBe(2);
		const range = await rejection(client.count('chunks', { filter: { must: [{ key: 'nested.level', range: { gt: 1 } }] } }));
		expect(range.status).toBe(400);

		const byFilter = await client.delete('chunks', { wait: true, filter: { must: [{ key: 'tags', match: { value: 'x' } }] } });
		fits(byFilter, UPDATE_RESULT, 'UpdateResult');
		expect((await client.scroll('chunks', { with_payload: false })).points.map((p) => p.id)).toEqual([10, U1, U2.toLowerCase()]);
		await client.delete('chunks', { points: [U1, 12345] });
		expect((await client.count('chunks')).count).toBe(2);
		await client.delete('chunks', { filter: {} });
		expect((await client.getCollection('chunks')).points_count).toBe(0);
	});

	test('a collection snapshot carries its points: recovering it (URL) restores them into the same or another collection', async () => {
		await client.upsert('chunks', { points });
		const snapshot = (await client.createSnapshot('chunks'))!;
		await client.delete('chunks', { filter: {} });
		await client.upsert('chunks', { points: [{ id: 7, vector: [1, 0, 0, 0], payload: { doc_id: 'bad' } }] });
		const location = `${qdrant.url}/collections/chunks/snapshots/${snapshot.name}`;
		expect(await client.recoverSnapshot('chunks', { location, api_key: KEY, checksum: snapshot.checksum! })).toBe(true);
		const restored = await client.scroll('chunks', { with_vector: true });
		expect(restored.points.map((p) => p.id)).toEqual([2, 10, U1, U2.toLowerCase()]);
		expect(restored.points[0]).toEqual({ id: 2, payload: points[0]!.payload, vector: [0.6, 0.8, 0, 0] });
		expect(await client.recoverSnapshot('chunks-copy', { location, api_key: KEY })).toBe(true);
		expect((await client.getCollection('chunks-copy')).points_count).toBe(4);
		expect((await client.getCollection('chunks-copy')).config.params.vectors).toEqual({ size: 4, distance: 'Cosine' });
		// Deleting a collection keeps its snapshots (Qdrant keeps snapshots/<collection>/): recreated, they are listed again.
		await client.deleteCollection('chunks');
		await client.createCollection('chunks', { vectors: { size: 4, distance: 'Cosine' } });
		expect((await client.listSnapshots('chunks')).map((s) => s.name)).toEqual([snapshot.name]);
	});
});

describe('full storage snapshots', () => {
	test('createFullSnapshot, listFullSnapshots, getFullSnapshot, deleteFullSnapshot', async () => {
		const created = await client.createFullSnapshot({ wait: true });
		fits(created, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
		expect(created.name).toMatch(/^full-snapshot-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$/);
		const list = await client.listFullSnapshots();
		for (const s of list) fits(s, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
		const file = await fetch(`${qdrant.url}/snapshots/${created.name}`, { headers: { 'api-key': KEY, 'accept-encoding': 'identity' } });
		const got = Buffer.from(await file.arrayBuffer());
		expect([file.status, Number(file.headers.get('content-length')), createHash('sha256').update(got).digest('hex')]).toEqual([200, created.size, created.checksum]);
		expect(await client.deleteFullSnapshot(created.name)).toBe(true);
		expect(await client.listFullSnapshots()).toEqual([]);
		const accepted = await rejection(client.createFullSnapshot({ wait: false }));
		expect(accepted.message).toContain('202');
	});
});

describe('auth and storage settings', () => {
	test('no key and a wrong key: 401 plain text; the read-only key lists but cannot create (403)', async () => {
		const none = await rejection(clientFor(undefined).listSnapshots('docs'));
		expect([none.status, none.data]).toEqual([401, 'Must provide an API key or an Authorization bearer token']);
		const wrong = await rejection(clientFor('nope').listSnapshots('docs'));
		expect([wrong.status, wrong.data]).toEqual([401, 'Invalid API key or JWT']);
		const readOnly = clientFor(READ_ONLY);
		expect(await readOnly.listSnapshots('docs')).toEqual([]);
		const refused = await rejection(readOnly.createSnapshot('docs'));
		expect([refused.status, (refused.data as { status: { error: string } }).status.error]).toEqual([403, 'Forbidden: Global manage access is required']);
		const recover = await rejection(readOnly.recoverSnapshot('docs', { location: `${qdrant.url}/x` }));
		expect(recover.status).toBe(403);
	});

	test('URL recovery disabled: 403 for http(s); file:// outside the snapshots folder: 403; missing inside: 400', async () => {
		await qdrant.stop();
		qdrant = new QdrantStandIn({ apiKey: KEY, collections: ['docs'], enableSnapshotUrlRecovery: false });
		await qdrant.start();
		client = clientFor(KEY);
		const http = await rejection(client.recoverSnapshot('docs', { location: 'https://example.com/a.snapshot' }));
		expect([http.status, (http.data as { status: { error: string } }).status.error]).toEqual([403, 'Forbidden: Snapshot recovery from remote URLs is disabled in the configuration']);
		const outside = await rejection(client.recoverSnapshot('docs', { location: 'file:///etc/passwd' }));
		expect(outside.status).toBe(403);
		const missing = await rejection(client.recoverSnapshot('docs', { location: 'file:///qdrant/snapshots/docs/none.snapshot' }));
		expect(missing.status).toBe(400);
		const s = qdrant.addSnapshot('docs', { content: { size: 100, seed: 1 } });
		expect(await client.recoverSnapshot('docs', { location: `file:///qdrant/snapshots/docs/${s.name}` })).toBe(true);
	});

	test('S3 snapshot storage: descriptions without checksum (the key is omitted), downloads without Content-Length', async () => {
		await qdrant.stop();
		qdrant = new QdrantStandIn({ apiKey: KEY, collections: ['docs'], storage: 's3', createdSnapshotSize: 9000 });
		await qdrant.start();
		client = clientFor(KEY);
		const created = await client.createSnapshot('docs');
		fits(created, SNAPSHOT_DESCRIPTION, 'SnapshotDescription');
		expect(created).not.toHaveProperty('checksum');
		const file = await fetch(`${qdrant.url}/collections/docs/snapshots/${created!.name}`, { headers: { 'api-key': KEY, 'accept-encoding': 'identity' } });
		expect([file.status, file.headers.get('content-length'), (await file.arrayBuffer()).byteLength]).toEqual([200, null, 9000]);
	});

	test('downloads are compressed when Accept-Encoding asks (actix Compress), and sent as is for identity', async () => {
		const s = qdrant.addSnapshot('docs', { content: Buffer.alloc(50_000, 7) });
		const asked = await new Promise<{ encoding?: string; length?: string; body: Buffer }>((resolve, reject) => {
			// node:http, not fetch: fetch would decode the body before we see the encoding.
			httpGet(`${qdrant.url}/collections/docs/snapshots/${s.name}`, { headers: { 'api-key': KEY, 'accept-encoding': 'gzip, compress, deflate, br' } }, (res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => resolve({ encoding: res.headers['content-encoding'], length: res.headers['content-length'], body: Buffer.concat(chunks) }));
			}).on('error', reject);
		});
		expect([asked.encoding, asked.length]).toEqual(['br', undefined]);
		expect(brotliDecompressSync(asked.body).equals(Buffer.alloc(50_000, 7))).toBe(true);
		const plain = await fetch(`${qdrant.url}/collections/docs/snapshots/${s.name}`, { headers: { 'api-key': KEY, 'accept-encoding': 'identity' } });
		expect([plain.headers.get('content-encoding'), plain.headers.get('content-length')]).toEqual([null, '50000']);
	});
});
