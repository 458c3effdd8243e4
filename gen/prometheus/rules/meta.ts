/**
 * Meta-monitoring: an always-firing Watchdog (a dead man's switch at the
 * heartbeat receiver), n8n itself, the stack's components, and `absent(up)`
 * per scrape job (a job dropped from the config, or its targets never found).
 */
import type { RagopsConfig } from '../../config/schema';
import { JOBS } from '../endpoints';
import { alertRule, DASHBOARDS, META_SERVICE, q, type AlertingRule } from './model';

export function watchdogAlerts(cfg: RagopsConfig): AlertingRule[] {
	return [
		alertRule(cfg, {
			alert: 'Watchdog',
			expr: 'vector(1)',
			for: '0s',
			severity: 'info',
			service: META_SERVICE,
			summary: 'Always firing: proves the alerting pipeline works end to end.',
			description: 'This alert always fires. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is down.',
			dashboard: DASHBOARDS.overview,
		}),
	];
}

export function n8nAlerts(cfg: RagopsConfig): AlertingRule[] {
	return [
		alertRule(cfg, {
			alert: 'N8nDown',
			expr: `up{job=${q(JOBS.n8n)}} == 0`,
			for: '2m',
			// Held after n8n is back until its health watch has pushed again, so the
			// inhibited RagOpsHealthPushesStale resolves before the inhibition ends.
			keepFiringFor: cfg.alerting.downHold,
			severity: 'critical',
			service: JOBS.n8n,
			summary: 'n8n cannot be scraped: health checks, ingestion and backups are not running.',
			description: 'Prometheus has failed to scrape n8n at {{ $labels.instance }} for 2 minutes.',
			dashboard: DASHBOARDS.n8n,
		}),
	];
}

/** Stack components whose failure hides or delays other alerts. */
const COMPONENT_JOBS = [JOBS.pushgateway, JOBS.alertmanager, JOBS.loki, JOBS.blackbox];

export function componentAlerts(cfg: RagopsConfig): AlertingRule[] {
	return [
		alertRule(cfg, {
			alert: 'RagOpsComponentDown',
			// min by (job): one alert per component even for the blackbox job's many targets.
			expr: `min by (job) (up{job=~${q(COMPONENT_JOBS.join('|'))}}) == 0`,
			for: '5m',
			severity: 'warning',
			service: META_SERVICE,
			summary: 'A component of the monitoring stack cannot be scraped.',
			description: 'Prometheus has failed to scrape {{ $labels.job }} for 5 minutes.',
			dashboard: DASHBOARDS.overview,
		}),
	];
}

export function absentTargetAlerts(cfg: RagopsConfig, jobs: readonly string[]): AlertingRule[] {
	const services = new Set(cfg.services.map((s) => s.name));
	return jobs.map((job) =>
		alertRule(cfg, {
			alert: 'RagOpsTargetAbsent',
			expr: `absent(up{job=${q(job)}})`,
			for: '10m',
			severity: 'warning',
			service: services.has(job) || job === JOBS.n8n ? job : META_SERVICE,
			// absent() yields the job label anyway; static here so promtool's duplicate-rule lint tells the rules apart.
			labels: { job },
			summary: 'A scrape job has no target: nothing about it can alert.',
			description: 'Prometheus has had no target for job {{ $labels.job }} for 10 minutes.',
			dashboard: DASHBOARDS.overview,
		}),
	);
}
