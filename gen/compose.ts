/**
 * docker-compose.observability.yml: the whole observability stack around the
 * user's RAG services, wired to the files the other generators write.
 *
 * Choices worth knowing:
 * - Images are pinned to exact tags; healthchecks use a tool each image
 *   really ships (busybox wget in the prom/* and Grafana images and in Loki
 *   3.5, which predates Loki's distroless images; bash's /dev/tcp in the
 *   Ubuntu-based Alloy image, which has neither wget nor curl).
 * - Config files are bind-mounted read-only from the repository; state lives
 *   in named volumes; secrets come from files under ./secrets/ (compose
 *   `secrets:`), never from inline environment values.
 * - n8n gets this package from the tarball `npm pack` writes, unpacked into
 *   ~/.n8n/nodes/node_modules at every start (where n8n loads community
 *   packages from). That needs neither a registry nor a published version;
 *   the package has no runtime dependencies, so unpacking is the whole install.
 * - The network is named `ragops` so the user's RAG stack (another compose
 *   project) can join it as an external network and be scraped by name.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import type { RagopsConfig } from './config/schema';
import { formatDuration, parseDuration } from './duration';
import { GENERATED_HEADER, type GeneratedFile } from './types';
import { composeText } from './escape';
import { DASHBOARDS_MOUNT } from './grafana/provisioning';
import { LOKI_CONFIG_MOUNT, LOKI_PORT, LOKI_RULES_MOUNT } from './loki/config';
import { ALLOY_CONFIG_MOUNT } from './loki/alloy';

export const COMPOSE_FILE = 'docker-compose.observability.yml';

/** Exact image tags (checked against the registries' published tags). */
export const IMAGES = {
	prometheus: 'prom/prometheus:v3.5.0',
	alertmanager: 'prom/alertmanager:v0.28.1',
	pushgateway: 'prom/pushgateway:v1.11.1',
	blackboxExporter: 'prom/blackbox-exporter:v0.27.0',
	grafana: 'grafana/grafana:12.1.1',
	loki: 'grafana/loki:3.5.3',
	alloy: 'grafana/alloy:v1.10.2',
	n8n: 'n8nio/n8n:2.40.7',
} as const;

/** Compose services with fixed names (the Pushgateway and n8n are named after the hosts of their addresses). */
export const STACK_SERVICES = ['prometheus', 'alertmanager', 'blackbox-exporter', 'loki', 'alloy', 'grafana'] as const;

/** Host ports the fixed services publish on 127.0.0.1 (the Pushgateway and n8n publish the ports of their addresses). */
export const PUBLISHED_PORTS: Readonly<Record<string, number>> = { prometheus: 9090, alertmanager: 9093, loki: LOKI_PORT, grafana: 3000 };

/** Secret files under ./secrets/ whose names do not come from the config. */
export const FIXED_SECRET_FILES = ['grafana-admin-password', 'n8n-encryption-key'] as const;

/** The file `npm run build && npm pack` writes at the repository root. */
export function packageTarball(): string {
	const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
	return `${pkg.name}-${pkg.version}.tgz`;
}

/** A secret: the file under ./secrets/ (gitignored; a .example is generated) and where the container reads it. */
interface Secret {
	name: string;
	file: string;
	example: string;
}

function secrets(cfg: RagopsConfig): Record<string, Secret & { target?: string }> {
	const slack = cfg.alerting.receivers.slack.apiUrlFile;
	const pagerduty = cfg.alerting.receivers.pagerduty.routingKeyFile;
	const heartbeatPassword = cfg.alerting.receivers.heartbeat?.basicAuth?.passwordFile;
	return {
		slack_webhook_url: {
			name: 'slack_webhook_url',
			file: basename(slack),
			target: slack,
			example: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
		},
		pagerduty_routing_key: {
			name: 'pagerduty_routing_key',
			file: basename(pagerduty),
			target: pagerduty,
			example: '0123456789abcdef0123456789abcdef',
		},
		...(heartbeatPassword
			? {
					heartbeat_password: {
						name: 'heartbeat_password',
						file: basename(heartbeatPassword),
						target: heartbeatPassword,
						example: 'heartbeat-basic-auth-password',
					},
				}
			: {}),
		grafana_admin_password: { name: 'grafana_admin_password', file: FIXED_SECRET_FILES[0], example: 'change-me' },
		n8n_encryption_key: { name: 'n8n_encryption_key', file: FIXED_SECRET_FILES[1], example: 'replace-with-a-long-random-string' },
	};
}

