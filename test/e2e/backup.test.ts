/**
 * The Qdrant Backup node inside real n8n 2.40 (installed from `npm pack` as a
 * community package, testbed/n8n/testbed), against the Qdrant snapshot
 * API stand-in: Create → Download → Verify → Apply Retention, with n8n's
 * filesystem binary mode (the streamed download lands on disk, not in memory).
 * Built-in nodes downstream prove the binary that reaches them is the
 * snapshot, byte for byte: Extract From File (base64 of the bytes) and Crypto
 * (SHA-256 of the binary stream).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { N8nTestBed } from '../../testbed/n8n/testbed';
import { contentChunks, QdrantStandIn, type SnapshotContent } from '../../testbed/stack/qdrantStandIn';

jest.setTimeout(600_000);

const API_KEY = 'e2e-key';
let bed: N8nTestBed;
let qdrant: QdrantStandIn;

beforeAll(async () => {
	qdrant = new QdrantStandIn({ apiKey: API_KEY, collections: ['docs'], createdSnapshotSize: 3 * 1024 * 1024 + 123 });
	await qdrant.start();
	bed = await N8nTestBed.create({ env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } });
});

afterAll(async () => {
	await bed?.dispose();
	await qdrant?.stop();
});

function fixture(credentialId: string): Record<string, unknown> {
	const text = readFileSync(join(__dirname, 'fixtures', 'backup-pipeline.json'), 'utf8');
	return JSON.parse(text.replaceAll('__QDRANT_CREDENTIAL_ID__', credentialId));
}

test('Create → Download → Verify → Apply Retention in real n8n; the binary downstream is the snapshot byte for byte', async () => {
	// Six older daily snapshots; keepLast 3 must leave the new one and the two newest old ones.
	const old = Array.from({ length: 6 }, (_, i) =>
		qdrant.addSnapshot('docs', {
			creationTime: new Date(Date.UTC(2026, 10, 10 + i, 3)),
			content: { size: 4096, seed: 100 + i },
		}),
	);
	const [credentialId] = await bed.importCredentials([
		{ name: 'Qdrant stand-in', type: 'ragOpsQdrantApi', data: { url: qdrant.url, apiKey: API_KEY } },
	]);
	const run = await bed.run(fixture(credentialId!));
	expect(run.error).toBeUndefined();

	const created = run.json('Create Snapshot')[0]!;
	const snapshot = created.snapshot as { name: string; size: number; checksum: string };
	const stored = qdrant.collections.get('docs')!.get(snapshot.name)!;
	const bytes = Buffer.concat([...contentChunks((stored as unknown as { content: SnapshotContent }).content)]);
	expect(snapshot.size).toBe(bytes.length);

	const downloaded = run.items('Download Snapshot')[0]!;
	expect(downloaded.json).toMatchObject({ verified: true, bytes: bytes.length, sha256: snapshot.checksum });
	// Filesystem mode: the item carries a reference, not the bytes.
	expect(String((downloaded.binary!.data as { id?: string }).id)).toMatch(/^filesystem/);

	expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true, sha256: snapshot.checksum });

	const base64 = run.json('Binary To Base64')[0]!.base64 as string;
	expect(Buffer.from(base64, 'base64').equals(bytes)).toBe(true);
	expect(run.json('Hash Binary')[0]!.downstreamSha256).toBe(createHash('sha256').update(bytes).digest('hex'));

	const retention = run.json('Apply Retention')[0]!;
	expect(retention).toMatchObject({ protected: snapshot.name, total: 7, dryRun: false });
	expect(retention.deleted).toEqual(old.slice(0, 4).map((s) => s.name).reverse());
	expect([...qdrant.collections.get('docs')!.keys()].sort()).toEqual([snapshot.name, old[4]!.name, old[5]!.name].sort());
	// Every request carried the credential's key.
	expect(qdrant.requests.every((r) => r.apiKey === API_KEY)).toBe(true);
});

test('a 500 on create fails the run before anything is downloaded or deleted', async () => {
	const before = [...qdrant.collections.get('docs')!.keys()].sort();
	qdrant.faults.createFailures = 1;
	const deletesBefore = qdrant.requests.filter((r) => r.method === 'DELETE').length;
	const [credentialId] = await bed.importCredentials([
		{ name: 'Qdrant stand-in', type: 'ragOpsQdrantApi', data: { url: qdrant.url, apiKey: API_KEY } },
	]);
	const run = await bed.run(fixture(credentialId!));
	expect(run.error?.message).toContain('Qdrant failed while creating a snapshot');
	expect(run.nodesRun).not.toContain('Apply Retention');
	expect(qdrant.requests.filter((r) => r.method === 'DELETE').length).toBe(deletesBefore);
	expect([...qdrant.collections.get('docs')!.keys()].sort()).toEqual(before);
});

test('S3-backed Qdrant (no checksums): the same workflow verifies by the SHA-256 of the download, downloads ask for identity, retention applies', async () => {
	const s3 = new QdrantStandIn({ apiKey: API_KEY, collections: ['docs'], storage: 's3', createdSnapshotSize: 2 * 1024 * 1024 + 7 });
	await s3.start();
	try {
		const old = Array.from({ length: 5 }, (_, i) =>
			s3.addSnapshot('docs', { creationTime: new Date(Date.UTC(2026, 10, 10 + i, 3)), content: { size: 2048, seed: 300 + i } }),
		);
		const [credentialId] = await bed.importCredentials([{ name: 'Qdrant stand-in', type: 'ragOpsQdrantApi', data: { url: s3.url, apiKey: API_KEY } }]);
		const run = await bed.run(fixture(credentialId!));
		expect(run.error).toBeUndefined();
		const created = run.json('Create Snapshot')[0]!;
		const snapshot = created.snapshot as { name: string; size: number; checksum?: string };
		expect(snapshot.checksum).toBeUndefined();
		const stored = s3.collections.get('docs')!.get(snapshot.name)!;
		const sha = createHash('sha256').update(Buffer.concat([...contentChunks((stored as unknown as { content: SnapshotContent }).content)])).digest('hex');

		expect(run.json('Download Snapshot')[0]).toMatchObject({ verified: true, sha256: sha, verification: { method: 'download-sha256', sha256: sha, qdrantChecksum: null } });
		expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true, verification: { method: 'download-sha256', sha256: sha } });
		expect(run.json('Hash Binary')[0]!.downstreamSha256).toBe(sha);
		const retention = run.json('Apply Retention')[0]!;
		expect(retention).toMatchObject({ protected: snapshot.name, total: 6 });
		expect(retention.deleted).toEqual(old.slice(0, 3).map((s) => s.name).reverse());
		// Real n8n passes the node's Accept-Encoding through: Qdrant would otherwise compress on the fly.
		const downloads = s3.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/snapshots/${snapshot.name}`));
		expect(downloads.length).toBeGreaterThan(0);
		expect(downloads.every((r) => r.acceptEncoding === 'identity')).toBe(true);
	} finally {
		await s3.stop();
	}
});

test('a create that outlives its timeout in real n8n is followed up on Qdrant, and the pipeline goes on with the late snapshot', async () => {
	const slow = new QdrantStandIn({ apiKey: API_KEY, collections: ['docs'], createdSnapshotSize: 64 * 1024 });
	await slow.start();
	try {
		slow.faults.createDelayMs = 2500;
		const [credentialId] = await bed.importCredentials([{ name: 'Qdrant stand-in', type: 'ragOpsQdrantApi', data: { url: slow.url, apiKey: API_KEY } }]);
		const workflow = fixture(credentialId!) as { nodes: Array<{ name: string; parameters: Record<string, unknown> }> };
		Object.assign(workflow.nodes.find((n) => n.name === 'Create Snapshot')!.parameters, { timeout: 1, followUp: 20 });
		const run = await bed.run(workflow);
		expect(run.error).toBeUndefined();
		const created = run.json('Create Snapshot')[0]!;
		expect(created).toMatchObject({ completed: true, finishedAfterTimeout: true, snapshot: { name: expect.stringMatching(/^docs-/) } });
		expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true, verification: { method: 'qdrant-checksum' } });
		expect(slow.requests.some((r) => r.path === '/telemetry')).toBe(true);
	} finally {
		await slow.stop();
	}
});
