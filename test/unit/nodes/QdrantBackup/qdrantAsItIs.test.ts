/**
 * The Qdrant Backup node against Qdrant as it really is (issue 13), inside
 * n8n-core's engine (test/support/nodeHarness) against the stand-in, which
 * follows Qdrant v1.19.0's source (see testbed/stack/qdrantStandIn.ts and the
 * contract test beside this file): S3 snapshot storage (no checksums), odd
 * creation times, 403s that are not about the key, restore by upload leaving
 * its file behind, timeouts with the task still running, compression, peers.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { QdrantBackup } from '../../../../nodes/QdrantBackup/QdrantBackup.node';
import { classifyRefusal } from '../../../../nodes/QdrantBackup/transport';
import { runNode } from '../../../support/nodeHarness';
import { contentChunks, nameStamp, PEER_ID, QdrantStandIn, type StandInOptions } from '../../../../testbed/stack/qdrantStandIn';

const API_KEY = 'rw-key';
const READ_ONLY = 'ro-key';
let qdrant: QdrantStandIn;

async function standIn(opts: StandInOptions = {}): Promise<QdrantStandIn> {
	qdrant = new QdrantStandIn({ apiKey: API_KEY, readOnlyApiKey: READ_ONLY, collections: ['docs'], createdSnapshotSize: 40_000, ...opts });
	await qdrant.start();
	return qdrant;
}

afterEach(async () => {
	await qdrant?.stop();
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

const day = (d: number) => new Date(Date.UTC(2026, 10, d, 3));
const docsName = (d: number) => `docs-${PEER_ID}-${nameStamp(day(d))}.snapshot`;
const names = () => [...qdrant.collections.get('docs')!.keys()].sort();

describe('S3 snapshot storage: no checksum from Qdrant', () => {
	test('Create → Download → Verify → Apply Retention works; the SHA-256 of the download is the verification record', async () => {
		await standIn({ storage: 's3' });
		for (let d = 10; d < 16; d++) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 5000, seed: d } });
		const created = await run({ operation: 'create' });
		expect(created.error).toBeUndefined();
		expect(created.outputs[0]![0]!.json.snapshot).not.toHaveProperty('checksum');

		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		expect(downloaded.error).toBeUndefined();
		const d = downloaded.outputs[0]![0]!.json;
		expect(d.verified).toBe(true);
		expect(d.verification).toMatchObject({ method: 'download-sha256', sha256: d.sha256, bytes: 40_000, qdrantChecksum: null });
		expect(String((d.verification as IDataObject).note)).toContain('Qdrant keeps no checksum (S3 snapshot storage)');

		const verified = await run({ operation: 'verify', verifySource: 'binary' }, downloaded.outputs[0]);
		expect(verified.error).toBeUndefined();
		expect(verified.outputs[0]![0]!.json.verification).toMatchObject({ method: 'download-sha256', sha256: d.sha256 });

		const retention = await run({ operation: 'applyRetention', keepLast: 3 }, verified.outputs[0]);
		const r = retention.outputs[0]![0]!.json;
		expect(r.protected).toBe((d.snapshot as IDataObject).name);
		expect(r.verification).toMatchObject({ method: 'download-sha256' });
		expect(r.deleted).toHaveLength(4);
		expect(names()).toHaveLength(3);
	});

	test('Verify of a binary that changed after its download fails against the SHA-256 recorded at download', async () => {
		await standIn({ storage: 's3' });
		const created = await run({ operation: 'create' });
		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		const item = downloaded.outputs[0]![0]!;
		const bytes = Buffer.from(item.binary!.data!.data, 'base64');
		bytes[10] ^= 0xff;
		item.binary!.data!.data = bytes.toString('base64');
		const { error } = await run({ operation: 'verify', verifySource: 'binary' }, [item]);
		expect(error?.message).toContain('Checksum mismatch');
		expect(error?.description).toContain('the SHA-256 recorded when it was downloaded');
	});

	test('Verify of a binary with no recorded SHA-256 says there is nothing to verify against', async () => {
		await standIn({ storage: 's3' });
		const created = await run({ operation: 'create' });
		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		const item = downloaded.outputs[0]![0]!;
		delete item.json.verification;
		delete item.json.sha256;
		const { error } = await run({ operation: 'verify', verifySource: 'binary' }, [item]);
		expect(error?.message).toContain('Nothing to verify snapshot');
	});

	test('Verify Newest Now verifies by download and then applies the policy', async () => {
		await standIn({ storage: 's3' });
		for (let d = 10; d < 16; d++) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 3000, seed: d } });
		const { outputs, error } = await run({ operation: 'applyRetention', keepLast: 2, verifiedFrom: 'verifyNewest' });
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ protected: docsName(15), verification: { method: 'download-sha256', bytes: 3000 } });
		expect(names()).toEqual([docsName(14), docsName(15)]);
	});

	test('a download that is shorter than the size Qdrant lists is not a verification record', async () => {
		await standIn({ storage: 's3' });
		const created = await run({ operation: 'create' });
		qdrant.faults.cutDownloadAfterBytes = 10_000;
		const { error } = await run({ operation: 'download' }, created.outputs[0]);
		expect(error?.message).toMatch(/cut short after \d+ of 40000 bytes/);
	});
});

describe('creation_time as Qdrant reports it', () => {
	test('null creation_time (no birth time): List and Verify Newest Now go by the name, so the newest is verified', async () => {
		await standIn({ birthTimes: false });
		for (const d of [12, 15, 11, 14, 13]) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 2000, seed: d } });
		const listed = await run({ operation: 'list' });
		expect(listed.outputs[0]!.map((i) => (i.json.snapshot as IDataObject).creation_time)).toEqual([null, null, null, null, null]);
		expect(listed.outputs[0]!.map((i) => (i.json.snapshot as IDataObject).name)).toEqual([15, 14, 13, 12, 11].map(docsName));
		const { outputs } = await run({ operation: 'applyRetention', keepLast: 1, verifiedFrom: 'verifyNewest' });
		expect(outputs[0]![0]!.json.protected).toBe(docsName(15));
		expect(names()).toEqual([docsName(15)]);
	});

	test('identical creation_time (a copied snapshot folder): keepDaily 7 keeps four snapshots of four days', async () => {
		await standIn();
		const copied = new Date(Date.UTC(2026, 10, 30, 12));
		for (const d of [1, 2, 3, 4]) qdrant.addSnapshot('docs', { name: docsName(d), creationTime: copied, content: { size: 1000, seed: d } });
		const { outputs } = await run({ operation: 'applyRetention', keepDaily: 7, keepLast: 0, verifiedFrom: 'verifyNewest' });
		expect(outputs[0]![0]!.json).toMatchObject({ protected: docsName(4), deleted: [] });
		expect(names()).toHaveLength(4);
	});

	test('snapshots whose order cannot be known: nothing is deleted and the item says why', async () => {
		await standIn({ birthTimes: false });
		for (const d of [1, 2, 3]) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 1000, seed: d } });
		qdrant.addSnapshot('docs', { name: 'restored-by-hand.snapshot', creationTime: null, content: { size: 1000, seed: 9 } });
		const input = await run({ operation: 'list' });
		const newest = input.outputs[0]!.find((i) => (i.json.snapshot as IDataObject).name === docsName(3))!;
		const { outputs } = await run({ operation: 'applyRetention', keepLast: 1 }, [{ json: { ...newest.json, verified: true } }]);
		expect(outputs[0]![0]!.json).toMatchObject({ skipped: true, deleted: [] });
		expect(String(outputs[0]![0]!.json.reason)).toMatch(/order of the snapshots is ambiguous.*"restored-by-hand.snapshot"/);
		expect(names()).toHaveLength(4);
		const verifyNewest = await run({ operation: 'applyRetention', keepLast: 1, verifiedFrom: 'verifyNewest' });
		expect(String(verifyNewest.outputs[0]![0]!.json.reason)).toContain('which snapshot is the newest is unknown');
		expect(qdrant.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
	});

	test('generated histories through the node: Verify Newest Now never deletes the newest snapshot', async () => {
		await standIn({ birthTimes: false });
		let seed = 7;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		for (let round = 0; round < 12; round++) {
			qdrant.collections.get('docs')!.clear();
			const days = new Set<number>();
			while (days.size < 2 + Math.floor(random() * 8)) days.add(1 + Math.floor(random() * 28));
			const shared = random() < 0.5 ? new Date(Date.UTC(2026, 11, 1)) : null;
			for (const d of days) qdrant.addSnapshot('docs', { name: docsName(d), creationTime: random() < 0.5 ? shared : day(29 - d), content: { size: 500, seed: d } });
			const newest = docsName(Math.max(...days));
			const { outputs, error } = await run({ operation: 'applyRetention', keepLast: 0, keepDaily: 1 + Math.floor(random() * 3), verifiedFrom: 'verifyNewest' });
			expect([round, error]).toEqual([round, undefined]);
			expect([round, outputs[0]![0]!.json.protected]).toEqual([round, newest]);
			expect([round, names().includes(newest)]).toEqual([round, true]);
		}
	});
});

describe('403s say what Qdrant refused', () => {
	test('the read-only key: Create is refused as a key that may only read; List works', async () => {
		await standIn();
		const { error } = await run({ operation: 'create' }, undefined, { apiKey: READ_ONLY });
		expect(error?.message).toContain('The API key may only read while creating a snapshot of collection "docs" (HTTP 403)');
		expect(error?.description).toContain('Forbidden: Global manage access is required');
		expect((await run({ operation: 'list' }, undefined, { apiKey: READ_ONLY })).error).toBeUndefined();
	});

	test('URL recovery disabled in Qdrant is not reported as a key problem', async () => {
		await standIn({ enableSnapshotUrlRecovery: false });
		const { error } = await run({ operation: 'restore', restoreSource: 'url', location: 'https://backups.example/docs.snapshot' });
		expect(error?.message).toContain('Qdrant does not recover from http(s) URLs');
		expect(error?.description).toContain('enable_snapshot_url_recovery');
	});

	test('a file:// location outside the snapshots folder is reported as such', async () => {
		await standIn();
		const { error } = await run({ operation: 'restore', restoreSource: 'url', location: 'file:///etc/qdrant/docs.snapshot' });
		expect(error?.message).toContain('Qdrant only recovers files inside its snapshots folder');
		expect(error?.httpCode).toBe('403');
	});

	test.each([
		[401, 'Must provide an API key or an Authorization bearer token', 'missingKey'],
		[401, 'Invalid API key or JWT', 'invalidKey'],
		[403, 'Invalid JWT, stateful validation failed', 'invalidKey'],
		[403, 'Forbidden: Global manage access is required', 'readOnlyKey'],
		[403, 'Forbidden: Write access to collection docs is required', 'readOnlyKey'],
		[403, 'Forbidden: Manage access for this operation is required', 'readOnlyKey'],
		[403, 'Forbidden: Access to collection docs is required', 'collectionScope'],
		[403, 'Forbidden: Only points access is allowed for collection docs', 'collectionScope'],
		[403, 'Forbidden: Snapshot recovery from remote URLs is disabled in the configuration', 'urlRecoveryDisabled'],
		[403, 'Forbidden: Snapshot file path must be inside the snapshots directory "/qdrant/snapshots"', 'fileOutsideSnapshots'],
		[403, 'Storage locked: backups running, try later', 'storageLocked'],
		[403, 'something else', 'forbidden'],
	])('HTTP %i "%s" is classified as %s', (code, text, kind) => {
		expect(classifyRefusal(code, text).kind).toBe(kind);
	});

	test('a missing key is told apart from a wrong one (both 401, plain text)', async () => {
		await standIn();
		const missing = await run({ operation: 'list' }, undefined, { apiKey: '' });
		expect(missing.error?.message).toContain('Qdrant needs an API key');
		const wrong = await run({ operation: 'list' }, undefined, { apiKey: 'nope' });
		expect(wrong.error?.message).toContain('Qdrant rejected the API key');
	});
});

describe('restore by upload', () => {
	test('the uploaded file Qdrant keeps in the snapshot folder is deleted afterwards', async () => {
		await standIn();
		const created = await run({ operation: 'create' });
		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		const { outputs, error } = await run({ operation: 'restore', restoreSource: 'upload' }, downloaded.outputs[0]);
		expect(error).toBeUndefined();
		const json = outputs[0]![0]!.json;
		expect(json).toMatchObject({ restored: true, uploadRemoved: true, uploadName: expect.stringMatching(/^ragops-upload-[0-9a-f]{16}\.snapshot$/) });
		expect(qdrant.recoveries[0]).toMatchObject({ via: 'upload', collection: 'docs' });
		expect(names()).toEqual([(created.outputs[0]![0]!.json.snapshot as IDataObject).name]);
		expect(qdrant.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(String(json.uploadName)))).toBe(true);
	});

	test('on S3 storage the uploaded file stays on Qdrant\'s local disk: the item says it was not removed', async () => {
		await standIn({ storage: 's3' });
		const created = await run({ operation: 'create' });
		const downloaded = await run({ operation: 'download' }, created.outputs[0]);
		const { outputs, error } = await run({ operation: 'restore', restoreSource: 'upload' }, downloaded.outputs[0]);
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ restored: true, uploadRemoved: false, uploadWarning: expect.stringContaining('delete it by hand') });
		expect(qdrant.localUploads.size).toBe(1);
	});

	test('with the read-only key retention deletes nothing and says the key may only read', async () => {
		await standIn();
		for (const d of [1, 2, 3]) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 800, seed: d } });
		const { error } = await run({ operation: 'applyRetention', keepLast: 1, verifiedFrom: 'verifyNewest' }, undefined, { apiKey: READ_ONLY });
		expect(error?.message).toBe('Retention could not delete any of 2 snapshot(s)');
		expect(error?.description).toContain('The API key may only read');
		expect(names()).toHaveLength(3);
	});

	test('an upload left behind is excluded from retention and Verify Newest Now', async () => {
		await standIn();
		for (const d of [1, 2, 3]) qdrant.addSnapshot('docs', { creationTime: day(d), content: { size: 800, seed: d } });
		qdrant.addSnapshot('docs', { name: 'ragops-upload-0123456789abcdef.snapshot', creationTime: day(20), checksum: null, content: { size: 800, seed: 99 } });
		const { outputs, error } = await run({ operation: 'applyRetention', keepLast: 1, verifiedFrom: 'verifyNewest' });
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ protected: docsName(3), excluded: ['ragops-upload-0123456789abcdef.snapshot'], total: 3 });
		expect(names()).toEqual([docsName(3), 'ragops-upload-0123456789abcdef.snapshot']);
	});
});

describe('timeouts: Qdrant keeps working', () => {
	test('a create that outlives the timeout is followed up until its snapshot appears', async () => {
		await standIn();
		qdrant.faults.createDelayMs = 2200;
		const { outputs, error } = await run({ operation: 'create', timeout: 1, followUp: 10 });
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ completed: true, finishedAfterTimeout: true, snapshot: { name: expect.stringMatching(/^docs-/) } });
		expect(qdrant.requests.some((r) => r.path === '/telemetry')).toBe(true);
	});

	test('a create still running when the follow-up ends is reported as still running on Qdrant, not as nothing', async () => {
		await standIn();
		qdrant.faults.createDelayMs = 3500;
		const { outputs } = await run({ operation: 'create', timeout: 1, followUp: 1 }, undefined, { continueOnFail: true });
		expect(outputs[0]![0]!.json).toMatchObject({ verified: false, stillRunningOnQdrant: true, error: expect.stringContaining('Still running on Qdrant') });
		await qdrant.settle();
		expect(names()).toHaveLength(1); // Qdrant finished it after all
	});

	test('a create that fails inside Qdrant after the timeout says so', async () => {
		await standIn();
		qdrant.faults.createDelayMs = 1500;
		qdrant.faults.createTaskFailures = 1;
		const { error } = await run({ operation: 'create', timeout: 1, followUp: 10 });
		expect(error?.message).toContain('Qdrant stopped creating the snapshot of collection "docs" without writing one');
	});

	test('a restore that outlives the timeout: the follow-up reports when Qdrant has finished', async () => {
		await standIn();
		const created = await run({ operation: 'create' });
		qdrant.faults.recoverDelayMs = 2200;
		const { outputs, error } = await run({ operation: 'restore', restoreSource: 'snapshot', selfUrl: qdrant.url, timeout: 1, followUp: 10 }, created.outputs[0]);
		expect(error).toBeUndefined();
		expect(outputs[0]![0]!.json).toMatchObject({ restored: null, finishedAfterTimeout: true, stillRunningOnQdrant: false, collectionStatus: 'green' });
		expect(qdrant.recoveries).toHaveLength(1);
	});

	test('a restore still running: "still running on Qdrant", it will overwrite the collection', async () => {
		await standIn();
		const created = await run({ operation: 'create' });
		qdrant.faults.recoverDelayMs = 3500;
		const { error } = await run({ operation: 'restore', restoreSource: 'snapshot', selfUrl: qdrant.url, timeout: 1, followUp: 1 }, created.outputs[0]);
		expect(error?.message).toBe('Still running on Qdrant: the restore of collection "docs" goes on');
		expect(error?.description).toContain('overwrite the collection');
	});
});

describe('downloads, peers and restore locations', () => {
	test('downloads ask for Accept-Encoding: identity, so Qdrant sends the file as it is, with its length', async () => {
		await standIn();
		const created = await run({ operation: 'create' });
		const { outputs, error } = await run({ operation: 'download' }, created.outputs[0]);
		expect(error).toBeUndefined();
		const download = qdrant.requests.find((r) => r.method === 'GET' && /\/snapshots\/docs-/.test(r.path))!;
		expect(download.acceptEncoding).toBe('identity');
		const stored = qdrant.collections.get('docs')!.get((created.outputs[0]![0]!.json.snapshot as IDataObject).name as string)!;
		expect(Buffer.from(outputs[0]![0]!.binary!.data!.data, 'base64').equals(Buffer.concat([...contentChunks(stored.content)]))).toBe(true);
	});

	test('Peer URL sends the operation to that peer, not to the credential URL', async () => {
		await standIn();
		const other = new QdrantStandIn({ apiKey: API_KEY, collections: ['docs'], peerId: 2, createdSnapshotSize: 1000 });
		await other.start();
		try {
			const { outputs } = await run({ operation: 'create', peerUrl: other.url });
			expect((outputs[0]![0]!.json.snapshot as IDataObject).name).toMatch(/^docs-2-/);
			expect(qdrant.requests).toHaveLength(0);
		} finally {
			await other.stop();
		}
	});

	test('restore from a snapshot on this Qdrant sends Qdrant its own URL (default localhost:6333), not n8n’s', async () => {
		await standIn();
		const created = await run({ operation: 'create' });
		const { error } = await run({ operation: 'restore', restoreSource: 'snapshot' }, created.outputs[0]);
		// Nothing listens on localhost:6333 here: Qdrant's own fetch fails, and says where it tried.
		expect(error?.description).toContain('http://localhost:6333/collections/docs/snapshots/');
		expect(qdrant.recoveries).toHaveLength(0);
	});
});
