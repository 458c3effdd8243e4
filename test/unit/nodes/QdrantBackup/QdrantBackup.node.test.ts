/**
 * The Qdrant Backup node inside n8n-core's real engine (test/support/nodeHarness)
 * against the Qdrant snapshot API stand-in on 127.0.0.1 (testbed/stack/qdrantStandIn,
 * which follows https://api.qdrant.tech/api-reference/snapshots/).
 */
import { createHash } from 'node:crypto';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { QdrantBackup } from '../../../../nodes/QdrantBackup/QdrantBackup.node';
import { runNode } from '../../../support/nodeHarness';
import { contentChunks, QdrantStandIn } from '../../../../testbed/stack/qdrantStandIn';

const API_KEY = 'secret-key';
let qdrant: QdrantStandIn;
let clock: Date;

beforeEach(async () => {
	clock = new Date('2026-11-20T03:00:00Z');
	qdrant = new QdrantStandIn({ apiKey: API_KEY, collections: ['docs'], now: () => clock, createdSnapshotSize: 300_000 });
	await qdrant.start();
});

afterEach(async () => {
	await qdrant.stop();
});

function run(parameters: IDataObject, inputItems?: INodeExecutionData[], opts: { continueOnFail?: boolean; apiKey?: string } = {}) {
	return runNode({
		node: new QdrantBackup(),
		parameters: { resource: 'collection', collection: 'docs', ...parameters } as never,
		inputItems,
		continueOnFail: opts.continueOnFail,
		credentials: { ragOpsQdrantApi: { url: qdrant.url, apiKey: opts.apiKey ?? API_KEY } },
	});
}

function bytesOf(name: string, collection = 'docs'): Buffer {
	return Buffer.concat([...contentChunks((qdrant.collections.get(collection)!.get(name) as { content: Buffer }).content)]);
}

/** `count` snapshots, one a day at 03:00 UTC ending on `last`, oldest first. */
function history(count: number, last = new Date('2026-11-19T03:00:00Z')) {
	return Array.from({ length: count }, (_, i) =>
		qdrant.addSnapshot('docs', {
			creationTime: new Date(last.getTime() - (count - 1 - i) * 86_400_000),
			content: { size: 10_000, seed: i + 7 },
		}),
	);
}

describe('Create', () => {
	test('creates a snapshot with wait=true and the api-key header, and returns its SnapshotDescription', async () => {
		const { outputs, error } = await run({ operation: 'create' });
		expect(error).toBeUndefined();
		const json = outputs[0]![0]!.json;
		expect(json.snapshot).toEqual({
			name: 'docs-4129783125387632-2026-11-20-03-00-00.snapshot',
			creation_time: '2026-11-20T03:00:00',
			size: 300_000,
			checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
		});
		expect(outputs[0]![0]!.pairedItem).toEqual({ item: 0 });
		const req = qdrant.requests.find((r) => r.method === 'POST')!;
		expect(req).toMatchObject({ path: '/collections/docs/snapshots', query: { wait: 'true' }, apiKey: API_KEY });
	});

	test('Qdrant answering 500 fails with its error text and an actionable description', async () => {
		qdrant.faults.createFailures = 1;
		const { error } = await run({ operation: 'create' });
		expect(error?.message).toContain('Qdrant failed while creating a snapshot of collection "docs" (HTTP 500)');
		expect(error?.description).toContain('No space left on device');
		expect(error?.description).toContain('Nothing was deleted');
	});

	test('an unknown collection says so, quoting Qdrant', async () => {
		const { error } = await run({ operation: 'create', collection: 'nope' });
		expect(error?.message).toContain('no such collection');
		expect(error?.description).toContain("Collection `nope` doesn't exist!");
	});

	test('a wrong API key says to check the credential', async () => {
		const { error } = await run({ operation: 'list' }, undefined, { apiKey: 'wrong' });
		expect(error?.message).toContain('Qdrant rejected the API key');
		expect(error?.description).toContain('Invalid API key');
		expect(error?.httpCode).toBe('401');
	});

	test('an unreachable Qdrant is a clear transport error', async () => {
		const url = qdrant.url;
		await qdrant.stop();
		const r = await runNode({
			node: new QdrantBackup(),
			parameters: { resource: 'collection', collection: 'docs', operation: 'list' } as never,
			credentials: { ragOpsQdrantApi: { url, apiKey: API_KEY } },
		});
		expect(r.error?.message).toContain('Could not reach Qdrant');
		await qdrant.start();
	});

	test('full storage snapshots use /snapshots', async () => {
		const { outputs } = await run({ resource: 'storage', operation: 'create' });
		expect((outputs[0]![0]!.json.snapshot as IDataObject).name).toBe('full-snapshot-2026-11-20-03-00-00.snapshot');
		expect(qdrant.requests.some((r) => r.method === 'POST' && r.path === '/snapshots')).toBe(true);
		const listed = await run({ resource: 'storage', operation: 'list' });
		expect(listed.outputs[0]).toHaveLength(1);
	});
});

