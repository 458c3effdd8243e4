/**
 * Qdrant latency from its own REST histogram (`rest_responses_duration_seconds`,
 * Qdrant ≥ 1.8). Readiness is the /readyz probe in services.ts.
 */
import type { RagopsConfig } from '../../config/schema';
import { alertRule, DASHBOARDS, num, q, type AlertingRule, type RecordingRule } from './model';

export const QDRANT_P95_RECORD = 'service:qdrant_rest_response_duration_seconds:p95_rate5m';
/** p95 REST latency (seconds) above which Qdrant is slow for a RAG query path. */
export const QDRANT_LATENCY_THRESHOLD = 0.5;

function qdrants(cfg: RagopsConfig) {
	return cfg.services.filter((s) => s.kind === 'qdrant' && s.metricsPath);
}

export function qdrantRecordingRules(cfg: RagopsConfig): RecordingRule[] {
	return qdrants(cfg).map((s) => ({
		record: QDRANT_P95_RECORD,
		expr: `histogram_quantile(0.95, sum by (service, le) (rate(rest_responses_duration_seconds_bucket{job=${q(s.name)}}[5m])))`,
	}));
}

export function qdrantAlerts(cfg: RagopsConfig): AlertingRule[] {
	return qdrants(cfg).map((s) => {
		const threshold = s.alertThresholds?.p95LatencySeconds ?? QDRANT_LATENCY_THRESHOLD;
		return alertRule(cfg, {
			alert: 'QdrantHighLatency',
			expr: `${QDRANT_P95_RECORD}{service=${q(s.name)}} > ${num(threshold)}`,
			for: '10m',
			severity: 'warning',
			service: s.name,
			summary: `Qdrant's p95 REST latency is above ${num(threshold)}s.`,
			description: 'p95 REST latency of {{ $labels.service }} is {{ $value | humanizeDuration }} over the last 5 minutes.',
			dashboard: DASHBOARDS.vectorDb,
		});
	});
}
