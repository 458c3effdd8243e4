/**
 * Optional Pushgateway push per collection after Create, Download and Verify.
 *
 * Every push merges into the group (POST; job ragops_backup, target =
 * collection) and carries only what this operation knows, so the node keeps
 * no state: the last success time and size stay as the last successful run
 * pushed them, and `ragops_backup_verified` comes only from a Download or
 * Verify (a Create says nothing about verification, so a healthy Create no
 * longer reads as "unverified" while its Download is still running). Static
 * data would not do: it does not reach queue-mode workers.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { pushMetrics, recordPush, type Sample } from '../shared/pushgateway';
import { scheduleIntervalSeconds } from '../shared/scheduleInterval';
import type { SnapshotScope } from './transport';

const PUSHING = new Set(['create', 'download', 'verify']);

export const FULL_STORAGE_TARGET = 'full-storage';

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
	const now = Date.now();

	const snapshot = emitted.json.snapshot as { size?: number } | undefined;
	const startedAt = Date.parse(String(emitted.json.startedAt ?? ''));
	const duration = (now - (Number.isNaN(startedAt) ? started : startedAt)) / 1000;
	const verifies = operation !== 'create';
	const verified = !failed && verifies && emitted.json.verified === true;
	const method = (emitted.json.verification as { method?: unknown } | undefined)?.method;

	const samples: Sample[] = [
		{ metric: METRICS.backupLastRun, value: now / 1000 },
		{ metric: METRICS.backupLastRunSuccess, value: failed ? 0 : 1 },
		{ metric: METRICS.backupDuration, value: duration },
	];
	if (verifies) samples.push({ metric: METRICS.backupVerified, value: verified ? 1 : 0 });
	// Only a verification has a source; the series keeps the last verification's otherwise.
	if (verified && (method === 'qdrant-checksum' || method === 'download-sha256')) {
		samples.push({ metric: METRICS.backupChecksumFromQdrant, value: method === 'qdrant-checksum' ? 1 : 0 });
	}
	if (!failed) samples.push({ metric: METRICS.backupLastSuccess, value: now / 1000 });
	if (!failed && typeof snapshot?.size === 'number') samples.push({ metric: METRICS.backupSize, value: snapshot.size });
	// The schedule as set now, so RagBackupTooOld follows a cron edited in the editor.
	const interval = scheduleIntervalSeconds(ctx);
	if (interval !== undefined) samples.push({ metric: METRICS.backupScheduleInterval, value: interval });

	const outcome = await pushMetrics(ctx, itemIndex, { job: PUSH_JOBS.backup, target, samples, mode: 'merge' });
	recordPush(emitted.json, outcome);
}
