/**
 * Where the observability stack's own components listen, as Prometheus and
 * Alertmanager reach them (compose service names). One home so the compose
 * file, scrape config and Loki ruler agree.
 */
export const STACK = {
	prometheus: 'localhost:9090',
	alertmanager: 'alertmanager:9093',
	loki: 'loki:3100',
	blackboxExporter: 'blackbox-exporter:9115',
} as const;

/** Scrape job names of the stack components (the services' jobs are their names). */
export const JOBS = {
	prometheus: 'prometheus',
	alertmanager: 'alertmanager',
	loki: 'loki',
	pushgateway: 'pushgateway',
	n8n: 'n8n',
	blackbox: 'blackbox',
} as const;

/** The blackbox exporter module every health probe uses (expects a 2xx answer). */
export const PROBE_MODULE = 'http_2xx';

/** Rule files live here, relative to prometheus.yml (so `promtool check config` finds them). */
export const RULES_DIR = 'rules';
