/**
 * The full metric catalog the generators check expressions against: every
 * metric some producer really emits, with who emits it.
 *
 * - `ragops_*`: pushed by the nodes; names come from nodes/shared/metricCatalog.ts (the one home).
 * - The user's RAG API services: names from `services[].metrics` in the config (defaults in the schema).
 * - Third parties, with names checked against their docs/source:
 *   - Qdrant `/metrics` (qdrant.tech/documentation/guides/monitoring; the latency histogram since v1.8);
 *   - n8n `/metrics` with N8N_METRICS=true: its own gauges plus prom-client's default metrics under the
 *     `n8n_` prefix (names as in prom-client/lib/metrics);
 *   - Pushgateway, Prometheus, Alertmanager, Loki and blackbox_exporter self-metrics.
 * - Recording rules: their outputs become known once a rule defines them (see `withRecordingRules`).
 *
 * Only metrics a rule or dashboard may use need to be here; add a third-party
 * name only after checking the producer really exposes it.
 */
import { ragApiMetricsOf, type RagopsConfig } from './config/schema';
import { ALL_PUSHED_METRICS } from '../nodes/shared/metricCatalog';
import { metricsUsedBy } from './promql';

export type Producer =
	| 'ragops-nodes'
	| 'rag-api'
	| 'qdrant'
	| 'n8n'
	| 'pushgateway'
	| 'prometheus'
	| 'alertmanager'
	| 'loki'
	| 'blackbox-exporter'
	| 'recording-rule';

/** `histogram` marks the `_bucket`/`_count`/`_sum` series of a histogram; `info` a constant-1 gauge carrying labels. */
export type CatalogMetricType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'info' | 'recorded';

export interface CatalogEntry {
	readonly producer: Producer;
	readonly type: CatalogMetricType;
}

export type MetricCatalog = Map<string, CatalogEntry>;

/** The three series names a histogram base name exposes. */
export function histogramSeries(base: string): string[] {
	return [`${base}_bucket`, `${base}_count`, `${base}_sum`];
}

/** Qdrant node metrics (`/metrics`), as documented by Qdrant. */
export const QDRANT_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	app_info: 'info',
	app_status_recovery_mode: 'gauge',
	collections_total: 'gauge',
	collections_vector_total: 'gauge',
	collections_full_total: 'gauge',
	collections_aggregated_total: 'gauge',
	rest_responses_total: 'counter',
	rest_responses_fail_total: 'counter',
	rest_responses_avg_duration_seconds: 'gauge',
	rest_responses_min_duration_seconds: 'gauge',
	rest_responses_max_duration_seconds: 'gauge',
	...Object.fromEntries(histogramSeries('rest_responses_duration_seconds').map((n) => [n, 'histogram'])),
	grpc_responses_total: 'counter',
	grpc_responses_fail_total: 'counter',
	grpc_responses_avg_duration_seconds: 'gauge',
	grpc_responses_max_duration_seconds: 'gauge',
	cluster_enabled: 'gauge',
};

/** prom-client's default metrics (collectDefaultMetrics), which n8n exposes with the `n8n_` prefix. */
const PROM_CLIENT_DEFAULTS: Readonly<Record<string, CatalogMetricType>> = {
	process_cpu_seconds_total: 'counter',
	process_cpu_user_seconds_total: 'counter',
	process_cpu_system_seconds_total: 'counter',
	process_start_time_seconds: 'gauge',
	process_resident_memory_bytes: 'gauge',
	process_virtual_memory_bytes: 'gauge',
	process_heap_bytes: 'gauge',
	process_open_fds: 'gauge',
	process_max_fds: 'gauge',
	nodejs_eventloop_lag_seconds: 'gauge',
	nodejs_eventloop_lag_p99_seconds: 'gauge',
	nodejs_eventloop_lag_mean_seconds: 'gauge',
	nodejs_eventloop_lag_max_seconds: 'gauge',
	nodejs_active_handles_total: 'gauge',
	nodejs_active_requests_total: 'gauge',
	nodejs_heap_size_total_bytes: 'gauge',
	nodejs_heap_size_used_bytes: 'gauge',
	nodejs_external_memory_bytes: 'gauge',
	nodejs_version_info: 'info',
	...Object.fromEntries(histogramSeries('nodejs_gc_duration_seconds').map((n) => [n, 'histogram'])),
};

