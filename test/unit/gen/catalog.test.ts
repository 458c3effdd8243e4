import { loadConfig, parseConfig } from '../../../gen/config/load';
import { buildCatalog, metricsUsedBy, unknownMetrics, withRecordingRules } from '../../../gen/catalog';
import { ALL_PUSHED_METRICS } from '../../../nodes/shared/metricCatalog';
import { readFileSync } from 'node:fs';
import { SHIPPED_CONFIG } from './prometheus/helpers';

const shipped = loadConfig(SHIPPED_CONFIG);

test('every metric the nodes push is in the catalog, produced by the nodes', () => {
	const catalog = buildCatalog(shipped);
	for (const m of ALL_PUSHED_METRICS) expect(catalog.get(m.name)).toEqual({ producer: 'ragops-nodes', type: m.type });
});

test('third-party names are the real ones (Qdrant, n8n, Pushgateway, blackbox, Prometheus)', () => {
	const catalog = buildCatalog(shipped);
	for (const name of ['app_info', 'collections_total', 'rest_responses_duration_seconds_bucket', 'n8n_active_workflow_count',
		'n8n_process_start_time_seconds', 'push_time_seconds', 'push_failure_time_seconds', 'probe_success', 'up', 'ALERTS']) {
		expect(catalog.has(name)).toBe(true);
	}
	expect(catalog.get('n8n_active_workflow_count')?.producer).toBe('n8n');
	expect(catalog.get('push_time_seconds')?.producer).toBe('pushgateway');
});

test('RAG API metric names come from the config: an overridden histogram replaces the default', () => {
	const text = readFileSync(SHIPPED_CONFIG, 'utf8')
		.replace('latencyHistogram: http_request_duration_seconds', 'latencyHistogram: kb_query_duration_seconds')
		.replace('requestsTotal: http_requests_total', 'requestsTotal: kb_queries_total');
	const catalog = buildCatalog(parseConfig(text));
	for (const n of ['kb_query_duration_seconds_bucket', 'kb_query_duration_seconds_count', 'kb_query_duration_seconds_sum', 'kb_queries_total']) {
		expect(catalog.get(n)?.producer).toBe('rag-api');
	}
	expect(catalog.has('http_request_duration_seconds_bucket')).toBe(false);
	expect(unknownMetrics('rate(http_requests_total[5m])', catalog)).toEqual(['http_requests_total']);
});

test('metricsUsedBy finds selectors inside functions, subqueries, binary ops and __name__ matchers', () => {
	expect(metricsUsedBy('sum by (x) (rate(a_total{j="1"}[5m])) / on() group_left absent(b{c="d"}) + max_over_time(c[1h:5m]) or {__name__="d"}')).toEqual(['a_total', 'b', 'c', 'd']);
	expect(metricsUsedBy('vector(1)')).toEqual([]);
});

test('recording-rule outputs become known only through withRecordingRules', () => {
	const catalog = buildCatalog(shipped);
	expect(unknownMetrics('service:x:rate5m', catalog)).toEqual(['service:x:rate5m']);
	expect(unknownMetrics('service:x:rate5m', withRecordingRules(catalog, ['service:x:rate5m']))).toEqual([]);
});
