import type { IDataObject } from 'n8n-workflow';

import type { Sample } from '../shared/exposition';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';

/**
 * The Pushgateway group of one ingestion source (job `ragops_ingestion`,
 * target = the source): the catalog's `ragops_ingestion_*` metrics, and the
 * only place this node reads the catalog. The last-success time only on a
 * success; a measure the run did not report is left out (the group keeps the
 * value an earlier run pushed).
 */

export const INGESTION_JOB = PUSH_JOBS.ingestion;

/** `scheduleSeconds`: the workflow's schedule as set now, so RagIngestionStale follows a cron edited in the editor. */
export function ingestionSamples(succeeded: boolean, finishedMs: number, record: IDataObject, scheduleSeconds?: number): Sample[] {
	const samples: Sample[] = [
		{ metric: METRICS.ingestionLastRun, value: finishedMs / 1000 },
		{ metric: METRICS.ingestionLastRunSuccess, value: succeeded ? 1 : 0 },
	];
	if (succeeded) samples.push({ metric: METRICS.ingestionLastSuccess, value: finishedMs / 1000 });
	if (typeof record.durationSeconds === 'number') samples.push({ metric: METRICS.ingestionDuration, value: record.durationSeconds });
	if (typeof record.documentsProcessed === 'number') samples.push({ metric: METRICS.ingestionDocuments, value: record.documentsProcessed });
	if (typeof record.chunksWritten === 'number') samples.push({ metric: METRICS.ingestionChunks, value: record.chunksWritten });
	if (scheduleSeconds !== undefined) samples.push({ metric: METRICS.ingestionScheduleInterval, value: scheduleSeconds });
	return samples;
}
