/**
 * Qdrant Backup → a real prometheus-pushgateway (Debian binary): the ragops_backup
 * group per collection, read back from the Pushgateway's /metrics.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { QdrantBackup } from '../../../../nodes/QdrantBackup/QdrantBackup.node';
import { runNode } from '../../../support/nodeHarness';
import { startPushgateway, type PushgatewayServer } from '../../../../testbed/pushgatewayServer';
import { QdrantStandIn } from '../../../../testbed/stack/qdrantStandIn';
import { parseExposition } from '../../../support/promText';

jest.setTimeout(60_000);

let qdrant: QdrantStandIn;
let pgw: PushgatewayServer;

beforeAll(async () => {
	pgw = await startPushgateway();
});
afterAll(async () => {
	await pgw?.stop();
});
beforeEach(async () => {
	qdrant = new QdrantStandIn({ collections: ['docs', 'fresh'], createdSnapshotSize: 50_000 });
	await qdrant.start();
});
afterEach(async () => {
	await qdrant.stop();
});

function run(parameters: IDataObject, staticData: IDataObject, inputItems?: INodeExecutionData[], pushgatewayUrl = pgw.url) {
	return runNode({
		node: new QdrantBackup(),
		parameters: { resource: 'collection', collection: 'docs', pushMetrics: true, ...parameters } as never,
		inputItems,
		staticData,
		continueOnFail: true,
		credentials: { ragOpsQdrantApi: { url: qdrant.url }, ragOpsPushgatewayApi: { url: pushgatewayUrl } },
	});
}

async function backupSeries(): Promise<Record<string, number>> {
	const series = parseExposition(await pgw.metrics()).filter(
		(s) => s.labels.job === 'ragops_backup' && s.labels.target === 'docs' && s.name.startsWith('ragops_backup_'),
	);
	return Object.fromEntries(series.map((s) => [s.name, s.value]));
}

test('a verified backup pushes success, size, duration and verified=1; a later failed create, on a worker with no static data, keeps the last success time and says nothing about verification', async () => {
	const staticData: IDataObject = {};
	const created = await run({ operation: 'create' }, staticData);
	const downloaded = await run({ operation: 'download' }, staticData, created.outputs[0]);
	const verified = await run({ operation: 'verify', verifySource: 'binary' }, staticData, downloaded.outputs[0]);
	expect(verified.outputs[0]![0]!.json).toMatchObject({ verified: true, metrics: { pushed: true } });

	const ok = await backupSeries();
	expect(ok).toMatchObject({
		ragops_backup_verified: 1,
		ragops_backup_last_run_success: 1,
		ragops_backup_snapshot_size_bytes: 50_000,
	});
	expect(ok.ragops_backup_last_success_timestamp_seconds).toBeGreaterThan(1_700_000_000);
	expect(ok.ragops_backup_last_run_duration_seconds).toBeGreaterThanOrEqual(0);

	qdrant.faults.createFailures = 1;
	const failed = await run({ operation: 'create' }, {});
	expect(failed.outputs[0]![0]!.json).toMatchObject({ verified: false, error: expect.stringContaining('HTTP 500') });
	const after = await backupSeries();
	// One cause, one signal: the failure is last_run_success=0; verified stays the last verification's.
	expect(after).toMatchObject({ ragops_backup_last_run_success: 0, ragops_backup_verified: 1, ragops_backup_snapshot_size_bytes: 50_000 });
	expect(after.ragops_backup_last_success_timestamp_seconds).toBe(ok.ragops_backup_last_success_timestamp_seconds);
	expect(after.ragops_backup_last_run_timestamp_seconds).toBeGreaterThanOrEqual(ok.ragops_backup_last_run_timestamp_seconds!);
});

test('a Create alone pushes no verification state: ragops_backup_verified appears only with a Download or Verify', async () => {
	const created = await run({ operation: 'create', collection: 'fresh' }, {});
	expect(created.outputs[0]![0]!.json).toMatchObject({ metrics: { pushed: true } });
	const fresh = parseExposition(await pgw.metrics()).filter((s) => s.labels.job === 'ragops_backup' && s.labels.target === 'fresh');
	expect(fresh.map((s) => s.name)).toContain('ragops_backup_last_success_timestamp_seconds');
	expect(fresh.map((s) => s.name)).not.toContain('ragops_backup_verified');
});

test('a Pushgateway that is down only adds a warning; the backup step succeeds', async () => {
	const { outputs, error } = await run({ operation: 'create' }, {}, undefined, 'http://127.0.0.1:9');
	expect(error).toBeUndefined();
	expect(outputs[0]![0]!.json).toMatchObject({ metrics: { pushed: false }, warnings: [expect.any(String)] });
	expect(qdrant.collections.get('docs')!.size).toBe(1);
});

test('the verification record reaches the metrics: Qdrant checksum → checksum_from_qdrant 1; S3 (SHA-256 at download) → 0', async () => {
	const staticData: IDataObject = {};
	const created = await run({ operation: 'create' }, staticData);
	await run({ operation: 'download' }, staticData, created.outputs[0]);
	expect((await backupSeries()).ragops_backup_checksum_from_qdrant).toBe(1);

	await qdrant.stop();
	qdrant = new QdrantStandIn({ collections: ['docs'], createdSnapshotSize: 20_000, storage: 's3' });
	await qdrant.start();
	const s3Created = await run({ operation: 'create' }, staticData);
	const s3Downloaded = await run({ operation: 'download' }, staticData, s3Created.outputs[0]);
	expect(s3Downloaded.outputs[0]![0]!.json).toMatchObject({ verified: true, verification: { method: 'download-sha256' } });
	const after = await backupSeries();
	expect(after).toMatchObject({ ragops_backup_verified: 1, ragops_backup_checksum_from_qdrant: 0, ragops_backup_snapshot_size_bytes: 20_000 });
});
