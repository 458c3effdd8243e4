/**
 * prometheus/prometheus.yml: what Prometheus scrapes and where it sends alerts.
 *
 * Every scraped service gets a `service` target label equal to its name, so
 * rules can keep `service` through aggregations and every alert carries it.
 * The Pushgateway is scraped with `honor_labels` so the pushed `job`/`target`
 * grouping labels survive (otherwise they would become exported_job …).
 */
import { stringify } from 'yaml';
import type { RagopsConfig } from '../config/schema';
import { GENERATED_HEADER, type GeneratedFile } from '../types';
import { JOBS, PROBE_MODULE, RULES_DIR, STACK } from './endpoints';

interface ScrapeConfig {
	job_name: string;
	[key: string]: unknown;
}

function staticJob(job: string, target: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): ScrapeConfig {
	return { job_name: job, ...extra, static_configs: [{ targets: [target], ...(labels ? { labels } : {}) }] };
}

/** Jobs Prometheus scrapes, in file order; tests and meta-alerts (absent(up)) use the same list. */
export function scrapeJobs(cfg: RagopsConfig): ScrapeConfig[] {
	const jobs: ScrapeConfig[] = [staticJob(JOBS.prometheus, STACK.prometheus)];
	for (const s of cfg.services) {
		if (!s.metricsPath) continue;
		jobs.push(staticJob(s.name, s.address, { scheme: s.scheme, metrics_path: s.metricsPath }, { service: s.name }));
	}
	jobs.push(staticJob(JOBS.n8n, cfg.n8n.address, { metrics_path: cfg.n8n.metricsPath }, { service: JOBS.n8n }));
	jobs.push(staticJob(JOBS.pushgateway, cfg.pushgateway.address, { honor_labels: true }));
	jobs.push(staticJob(JOBS.alertmanager, STACK.alertmanager));
	jobs.push(staticJob(JOBS.loki, STACK.loki));
	const probed = cfg.services.filter((s) => s.healthPath);
	if (probed.length > 0) {
		jobs.push({
			job_name: JOBS.blackbox,
			metrics_path: '/probe',
			params: { module: [PROBE_MODULE] },
			static_configs: probed.map((s) => ({
				targets: [`${s.scheme}://${s.address}${s.healthPath}`],
				labels: { service: s.name },
			})),
			// The usual blackbox pattern: the probed URL becomes ?target= and the instance label,
			// and the scrape itself goes to the exporter.
			relabel_configs: [
				{ source_labels: ['__address__'], target_label: '__param_target' },
				{ source_labels: ['__param_target'], target_label: 'instance' },
				{ target_label: '__address__', replacement: STACK.blackboxExporter },
			],
		});
	}
	return jobs;
}

export function generatePrometheusConfig(cfg: RagopsConfig): GeneratedFile[] {
	const config = {
		global: {
			scrape_interval: cfg.prometheus.scrapeInterval,
			evaluation_interval: cfg.prometheus.evaluationInterval,
			external_labels: { project: cfg.project },
		},
		rule_files: [`${RULES_DIR}/*.yml`],
		alerting: { alertmanagers: [{ static_configs: [{ targets: [STACK.alertmanager] }] }] },
		scrape_configs: scrapeJobs(cfg),
	};
	return [{ path: 'prometheus/prometheus.yml', content: `# ${GENERATED_HEADER}\n${stringify(config, { lineWidth: 0 })}` }];
}
