/**
 * Batch work reported by the nodes through the Pushgateway: ingestion runs,
 * freshness manifests and Qdrant backups. Per configured source the usual
 * batch-job trio: age of the last success (> 2 periods of the schedule the
 * node pushes, the config's while it pushes none), last run failed, and
 * `absent()` of the series (never pushed, or the Pushgateway lost it).
 *
 * Ages are computed as `time() - <timestamp>`: a pushed age is a snapshot that
 * stops growing when the pusher stops, a timestamp does not.
 */
import type { RagopsConfig } from '../../config/schema';
import { formatDuration, parseDuration } from '../../duration';
import { METRICS, PUSH_JOBS, type MetricDefinition } from '../../../nodes/shared/metricCatalog';
import { alertRule, DASHBOARDS, num, q, type AlertingRule } from './model';
import { olderThanPushed, PUSHGATEWAY_UP } from './health';

function sel(job: string, target: string): string {
	return `{job=${q(job)},target=${q(target)}}`;
}

/** The service label of ingestion and freshness alerts: the ingestion service if one is configured. */
export function ingestionService(cfg: RagopsConfig): string {
	return cfg.services.find((s) => s.kind === 'ingestion')?.name ?? 'ingestion';
}

export function ingestionAlerts(cfg: RagopsConfig): AlertingRule[] {
	const service = ingestionService(cfg);
	return cfg.ingestion.sources.flatMap((src) => {
		const s = sel(PUSH_JOBS.ingestion, src.name);
		// Two periods of the schedule the node reads from its Schedule Trigger at each run
		// (a cron edited in n8n), two of the config's `every` while it pushes none.
		const interval = `${METRICS.ingestionScheduleInterval.name}${s}`;
		const age = `time() - ${METRICS.ingestionLastSuccess.name}${s}`;
		const base = { service, dashboard: DASHBOARDS.ingestion, labels: { target: src.name } } as const;
		return [
			alertRule(cfg, {
				...base,
				alert: 'RagIngestionStale',
				expr: olderThanPushed(age, `2 * ${interval}`, 'job, target', 2 * parseDuration(src.every), interval),
				for: '5m',
				severity: 'warning',
				summary: 'No successful ingestion run for two schedule periods.',
				description: `The last successful ingestion of source {{ $labels.target }} finished {{ $value | humanizeDuration }} ago, more than two periods of its Schedule Trigger (${src.every} if the node pushes none).`,
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagIngestionFailed',
				expr: `${METRICS.ingestionLastRunSuccess.name}${s} == 0`,
				for: '5m',
				severity: 'warning',
				summary: 'The last ingestion run failed.',
				description: 'The last ingestion run of source {{ $labels.target }} failed; the index keeps the previous successful run’s content.',
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagIngestionMetricsAbsent',
				expr: `absent(${METRICS.ingestionLastRun.name}${s}) ${PUSHGATEWAY_UP}`,
				for: formatDuration(parseDuration(src.every)),
				severity: 'warning',
				summary: 'No ingestion run has been reported for a whole schedule period.',
				description: `No ${METRICS.ingestionLastRun.name} for source {{ $labels.target }} has been pushed for ${src.every}.`,
			}),
		];
	});
}