describe('bad input', () => {
	test('wait=false: Qdrant answers 202 accepted at once and the item says the snapshot is not described yet', async () => {
		const { outputs, error } = await run({ operation: 'create', wait: false });
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ snapshot: null, completed: false, accepted: true });
		expect(qdrant.requests.find((r) => r.method === 'POST')!.query).toEqual({ wait: 'false' });
	});

	test('an empty collection name is refused before any request', async () => {
		const { error } = await run({ operation: 'create', collection: '  ' });
		expect(error?.message).toBe('No collection given');
		expect(qdrant.requests).toHaveLength(0);
	});

	test('a restore URL Qdrant cannot fetch is refused before any request', async () => {
		const { error } = await run({ operation: 'restore', restoreSource: 'url', location: 'ftp://backups/docs.snapshot' });
		expect(error?.message).toContain('is not a snapshot URL');
		expect(qdrant.requests).toHaveLength(0);
	});

	test('restoring a full storage snapshot is refused (Qdrant only does it at start-up)', async () => {
		const { error } = await run({ resource: 'storage', operation: 'restore' });
		expect(error?.message).toContain('Unsupported operation');
		expect(error?.description).toContain('--storage-snapshot');
	});

	test('under continueOnFail every input item gets its own result, paired to it', async () => {
		history(2);
		const { outputs } = await run({ operation: 'delete' }, [{ json: {} }, { json: { snapshot: { name: 'missing.snapshot' } } }], {
			continueOnFail: true,
		});
		expect(outputs[0]!.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(outputs[0]![0]!.json.error).toBe('No snapshot name given');
		expect(outputs[0]![1]!.json.error).toContain('HTTP 404');
		expect(qdrant.collections.get('docs')!.size).toBe(2);
	});
});

describe('List and Delete', () => {
	test('lists newest first, one item per snapshot', async () => {
		const made = history(3);
		const { outputs } = await run({ operation: 'list' });
		expect(outputs[0]!.map((i) => (i.json.snapshot as IDataObject).name)).toEqual(made.map((s) => s.name).reverse());
	});

	test('deletes the snapshot named by the input item', async () => {
		const [s] = history(1);
		const { outputs, error } = await run({ operation: 'delete' }, [{ json: { snapshot: s as never } }]);
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ deleted: true, snapshotName: s!.name });
		expect(qdrant.collections.get('docs')!.size).toBe(0);
	});

	test('no snapshot name anywhere is an operation error with the item index', async () => {
		const { error } = await run({ operation: 'delete' });
		expect(error?.message).toBe('No snapshot name given');
	});
});

