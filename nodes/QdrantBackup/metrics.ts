/**
 * Optional Pushgateway push per collection after Create, Download and Verify.
 *
 * A push replaces the whole group (job ragops_backup, target = collection), so
 * every push carries the full set, and the last success timestamp of earlier
 * runs lives in the workflow's static data (it survives between runs of an
 * active workflow; a manual run starts from nothing).
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { pushMetrics, type Sample } from '../shared/pushgateway';
import type { SnapshotScope } from './qdrantClient';

const PUSHING = new Set(['create', 'download', 'verify']);

export const FULL_STORAGE_TARGET = 'full-storage';

interface BackupState {
	lastSuccess?: number;
	size?: number;
	/** Source of the last verification: 1 Qdrant's checksum, 0 the SHA-256 recorded at download (S3). */
	checksumFromQdrant?: number;
}

export async function pushBackupMetrics(
	ctx: IExecuteFunctions,
	itemIndex: number,
	operation: string,
	scope: SnapshotScope,
	emitted: { json: IDataObject },
	started: number,
	failed = false,
): Promise<void> {
	if (!PUSHING.has(operation) || !(ctx.getNodeParameter('pushMetrics', itemIndex, false) as boolean)) return;
	const target = scope.collection ?? FULL_STORAGE_TARGET;
	const staticData = ctx.getWorkflowStaticData('global');
	const all = (staticData.ragopsQdrantBackup ??= {}) as Record<string, BackupState>;
	const state = (all[target] ??= {});
	const now = Date.now();

	const snapshot = emitted.json.snapshot as { size?: number } | undefined;
	if (!failed && typeof snapshot?.size === 'number') state.size = snapshot.size;
	if (!failed) state.lastSuccess = now / 1000;
	const startedAt = Date.parse(String(emitted.json.startedAt ?? ''));
	const duration = (now - (Number.isNaN(startedAt) ? started : startedAt)) / 1000;
	const verified = !failed && operation !== 'create' && emitted.json.verified === true;
	const method = (emitted.json.verification as { method?: unknown } | undefined)?.method;

	const samples: Sample[] = [
		{ metric: METRICS.backupLastRun, value: now / 1000 },
		{ metric: METRICS.backupLastRunSuccess, value: failed ? 0 : 1 },
		{ metric: METRICS.backupDuration, value: duration },
		{ metric: METRICS.backupVerified, value: verified ? 1 : 0 },
	];
	// Only a verification has a source; create pushes none, so the series keeps the last verification's.
	if (verified && (method === 'qdrant-checksum' || method === 'download-sha256')) {
		state.checksumFromQdrant = method === 'qdrant-checksum' ? 1 : 0;
	}
	if (state.checksumFromQdrant !== undefined) samples.push({ metric: METRICS.backupChecksumFromQdrant, value: state.checksumFromQdrant });
	if (state.lastSuccess !== undefined) samples.push({ metric: METRICS.backupLastSuccess, value: state.lastSuccess });
	if (state.size !== undefined) samples.push({ metric: METRICS.backupSize, value: state.size });

	const outcome = await pushMetrics(ctx, itemIndex, { job: PUSH_JOBS.backup, target, samples });
	emitted.json.metricsPushed = outcome.pushed;
	if (outcome.warning) emitted.json.metricsWarning = outcome.warning;
}