export const N8N_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	n8n_active_workflow_count: 'gauge',
	n8n_version_info: 'info',
	...Object.fromEntries(Object.entries(PROM_CLIENT_DEFAULTS).map(([n, t]) => [`n8n_${n}`, t])),
};

const PUSHGATEWAY_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	push_time_seconds: 'gauge',
	push_failure_time_seconds: 'gauge',
};

/** Series Prometheus itself creates (`up`, `ALERTS`, scrape meta) and its self-metrics the rules use. */
const PROMETHEUS_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	up: 'gauge',
	scrape_duration_seconds: 'gauge',
	scrape_samples_scraped: 'gauge',
	ALERTS: 'gauge',
	ALERTS_FOR_STATE: 'gauge',
	prometheus_build_info: 'info',
	prometheus_config_last_reload_successful: 'gauge',
	prometheus_rule_evaluation_failures_total: 'counter',
	prometheus_notifications_dropped_total: 'counter',
	prometheus_notifications_alertmanagers_discovered: 'gauge',
	prometheus_tsdb_head_series: 'gauge',
};

const ALERTMANAGER_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	alertmanager_build_info: 'info',
	alertmanager_config_last_reload_successful: 'gauge',
	alertmanager_alerts: 'gauge',
	alertmanager_notifications_total: 'counter',
	alertmanager_notifications_failed_total: 'counter',
};

const LOKI_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	loki_build_info: 'info',
	loki_distributor_lines_received_total: 'counter',
	loki_distributor_bytes_received_total: 'counter',
	loki_ingester_streams_created_total: 'counter',
	loki_ingester_memory_streams: 'gauge',
	...Object.fromEntries(histogramSeries('loki_request_duration_seconds').map((n) => [n, 'histogram'])),
};

const BLACKBOX_METRICS: Readonly<Record<string, CatalogMetricType>> = {
	probe_success: 'gauge',
	probe_duration_seconds: 'gauge',
	probe_http_status_code: 'gauge',
	probe_http_duration_seconds: 'gauge',
	probe_ssl_earliest_cert_expiry: 'gauge',
};

/** The metric names each configured RAG API exposes (defaults applied by the schema). */
export function ragApiMetricNames(cfg: RagopsConfig): Map<string, CatalogMetricType> {
	const out = new Map<string, CatalogMetricType>();
	for (const s of cfg.services) {
		if (s.kind !== 'rag-api') continue;
		const { requestsTotal: requests, latencyHistogram: histogram } = ragApiMetricsOf(s);
		out.set(requests, 'counter');
		for (const series of histogramSeries(histogram)) out.set(series, 'histogram');
	}
	return out;
}

export function buildCatalog(cfg: RagopsConfig): MetricCatalog {
	const catalog: MetricCatalog = new Map();
	const add = (producer: Producer, names: Readonly<Record<string, CatalogMetricType>> | Map<string, CatalogMetricType>) => {
		const entries = names instanceof Map ? [...names] : Object.entries(names);
		for (const [name, type] of entries) if (!catalog.has(name)) catalog.set(name, { producer, type });
	};
	add('ragops-nodes', Object.fromEntries(ALL_PUSHED_METRICS.map((m) => [m.name, m.type])));
	add('rag-api', ragApiMetricNames(cfg));
	add('qdrant', QDRANT_METRICS);
	add('n8n', N8N_METRICS);
	add('pushgateway', PUSHGATEWAY_METRICS);
	add('prometheus', PROMETHEUS_METRICS);
	add('alertmanager', ALERTMANAGER_METRICS);
	add('loki', LOKI_METRICS);
	add('blackbox-exporter', BLACKBOX_METRICS);
	return catalog;
}

/** A copy of the catalog that also knows the given recording-rule outputs. */
export function withRecordingRules(catalog: MetricCatalog, recorded: Iterable<string>): MetricCatalog {
	const out: MetricCatalog = new Map(catalog);
	for (const name of recorded) if (!out.has(name)) out.set(name, { producer: 'recording-rule', type: 'recorded' });
	return out;
}

export { metricsUsedBy };

/** Metrics an expression uses that no producer in the catalog emits. */
export function unknownMetrics(expr: string, catalog: MetricCatalog): string[] {
	return metricsUsedBy(expr).filter((name) => !catalog.has(name));
}
