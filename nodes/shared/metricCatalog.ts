/**
 * The metric catalog for everything the nodes push to a Prometheus Pushgateway.
 *
 * This is the one home of every `ragops_*` metric name: the nodes import it to
 * build their pushes, and the generators (`gen/`) import it to check that every
 * rule and dashboard expression only queries metrics somebody really emits.
 * Renaming a metric here renames it everywhere; a name that is not here cannot
 * be used by a generated rule (a test fails).
 *
 * Conventions (https://prometheus.io/docs/practices/naming/): base units,
 * `_seconds`, `_bytes`, `_timestamp_seconds`; enums are exposed as one series
 * per state with value 0/1 (the kube-state-metrics pattern) so alerts can
 * select a state by label (the `*_status` metrics: one series per
 * HEALTH_STATUSES entry, nodes/shared/status.ts); no unbounded labels.
 *
 * Grouping key of every push: `job` (one per node kind, below) and `target`
 * (a stable, user-chosen name: the health-check target, the manifest, the
 * ingestion source, the Qdrant collection or the retrieval golden set). Never `instance`, so the
 * Pushgateway group is stable when n8n moves hosts.
 */

export type MetricType = 'gauge' | 'counter';

export interface MetricDefinition {
	/** Full metric name as exposed. */
	readonly name: string;
	readonly type: MetricType;
	readonly help: string;
	/** Labels beyond the grouping key (`job`, `target`). */
	readonly labels: readonly string[];
	/** The Pushgateway job (grouping key) the metric is pushed under. */
	readonly job: PushJob;
}

/** One Pushgateway job per node kind. */
export const PUSH_JOBS = {
	health: 'ragops_health',
	freshness: 'ragops_freshness',
	ingestion: 'ragops_ingestion',
	backup: 'ragops_backup',
	retrieval: 'ragops_retrieval',
} as const;

export type PushJob = (typeof PUSH_JOBS)[keyof typeof PUSH_JOBS];

/** The label carrying the stable target name in every push's grouping key. */
export const TARGET_LABEL = 'target';

function metric(
	job: PushJob,
	name: string,
	help: string,
	labels: readonly string[] = [],
	type: MetricType = 'gauge',
): MetricDefinition {
	return { name, type, help, labels, job };
}