export function freshnessAlerts(cfg: RagopsConfig): AlertingRule[] {
	const service = ingestionService(cfg);
	return cfg.ingestion.freshness.flatMap((f) => {
		const s = sel(PUSH_JOBS.freshness, f.manifest);
		const base = { service, dashboard: DASHBOARDS.ingestion, labels: { target: f.manifest } } as const;
		// Against the limits the node pushes (its Warn After / Error After as edited in
		// n8n); the config's limits only while none are pushed.
		const age = `time() - ${METRICS.freshnessGenerated.name}${s}`;
		const stale = (severity: 'warning' | 'critical', limit: MetricDefinition, after: string) =>
			alertRule(cfg, {
				...base,
				alert: 'RagFreshnessManifestStale',
				expr: olderThanPushed(age, `${limit.name}${s}`, 'job, target', parseDuration(after)),
				for: '5m',
				severity,
				summary: `The freshness manifest is older than the check's ${severity === 'warning' ? 'Warn' : 'Error'} After limit.`,
				description: `Manifest {{ $labels.target }} was generated {{ $value | humanizeDuration }} ago, beyond the ${severity} limit the freshness check pushes (${after} if it pushes none).`,
			});
		return [
			stale('warning', METRICS.freshnessWarnAfter, f.warnAfter),
			stale('critical', METRICS.freshnessErrorAfter, f.errorAfter),
			alertRule(cfg, {
				...base,
				alert: 'RagFreshnessMetricsAbsent',
				expr: `absent(${METRICS.freshnessGenerated.name}${s}) ${PUSHGATEWAY_UP}`,
				for: f.absentAfter,
				severity: 'warning',
				summary: 'No freshness check result has been pushed.',
				description: `No ${METRICS.freshnessGenerated.name} for manifest {{ $labels.target }} has been pushed for ${f.absentAfter}.`,
			}),
		];
	});
}

export function backupAlerts(cfg: RagopsConfig): AlertingRule[] {
	const b = cfg.backups;
	if (!b) return [];
	// One period plus the longest a run may take: the next run started one period
	// after the last one and must have finished by then.
	// The period is the one the node reads from its Schedule Trigger at each run (a cron
	// edited in n8n); the config's `every` while it pushes none.
	const maxRuntime = parseDuration(b.maxRuntime);
	return b.collections.flatMap((collection) => {
		const s = sel(PUSH_JOBS.backup, collection);
		const interval = `${METRICS.backupScheduleInterval.name}${s}`;
		const age = `time() - ${METRICS.backupLastSuccess.name}${s}`;
		const base = { service: b.service, dashboard: DASHBOARDS.vectorDb, labels: { target: collection } } as const;
		return [
			alertRule(cfg, {
				...base,
				alert: 'RagBackupTooOld',
				expr: olderThanPushed(age, `${interval} + ${maxRuntime}`, 'job, target', parseDuration(b.every) + maxRuntime, interval),
				for: '5m',
				severity: 'warning',
				summary: 'The last successful backup is older than one backup period plus its longest runtime.',
				description: `The last successful snapshot of collection {{ $labels.target }} is {{ $value | humanizeDuration }} old, more than one period of its Schedule Trigger (${b.every} if the node pushes none) plus the longest a run takes (${b.maxRuntime}).`,
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagBackupFailed',
				expr: `${METRICS.backupLastRunSuccess.name}${s} == 0`,
				for: '5m',
				severity: 'warning',
				summary: 'The last backup run failed.',
				description: 'The last backup of collection {{ $labels.target }} failed.',
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagBackupUnverified',
				// Only a successful push with verified=0 is a snapshot waiting for its check:
				// Create pushes it, Download and Verify push verified=1 or fail (and a failed
				// run is RagBackupFailed's, one message per bad snapshot). Waiting longer than
				// a whole run may take means the Verify never came.
				expr: `${METRICS.backupVerified.name}${s} == 0 and on (job, target) ${METRICS.backupLastRunSuccess.name}${s} == 1`,
				for: b.maxRuntime,
				severity: 'warning',
				summary: 'The last snapshot was created but never verified against its checksum.',
				description: `The last snapshot of collection {{ $labels.target }} has waited more than ${b.maxRuntime} for its Download/Verify; it may not restore.`,
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagBackupMetricsAbsent',
				expr: `absent(${METRICS.backupLastRun.name}${s}) ${PUSHGATEWAY_UP}`,
				for: formatDuration(parseDuration(b.every)),
				severity: 'warning',
				summary: 'No backup run has been reported for a whole backup period.',
				description: `No ${METRICS.backupLastRun.name} for collection {{ $labels.target }} has been pushed for ${b.every}.`,
			}),
		];
	});
}

export { num };
