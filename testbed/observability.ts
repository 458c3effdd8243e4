/**
 * The observability half of the local stack: the generated Prometheus and
 * Alertmanager configs (from `npm run gen`'s own generators, in-process) with
 * every compose host name rewritten to 127.0.0.1:<port>, the notification
 * secrets pointed at a local receiver, and the real Debian binaries started
 * on them.
 *
 * What the rewrite changes, and only that:
 * - prometheus.yml: each scrape job's target → the address given for it
 *   (jobs with no address — e.g. Loki, which has no binary here — are
 *   dropped and listed in `dropped`); the alertmanagers target;
 * - alertmanager.yml: slack `api_url_file` and pagerduty `routing_key_file`
 *   → files in the temp dir (the Slack file holds `<receiver>/slack`), the
 *   PagerDuty Events v2 `url` → `<receiver>/pagerduty`, the heartbeat
 *   webhook → `<receiver>/heartbeat`.
 * Rules, routes, inhibitions and templates are used exactly as generated.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { generateAll } from '../gen/cli';
import { freePort, startProcess, type ManagedProcess } from './processes';

export interface Addresses {
	/** host:port of each scrape job by job name: prometheus, alertmanager, pushgateway, n8n, and services by name. */
	jobs: Record<string, string>;
	alertmanager: string;
}

export interface WrittenConfig {
	dir: string;
	prometheusConfig: string;
	alertmanagerConfig: string;
	/** Scrape jobs of the generated config that had no local address and were left out. */
	dropped: string[];
}

interface ScrapeJob {
	job_name: string;
	static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
	relabel_configs?: Array<Record<string, unknown>>;
}

/** Generates every artefact of `configFile` into `dir` and rewrites the Prometheus/Alertmanager hosts. */
export function writeObservabilityConfig(configFile: string, dir: string, addresses: Addresses, receiverUrl: string): WrittenConfig {
	for (const f of generateAll(configFile)) {
		if (!f.path.startsWith('prometheus/') && !f.path.startsWith('alertmanager/')) continue;
		mkdirSync(dirname(join(dir, f.path)), { recursive: true });
		writeFileSync(join(dir, f.path), f.content);
	}

	const promFile = join(dir, 'prometheus/prometheus.yml');
	const prom = parse(readFileSync(promFile, 'utf8')) as { alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> }; scrape_configs: ScrapeJob[] };
	prom.alerting.alertmanagers = [{ static_configs: [{ targets: [addresses.alertmanager] }] }];
	const dropped: string[] = [];
	prom.scrape_configs = prom.scrape_configs.filter((job) => {
		const address = addresses.jobs[job.job_name];
		if (!address) {
			dropped.push(job.job_name);
			return false;
		}
		if (job.relabel_configs) {
			// the blackbox job: probed URLs keep their paths, hosts become local; the scrape goes to the exporter
			for (const sc of job.static_configs ?? []) {
				sc.targets = sc.targets.map((t) => {
					const url = new URL(t);
					const local = sc.labels?.service ? addresses.jobs[sc.labels.service] : undefined;
					return local ? `${url.protocol}//${local}${url.pathname}` : t;
				});
			}
			for (const r of job.relabel_configs) if (r.target_label === '__address__') r.replacement = address;
		} else {
			for (const sc of job.static_configs ?? []) sc.targets = [address];
		}
		return true;
	});
	writeFileSync(promFile, `# Rewritten for 127.0.0.1 by testbed/observability.ts\n${stringify(prom, { lineWidth: 0 })}`);

	const amFile = join(dir, 'alertmanager/alertmanager.yml');
	const am = parse(readFileSync(amFile, 'utf8')) as { receivers: Array<Record<string, Array<Record<string, unknown>> | string>> };
	const secrets = join(dir, 'secrets');
	mkdirSync(secrets, { recursive: true });
	writeFileSync(join(secrets, 'slack-webhook-url'), `${receiverUrl}/slack\n`);
	writeFileSync(join(secrets, 'pagerduty-routing-key'), 'ragops-local-routing-key\n');
	for (const r of am.receivers) {
		for (const c of (r.slack_configs as Array<Record<string, unknown>> | undefined) ?? []) c.api_url_file = join(secrets, 'slack-webhook-url');
		for (const c of (r.pagerduty_configs as Array<Record<string, unknown>> | undefined) ?? []) {
			c.routing_key_file = join(secrets, 'pagerduty-routing-key');
			c.url = `${receiverUrl}/pagerduty`;
		}
		for (const c of (r.webhook_configs as Array<Record<string, unknown>> | undefined) ?? []) c.url = `${receiverUrl}/heartbeat`;
	}
	writeFileSync(amFile, `# Rewritten for 127.0.0.1 by testbed/observability.ts\n${stringify(am, { lineWidth: 0 })}`);
	return { dir, prometheusConfig: promFile, alertmanagerConfig: amFile, dropped };
}


export async function startPrometheus(config: WrittenConfig, port: number): Promise<ManagedProcess> {
	mkdirSync(join(config.dir, 'tsdb'), { recursive: true });
	return await startProcess({
		name: 'prometheus',
		bin: process.env.PROMETHEUS_BIN ?? 'prometheus',
		args: [
			`--config.file=${config.prometheusConfig}`,
			`--storage.tsdb.path=${join(config.dir, 'tsdb')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--web.enable-lifecycle',
		],
		url: `http://127.0.0.1:${port}`,
		logFile: join(config.dir, 'prometheus.log'),
	});
}

/**
 * Prometheus on the rules generated from `configFile`, scraping itself, the
 * Pushgateway and n8n, with no Alertmanager: for tests that read the alert
 * states from Prometheus itself (`/api/v1/alerts`). Files go under `dir`.
 */
export async function startRulesPrometheus(configFile: string, dir: string, targets: { pushgatewayUrl: string; n8nUrl: string }): Promise<ManagedProcess> {
	const [promPort, amPort] = [await freePort(), await freePort()];
	const config = writeObservabilityConfig(
		configFile,
		dir,
		{ jobs: { prometheus: `127.0.0.1:${promPort}`, pushgateway: new URL(targets.pushgatewayUrl).host, n8n: new URL(targets.n8nUrl).host }, alertmanager: `127.0.0.1:${amPort}` },
		'http://127.0.0.1:9',
	);
	return await startPrometheus(config, promPort);
}

export async function startAlertmanager(config: WrittenConfig, port: number): Promise<ManagedProcess> {
	mkdirSync(join(config.dir, 'am-data'), { recursive: true });
	return await startProcess({
		name: 'alertmanager',
		bin: process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager',
		args: [
			`--config.file=${config.alertmanagerConfig}`,
			`--storage.path=${join(config.dir, 'am-data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			// no gossip port: a single local instance, and nothing else listening
			'--cluster.listen-address=',
		],
		url: `http://127.0.0.1:${port}`,
		logFile: join(config.dir, 'alertmanager.log'),
	});
}

/**
 * Debian's blackbox_exporter with the one module the generated scrape config
 * asks for (`http_2xx`, gen/prometheus/endpoints.ts PROBE_MODULE).
 */
export async function startBlackboxExporter(config: WrittenConfig, port: number): Promise<ManagedProcess> {
	const file = join(config.dir, 'blackbox.yml');
	writeFileSync(file, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n');
	return await startProcess({
		name: 'blackbox-exporter',
		bin: process.env.BLACKBOX_BIN ?? 'prometheus-blackbox-exporter',
		args: [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`],
		url: `http://127.0.0.1:${port}`,
		logFile: join(config.dir, 'blackbox.log'),
		readyPath: '/-/healthy',
	});
}

export { freePort };
