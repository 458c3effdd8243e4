/**
 * Service availability: the blackbox probe of the health endpoint is the
 * symptom (a critical service pages); a failing metrics scrape of a service
 * that is otherwise healthy only blinds dashboards and SLOs (warning).
 */
import type { RagopsConfig, ServiceConfig } from '../../config/schema';
import { formatDuration, parseDuration } from '../../duration';
import { JOBS } from '../endpoints';
import { goTemplateText } from '../../escape';
import { alertRule, DASHBOARDS, q, type AlertingRule } from './model';
import { kindPrefix } from './names';

/** `<Prefix>Down` alert names, one per service kind in use (the inhibition rules need them). */
export function downAlertNames(cfg: RagopsConfig): string[] {
	return [...new Set(cfg.services.filter((s) => s.healthPath || s.metricsPath).map((s) => `${kindPrefix(s.kind)}Down`)), 'N8nDown'].sort();
}

/**
 * `keep_firing_for` of a service's Down alert. A Down alert is the page for an
 * outage, and its inhibition must outlive the outage as long as its
 * consequences do: the service's cause alerts read 5-minute windows, and a
 * crash loop comes back up for a minute at a time. A service others depend on
 * holds twice as long, because its dependents recover after it and their own
 * Down alerts (hold included) must end while it still inhibits them.
 */
export function downHold(cfg: RagopsConfig, s: Pick<ServiceConfig, 'name'>): string {
	const hold = parseDuration(cfg.alerting.downHold);
	const dependedOn = cfg.services.some((other) => other.dependsOn.includes(s.name));
	return formatDuration(dependedOn ? 2 * hold : hold);
}

/**
 * Non-empty while a Down alert of one of `names` fired within the last `window`
 * (held firing included). Alerts whose expression lags an outage by longer than
 * any inhibition can hold (the SLO burn rates: their short windows keep burning
 * for up to that window after recovery) use it to not page for an outage a
 * Down alert already paged.
 */
export function recentlyDown(cfg: RagopsConfig, names: string[], window: string): string | undefined {
	const watched = cfg.services.filter((s) => names.includes(s.name) && (s.healthPath || s.metricsPath));
	if (watched.length === 0) return undefined;
	const alertnames = [...new Set(watched.map((s) => `${kindPrefix(s.kind)}Down`))].sort();
	const services = watched.map((s) => s.name).sort();
	const re = (list: string[]) => q(list.join('|'));
	return `max_over_time(ALERTS{alertstate="firing",alertname=~${re(alertnames)},service=~${re(services)}}[${window}])`;
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
					keepFiringFor: downHold(cfg, s),
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
					keepFiringFor: downHold(cfg, s),
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