export const METRICS = {
	// RAG Health Check
	healthUp: metric(
		PUSH_JOBS.health,
		'ragops_health_up',
		'Debounced state of the target: 1 when UP, 0 when DOWN (after N consecutive failures).',
	),
	healthStatus: metric(
		PUSH_JOBS.health,
		'ragops_health_status',
		'Result of the last check of the target: 1 for the current status, 0 for the others.',
		['status'],
	),
	healthCritical: metric(
		PUSH_JOBS.health,
		'ragops_health_critical',
		'Whether the target is marked critical in the health check (1) or not (0).',
	),
	healthResponseTime: metric(
		PUSH_JOBS.health,
		'ragops_health_response_time_seconds',
		'Response time of the last check of the target, in seconds.',
	),
	healthConsecutiveFailures: metric(
		PUSH_JOBS.health,
		'ragops_health_consecutive_failures',
		'Number of consecutive failed checks of the target.',
	),
	healthLastRun: metric(
		PUSH_JOBS.health,
		'ragops_health_last_run_timestamp_seconds',
		'Unix time of the last check of the target.',
	),
	healthInterval: metric(
		PUSH_JOBS.health,
		'ragops_health_check_interval_seconds',
		'The interval the health watch checks the target at (its Check Every as it runs now), in seconds. The staleness rule is relative to it, so an interval edited in n8n needs no new rule.',
	),

	// RAG Freshness Check
	freshnessStatus: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_status',
		'Freshness verdict of the manifest: 1 for the current status, 0 for the others.',
		['status'],
	),
	freshnessAge: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_manifest_age_seconds',
		'Age of the freshness manifest (now minus its generated-at time) when last checked, in seconds.',
	),
	freshnessGenerated: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_last_generated_timestamp_seconds',
		'Unix time at which the checked manifest was generated.',
	),
	freshnessChunks: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_chunks',
		'Number of chunks the manifest reports in the index.',
	),
	freshnessDocuments: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_documents',
		'Number of documents the manifest reports in the index.',
	),
	freshnessLastRun: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_last_run_timestamp_seconds',
		'Unix time of the last freshness check.',
	),
	freshnessWarnAfter: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_warn_after_seconds',
		'The node\'s Warn After limit for the manifest\'s age, in seconds; the warning staleness rule compares against it.',
	),
	freshnessErrorAfter: metric(
		PUSH_JOBS.freshness,
		'ragops_freshness_error_after_seconds',
		'The node\'s Error After limit for the manifest\'s age, in seconds; the critical staleness rule compares against it.',
	),

	// RAG Ingestion
	ingestionLastRun: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_run_timestamp_seconds',
		'Unix time at which the last ingestion run of the source finished.',
	),
	ingestionLastSuccess: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_success_timestamp_seconds',
		'Unix time at which the last successful ingestion run of the source finished.',
	),
	ingestionLastRunSuccess: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_run_success',
		'Whether the last ingestion run of the source succeeded (1) or failed (0).',
	),
	ingestionDuration: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_run_duration_seconds',
		'Duration of the last ingestion run of the source, in seconds.',
	),
	ingestionDocuments: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_run_documents',
		'Documents processed by the last ingestion run of the source.',
	),
	ingestionChunks: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_last_run_chunks',
		'Chunks written by the last ingestion run of the source.',
	),
	ingestionScheduleInterval: metric(
		PUSH_JOBS.ingestion,
		'ragops_ingestion_schedule_interval_seconds',
		'Longest gap between two runs of the Schedule Trigger that starts the ingestion, as set at the last run, in seconds (absent when no Schedule Trigger starts it). RagIngestionStale is relative to it.',
	),

	// Qdrant Backup
	backupLastRun: metric(
		PUSH_JOBS.backup,
		'ragops_backup_last_run_timestamp_seconds',
		'Unix time at which the last backup of the collection finished.',
	),
	backupLastSuccess: metric(
		PUSH_JOBS.backup,
		'ragops_backup_last_success_timestamp_seconds',
		'Unix time at which the last successful backup of the collection finished.',
	),
	backupLastRunSuccess: metric(
		PUSH_JOBS.backup,
		'ragops_backup_last_run_success',
		'Whether the last backup of the collection succeeded (1) or failed (0).',
	),
	backupSize: metric(
		PUSH_JOBS.backup,
		'ragops_backup_snapshot_size_bytes',
		'Size of the last snapshot of the collection, in bytes.',
	),
	backupDuration: metric(
		PUSH_JOBS.backup,
		'ragops_backup_last_run_duration_seconds',
		'Duration of the last backup of the collection, in seconds.',
	),
	backupVerified: metric(
		PUSH_JOBS.backup,
		'ragops_backup_verified',
		'Whether the last snapshot of the collection verified against its checksum (1) or not (0).',
	),
	backupChecksumFromQdrant: metric(
		PUSH_JOBS.backup,
		'ragops_backup_checksum_from_qdrant',
		"Whether the last verification compared the bytes with Qdrant's own checksum (1) or, Qdrant keeping none (S3 snapshot storage), recorded the SHA-256 computed while downloading (0).",
	),

	backupScheduleInterval: metric(
		PUSH_JOBS.backup,
		'ragops_backup_schedule_interval_seconds',
		'Longest gap between two runs of the Schedule Trigger that starts the backup, as set at the last run, in seconds (absent when no Schedule Trigger starts it). RagBackupTooOld is relative to it.',
	),

	// RAG Retrieval Check (one group per golden set). A measure not taken in a
	// run (no labelled case, no baseline, no answer) is left out of the push,
	// so its series disappears instead of showing a made-up 0.
	retrievalHitRate: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_hit_rate',
		'Share of labelled golden cases with an expected document in the top k of the last run (recall@k as hit rate, 0 to 1).',
	),
	retrievalRecall: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_recall',
		'Mean fraction of the expected documents found in the top k over the labelled golden cases of the last run (recall@k, 0 to 1).',
	),
	retrievalMrr: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_mrr',
		'Mean reciprocal rank of the first expected document within the top k over the labelled golden cases of the last run.',
	),
	retrievalNdcg: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_ndcg',
		'Mean binary-relevance nDCG@k over the labelled golden cases of the last run.',
	),
	retrievalOverlap: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_baseline_overlap',
		'Mean rank-biased overlap (RBO_ext) of each golden case\'s ranked ids against its baseline in the last run (1 = unchanged, 0 = disjoint).',
	),
	retrievalEmptyRatio: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_empty_result_ratio',
		'Share of answered golden cases that retrieved nothing in the last run.',
	),
	retrievalErrorRatio: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_error_ratio',
		'Share of golden cases whose search call failed (after retries) in the last run.',
	),
	retrievalLatencyP50: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_latency_p50_seconds',
		'Median search latency over the golden cases of the last run, in seconds.',
	),
	retrievalLatencyP95: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_latency_p95_seconds',
		'95th percentile (nearest rank) of the search latency over the golden cases of the last run, in seconds.',
	),
	retrievalLatencyMax: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_latency_max_seconds',
		'Slowest search call among the golden cases of the last run, in seconds.',
	),
	retrievalCases: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_cases',
		'Golden cases run in the last run.',
	),
	retrievalK: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_k',
		'The default k (results considered per case) of the last run.',
	),
	retrievalStatus: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_status',
		'Verdict of the last retrieval check: 1 for the current status, 0 for the others.',
		['status'],
	),
	retrievalLastRun: metric(
		PUSH_JOBS.retrieval,
		'ragops_retrieval_last_run_timestamp_seconds',
		'Unix time of the last retrieval check of the golden set.',
	),
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** Every pushed metric, for generators and tests. */
export const ALL_PUSHED_METRICS: readonly MetricDefinition[] = Object.values(METRICS);
