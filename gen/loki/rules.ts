/**
 * loki/rules/fake/ragops.yml: LogQL alerts in Prometheus rule-file shape,
 * evaluated by Loki's ruler (tenant "fake" because auth is disabled). Labels
 * and annotations come from the same `alertRule` the Prometheus rules use, so
 * routing and runbook links cannot drift apart.
 */
import { stringify } from 'yaml';
import type { RagopsConfig, ServiceConfig } from '../config/schema';
import { alertRule, DASHBOARDS, num, type AlertingRule } from '../prometheus/rules/model';
import { GENERATED_HEADER, type GeneratedFile } from '../types';
import { SINGLE_TENANT } from './config';
import { errorRate, serviceSelector } from './logql';

/** Window of the error-rate alerts: long enough to smooth a burst of one stack trace. */
const WINDOW = '5m';

function errorLogAlert(cfg: RagopsConfig, s: ServiceConfig, alert: string, what: string): AlertingRule {
	const threshold = num(cfg.logs.errorRateThreshold);
	return alertRule(cfg, {
		alert,
		expr: `${errorRate(serviceSelector(s.name), WINDOW)} > ${threshold}`,
		for: '10m',
		severity: 'warning',
		service: s.name,
		summary: `${what} logs errors above the threshold.`,
		description: `{{ $labels.service }} logged {{ printf "%.2f" $value }} error lines per second over the last ${WINDOW} (threshold ${threshold}/s) for 10 minutes.`,
		dashboard: DASHBOARDS.logs,
	});
}

export function lokiAlerts(cfg: RagopsConfig): AlertingRule[] {
	return [
		...cfg.services.filter((s) => s.kind === 'ingestion').map((s) => errorLogAlert(cfg, s, 'RagIngestionErrorLogs', 'Ingestion')),
		...cfg.services.filter((s) => s.kind === 'rag-api').map((s) => errorLogAlert(cfg, s, 'RagApiErrorLogs', 'The RAG API')),
	];
}

export function lokiRulesFile(cfg: RagopsConfig): GeneratedFile {
	const doc = { groups: [{ name: 'ragops.logs', interval: '1m', rules: lokiAlerts(cfg) }] };
	return { path: `loki/rules/${SINGLE_TENANT}/ragops.yml`, content: `# ${GENERATED_HEADER}\n${stringify(doc, { lineWidth: 0 })}` };
}