const host = (address: string) => address.split(':')[0];
const port = (address: string) => Number(address.split(':')[1]);

function wget(url: string) {
	return { test: ['CMD', 'wget', '-qO-', url], interval: '10s', timeout: '5s', retries: 6, start_period: '20s' };
}

const healthy = (...services: string[]) => Object.fromEntries(services.map((s) => [s, { condition: 'service_healthy' }]));

export function composeDocument(cfg: RagopsConfig): Record<string, unknown> {
	const sec = secrets(cfg);
	const pushgateway = host(cfg.pushgateway.address);
	const n8n = host(cfg.n8n.address);
	const n8nPort = port(cfg.n8n.address);
	const tarball = packageTarball();
	const nodeDir = '/home/node/.n8n/nodes/node_modules/n8n-nodes-ragops';
	// No $ in the script: compose would interpolate it.
	const installAndStart = [
		'set -e',
		`rm -rf ${nodeDir} /tmp/ragops-package`,
		`mkdir -p ${nodeDir} /tmp/ragops-package`,
		'tar -xzf /packages/n8n-nodes-ragops.tgz -C /tmp/ragops-package',
		`cp -R /tmp/ragops-package/package/. ${nodeDir}`,
		'exec n8n start',
	].join(' && ');
	return {
		name: `${cfg.project}-observability`,
		services: {
			prometheus: {
				image: IMAGES.prometheus,
				command: [
					'--config.file=/etc/prometheus/prometheus.yml',
					'--storage.tsdb.path=/prometheus',
					`--storage.tsdb.retention.time=${formatDuration(parseDuration(cfg.prometheus.retention))}`,
					'--web.enable-lifecycle',
				],
				ports: ['127.0.0.1:9090:9090'],
				volumes: [
					'./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
					'./prometheus/rules:/etc/prometheus/rules:ro',
					'prometheus-data:/prometheus',
				],
				healthcheck: wget('http://127.0.0.1:9090/-/ready'),
				depends_on: healthy('alertmanager', pushgateway, 'blackbox-exporter'),
				restart: 'unless-stopped',
			},
			alertmanager: {
				image: IMAGES.alertmanager,
				command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
				ports: ['127.0.0.1:9093:9093'],
				volumes: [
					'./alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
					'./alertmanager/templates:/etc/alertmanager/templates:ro',
					'alertmanager-data:/alertmanager',
				],
				secrets: [sec.slack_webhook_url, sec.pagerduty_routing_key, sec.heartbeat_password]
					.filter((s) => s !== undefined)
					.map((s) => ({ source: s.name, target: s.target })),
				healthcheck: wget('http://127.0.0.1:9093/-/ready'),
				restart: 'unless-stopped',
			},
			[pushgateway]: {
				image: IMAGES.pushgateway,
				// Persist pushes so a restart does not look like every batch job going stale.
				command: ['--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
				ports: [`127.0.0.1:${port(cfg.pushgateway.address)}:9091`],
				volumes: ['pushgateway-data:/data'],
				healthcheck: wget('http://127.0.0.1:9091/-/ready'),
				restart: 'unless-stopped',
			},
			'blackbox-exporter': {
				image: IMAGES.blackboxExporter,
				// The image's default config has the http_2xx module the probes use.
				healthcheck: wget('http://127.0.0.1:9115/-/healthy'),
				restart: 'unless-stopped',
			},
			loki: {
				image: IMAGES.loki,
				command: [`-config.file=${LOKI_CONFIG_MOUNT}`],
				ports: [`127.0.0.1:${LOKI_PORT}:${LOKI_PORT}`],
				volumes: [
					`./loki/loki-config.yml:${LOKI_CONFIG_MOUNT}:ro`,
					`./loki/rules:${LOKI_RULES_MOUNT}:ro`,
					'loki-data:/loki',
				],
				healthcheck: { ...wget(`http://127.0.0.1:${LOKI_PORT}/ready`), start_period: '40s' },
				depends_on: healthy('alertmanager'),
				restart: 'unless-stopped',
			},
			alloy: {
				image: IMAGES.alloy,
				command: ['run', '--server.http.listen-addr=0.0.0.0:12345', '--storage.path=/var/lib/alloy/data', ALLOY_CONFIG_MOUNT],
				volumes: [
					`./loki/alloy/config.alloy:${ALLOY_CONFIG_MOUNT}:ro`,
					'/var/run/docker.sock:/var/run/docker.sock:ro',
					'alloy-data:/var/lib/alloy/data',
				],
				healthcheck: {
					test: [
						'CMD',
						'bash',
						'-c',
						"exec 3<>/dev/tcp/127.0.0.1/12345 && printf 'GET /-/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '",
					],
					interval: '10s',
					timeout: '5s',
					retries: 6,
					start_period: '20s',
				},
				depends_on: healthy('loki'),
				restart: 'unless-stopped',
			},
			grafana: {
				image: IMAGES.grafana,
				environment: {
					GF_SECURITY_ADMIN_PASSWORD__FILE: `/run/secrets/${sec.grafana_admin_password.name}`,
					GF_USERS_ALLOW_SIGN_UP: 'false',
					GF_ANALYTICS_REPORTING_ENABLED: 'false',
					GF_SERVER_ROOT_URL: cfg.grafanaUrl,
				},
				ports: ['127.0.0.1:3000:3000'],
				volumes: [
					'./grafana/provisioning:/etc/grafana/provisioning:ro',
					`./grafana/dashboards:${DASHBOARDS_MOUNT}:ro`,
					'grafana-data:/var/lib/grafana',
				],
				secrets: [sec.grafana_admin_password.name],
				healthcheck: wget('http://127.0.0.1:3000/api/health'),
				depends_on: healthy('prometheus', 'loki', 'alertmanager'),
				restart: 'unless-stopped',
			},
			[n8n]: {
				image: IMAGES.n8n,
				entrypoint: ['tini', '--', '/bin/sh', '-c'],
				command: [installAndStart],
				environment: {
					N8N_PORT: String(n8nPort),
					N8N_METRICS: 'true',
					N8N_DIAGNOSTICS_ENABLED: 'false',
					N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
					N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
					N8N_ENCRYPTION_KEY_FILE: `/run/secrets/${sec.n8n_encryption_key.name}`,
				},
				ports: [`127.0.0.1:${n8nPort}:${n8nPort}`],
				volumes: [`./${tarball}:/packages/n8n-nodes-ragops.tgz:ro`, 'n8n-data:/home/node/.n8n'],
				secrets: [sec.n8n_encryption_key.name],
				healthcheck: { ...wget(`http://127.0.0.1:${n8nPort}/healthz`), start_period: '60s' },
				depends_on: healthy(pushgateway),
				restart: 'unless-stopped',
			},
		},
		networks: { default: { name: 'ragops' } },
		volumes: Object.fromEntries(
			['prometheus-data', 'alertmanager-data', 'pushgateway-data', 'loki-data', 'alloy-data', 'grafana-data', 'n8n-data'].map(
				(v) => [v, {}],
			),
		),
		secrets: Object.fromEntries(Object.values(sec).map((s) => [s.name, { file: `./secrets/${s.file}` }])),
	};
}

/** Every string of the document with compose's `$` interpolation escaped (config values such as URLs may hold a `$`). */
function escapeInterpolation(value: unknown): unknown {
	if (typeof value === 'string') return composeText(value);
	if (Array.isArray(value)) return value.map(escapeInterpolation);
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeInterpolation(v)]));
	return value;
}

export const generateCompose = (cfg: RagopsConfig): GeneratedFile[] => [
	{
		path: COMPOSE_FILE,
		content: [
			`# ${GENERATED_HEADER}`,
			'# Before `docker compose -f docker-compose.observability.yml up -d`:',
			`#   npm run build && npm pack            # writes ${packageTarball()}, which n8n installs at start`,
			'#   for f in secrets/*.example; do cp -n "$f" "${f%.example}"; done   # then put real values in',
			stringify(escapeInterpolation(composeDocument(cfg)), { lineWidth: 0 }),
		].join('\n'),
	},
	...Object.values(secrets(cfg)).map((s) => ({ path: `secrets/${s.file}.example`, content: `${s.example}\n` })),
	{ path: 'secrets/.gitignore', content: `# ${GENERATED_HEADER}\n# Real secrets stay local; only the examples are committed.\n*\n!.gitignore\n!*.example\n` },
];
