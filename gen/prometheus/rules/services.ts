/**
 * Service availability: the blackbox probe of the health endpoint is the
 * symptom (a critical service pages); a failing metrics scrape of a service
 * that is otherwise healthy only blinds dashboards and SLOs (warning).
 */
import type { RagopsConfig } from '../../config/schema';
import { JOBS } from '../endpoints';
import { goTemplateText } from '../../escape';
import { alertRule, DASHBOARDS, q, type AlertingRule } from './model';
import { kindPrefix } from './names';

/** `<Prefix>Down` alert names, one per service kind in use (the inhibition rules need them). */
export function downAlertNames(cfg: RagopsConfig): string[] {
	return [...new Set(cfg.services.filter((s) => s.healthPath || s.metricsPath).map((s) => `${kindPrefix(s.kind)}Down`)), 'N8nDown'].sort();
}

export function serviceDownAlerts(cfg: RagopsConfig): AlertingRule[] {
	const alerts: AlertingRule[] = [];
	for (const s of cfg.services) {
		const dashboard = s.kind === 'rag-api' ? DASHBOARDS.ragApi : s.kind === 'qdrant' ? DASHBOARDS.vectorDb : DASHBOARDS.overview;
		if (s.healthPath) {
			alerts.push(
				alertRule(cfg, {
					alert: `${kindPrefix(s.kind)}Down`,
					expr: `probe_success{job=${q(JOBS.blackbox)},service=${q(s.name)}} == 0`,
					for: '2m',
					severity: s.critical ? 'critical' : 'warning',
					service: s.name,
					summary: `A ${s.kind} service fails its health probe.`,
					description: `The blackbox probe of {{ $labels.instance }} (${s.name} ${goTemplateText(s.healthPath)}) has failed for 2 minutes.`,
					dashboard,
				}),
			);
		} else if (s.metricsPath) {
			alerts.push(
				alertRule(cfg, {
					alert: `${kindPrefix(s.kind)}Down`,
					expr: `up{job=${q(s.name)}} == 0`,
					for: '2m',
					severity: s.critical ? 'critical' : 'warning',
					service: s.name,
					summary: `A ${s.kind} service cannot be scraped.`,
					description: `Prometheus has failed to scrape {{ $labels.instance }} (${s.name}) for 2 minutes.`,
					dashboard,
				}),
			);
		}
	}
	const both = cfg.services.filter((s) => s.healthPath && s.metricsPath).map((s) => s.name);
	if (both.length > 0) {
		alerts.push(
			alertRule(cfg, {
				alert: 'RagOpsScrapeFailing',
				expr: `up{job=~${q(both.join('|'))}} == 0`,
				for: '10m',
				severity: 'warning',
				summary: 'Prometheus cannot scrape a service’s metrics endpoint.',
				description: 'Scraping {{ $labels.instance }} (job {{ $labels.job }}) has failed for 10 minutes; its dashboards and SLO alerts are blind.',
				dashboard: DASHBOARDS.overview,
			}),
		);
	}
	return alerts;
}