describe('Download and Verify', () => {
	async function createAndDownload() {
		const created = await run({ operation: 'create' });
		return await run({ operation: 'download' }, created.outputs[0]);
	}

	test('download yields binary data identical to the snapshot and verifies its SHA-256', async () => {
		const { outputs, error } = await createAndDownload();
		expect(error).toBeUndefined();
		const item = outputs[0]![0]!;
		const name = (item.json.snapshot as IDataObject).name as string;
		const got = Buffer.from(item.binary!.data!.data, 'base64');
		expect(got.equals(bytesOf(name))).toBe(true);
		expect(item.json.sha256).toBe(createHash('sha256').update(got).digest('hex'));
		expect(item.json.verified).toBe(true);
		expect(item.binary!.data!.fileName).toBe(name);
	});

	test('verify hashes the input binary against Qdrant’s checksum', async () => {
		const downloaded = await createAndDownload();
		const { outputs, error } = await run({ operation: 'verify', verifySource: 'binary' }, downloaded.outputs[0]);
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json.verified).toBe(true);
	});

	test('a tampered binary fails verification with a checksum mismatch', async () => {
		const downloaded = await createAndDownload();
		const item = downloaded.outputs[0]![0]!;
		const bytes = Buffer.from(item.binary!.data!.data, 'base64');
		bytes[1000] ^= 0xff;
		item.binary!.data!.data = bytes.toString('base64');
		const { error } = await run({ operation: 'verify', verifySource: 'binary' }, [item]);
		expect(error?.message).toContain('Checksum mismatch');
		expect(error?.description).toContain('do not keep it as a backup');
	});

	test('a wrong checksum from Qdrant fails download-and-hash verification', async () => {
		const created = await run({ operation: 'create' });
		qdrant.faults.wrongChecksum = true;
		const { error } = await run({ operation: 'verify', verifySource: 'download' }, created.outputs[0]);
		expect(error?.message).toContain('Checksum mismatch');
	});

	test('a download cut in the middle fails and passes no binary on', async () => {
		const created = await run({ operation: 'create' });
		qdrant.faults.cutDownloadAfterBytes = 100_000;
		const { error, outputs } = await run({ operation: 'download' }, created.outputs[0]);
		expect(error?.message).toMatch(/was cut short after \d+ of 300000 bytes/);
		expect(outputs[0] ?? []).toHaveLength(0);
	});

	test('a cut download under continueOnFail yields an unverified error item', async () => {
		const created = await run({ operation: 'create' });
		qdrant.faults.cutDownloadAfterBytes = 100_000;
		const { outputs } = await run({ operation: 'download' }, created.outputs[0], { continueOnFail: true });
		expect(outputs[0]![0]!.json).toMatchObject({ verified: false, error: expect.stringContaining('cut short') });
		expect(outputs[0]![0]!.binary).toBeUndefined();
	});

	test('a slow download completes byte for byte', async () => {
		const created = await run({ operation: 'create' });
		qdrant.faults.downloadChunkDelayMs = 30;
		const { outputs, error } = await run({ operation: 'download' }, created.outputs[0]);
		expect(error).toBeUndefined();
		const name = (outputs[0]![0]!.json.snapshot as IDataObject).name as string;
		expect(Buffer.from(outputs[0]![0]!.binary!.data!.data, 'base64').equals(bytesOf(name))).toBe(true);
	});

	test('a stalled download fails after the stall timeout', async () => {
		const created = await run({ operation: 'create' });
		qdrant.faults.downloadChunkDelayMs = 2500;
		const { error } = await run({ operation: 'download', stallTimeout: 1 }, created.outputs[0]);
		expect(error?.message).toContain('cut short');
	});
});

describe('Apply Retention', () => {
	const verifiedItem = (s: IDataObject): INodeExecutionData[] => [{ json: { snapshot: s, verified: true } }];

	test('keeps the policy’s snapshots and deletes the rest', async () => {
		const made = history(10);
		const { outputs, error } = await run({ operation: 'applyRetention', keepLast: 3 }, verifiedItem(made[9] as never));
		expect(error).toBeUndefined();
		const json = outputs[0]![0]!.json;
		expect(json.deleted).toEqual(made.slice(0, 7).map((s) => s.name).reverse());
		expect([...qdrant.collections.get('docs')!.keys()].sort()).toEqual(made.slice(7).map((s) => s.name).sort());
	});

	test('dry run lists what would go and deletes nothing', async () => {
		const made = history(10);
		const { outputs } = await run({ operation: 'applyRetention', keepLast: 2, dryRun: true }, verifiedItem(made[9] as never));
		expect(outputs[0]![0]!.json.wouldDelete).toHaveLength(8);
		expect(qdrant.collections.get('docs')!.size).toBe(10);
		expect(qdrant.requests.some((r) => r.method === 'DELETE')).toBe(false);
	});

	test('the newest verified snapshot survives even when the policy would drop it', async () => {
		const made = history(5);
		// Only an older snapshot verified (say the newest failed its check): keepLast 1 keeps the newest, we also keep made[1].
		const { outputs } = await run({ operation: 'applyRetention', keepLast: 1 }, verifiedItem(made[1] as never));
		expect(outputs[0]![0]!.json.protected).toBe(made[1]!.name);
		expect(qdrant.collections.get('docs')!.has(made[1]!.name)).toBe(true);
		expect(qdrant.collections.get('docs')!.has(made[4]!.name)).toBe(true);
		expect(qdrant.collections.get('docs')!.size).toBe(2);
	});

	test('nothing is deleted after a failed create (error item from continueOnFail)', async () => {
		history(6);
		qdrant.faults.createFailures = 1;
		const created = await run({ operation: 'create' }, undefined, { continueOnFail: true });
		const { outputs } = await run({ operation: 'applyRetention', keepLast: 1 }, created.outputs[0]);
		expect(outputs[0]![0]!.json).toMatchObject({ skipped: true, deleted: [] });
		expect(qdrant.collections.get('docs')!.size).toBe(6);
		expect(qdrant.requests.some((r) => r.method === 'DELETE')).toBe(false);
	});

	test('nothing is deleted when listing fails', async () => {
		const made = history(6);
		qdrant.faults.listFailures = 1;
		const { error } = await run({ operation: 'applyRetention', keepLast: 1 }, verifiedItem(made[5] as never));
		expect(error?.message).toContain('listing the snapshots');
		expect(qdrant.collections.get('docs')!.size).toBe(6);
	});

	test('Verify Newest Now: a checksum mismatch deletes nothing', async () => {
		history(6);
		qdrant.faults.wrongChecksum = true;
		const { error } = await run({ operation: 'applyRetention', keepLast: 1, verifiedFrom: 'verifyNewest' });
		expect(error?.message).toContain('Checksum mismatch');
		expect(qdrant.collections.get('docs')!.size).toBe(6);
	});

	test('Verify Newest Now: verifies, then applies the policy', async () => {
		const made = history(6);
		const { outputs, error } = await run({ operation: 'applyRetention', keepLast: 2, verifiedFrom: 'verifyNewest' });
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json.protected).toBe(made[5]!.name);
		expect(qdrant.collections.get('docs')!.size).toBe(2);
	});

	test('an invalid policy is rejected before anything is listed', async () => {
		const made = history(3);
		const { error } = await run({ operation: 'applyRetention', keepWithin: '2 weeks' }, verifiedItem(made[2] as never));
		expect(error?.message).toContain('Invalid retention policy');
		expect(qdrant.requests).toHaveLength(0);
	});
});

describe('Restore', () => {
	test('from a snapshot on this Qdrant: PUT recover with priority snapshot, its checksum and the api key', async () => {
		const created = await run({ operation: 'create' });
		const s = created.outputs[0]![0]!.json.snapshot as IDataObject;
		const { error } = await run({ operation: 'restore', restoreSource: 'snapshot', selfUrl: qdrant.url }, created.outputs[0]);
		expect(error).toBeUndefined();
		expect(qdrant.recoveries).toEqual([
			expect.objectContaining({ collection: 'docs', via: 'location', priority: 'snapshot', checksum: s.checksum, sha256: s.checksum, apiKey: API_KEY }),
		]);
		expect(qdrant.recoveries[0]!.location).toBe(`${qdrant.url}/collections/docs/snapshots/${String(s.name)}`);
	});

	test('by upload of a downloaded binary, with the verified checksum', async () => {
		const created = await run({ operation: 'create' });
		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		const { error } = await run({ operation: 'restore', restoreSource: 'upload', collection: 'docs-restored' }, downloaded.outputs[0]);
		expect(error).toBeUndefined();
		const s = created.outputs[0]![0]!.json.snapshot as IDataObject;
		expect(qdrant.recoveries[0]).toMatchObject({ collection: 'docs-restored', via: 'upload', priority: 'snapshot', checksum: s.checksum, sha256: s.checksum, size: 300_000 });
	});

	test('a wrong checksum is refused by Qdrant and reported', async () => {
		const created = await run({ operation: 'create' });
		const { error } = await run({ operation: 'restore', restoreSource: 'snapshot', selfUrl: qdrant.url, checksum: 'a'.repeat(64) }, created.outputs[0]);
		expect(error?.message).toContain('HTTP 400');
		expect(error?.description).toContain('checksum mismatch');
		expect(qdrant.recoveries).toHaveLength(0);
	});
});
