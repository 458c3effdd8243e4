/**
 * Hostile and careless configs for `npm run gen`: each is refused with a
 * one-line problem that names the exact config path, and the CLI leaves an
 * existing output folder byte for byte as it was. The suite prints how many
 * distinct tries it made (issue 11 counts them across the node and generator suites).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../../../gen/cli';
import { ConfigError, parseConfig } from '../../../../gen/config/load';
import { composeDocument, PUBLISHED_PORTS, STACK_SERVICES } from '../../../../gen/compose';
import { RESERVED_SERVICE_NAMES } from '../../../../gen/config/targets';
import { scrapeJobs } from '../../../../gen/prometheus/scrape';
import { SHIPPED_CONFIG } from '../prometheus/helpers';

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface HostileCase {
	/** What the try is, as printed in the test name. */
	what: string;
	mutate: (cfg: Config) => void;
	/** The config path the one-line problem must start with. */
	path: string;
	/** A fragment of the problem's message. */
	says: string;
}

const base = (): Config => parse(readFileSync(SHIPPED_CONFIG, 'utf8'));
const svc = (i: number) => (cfg: Config) => cfg.services[i];
const ragApi = svc(0);

const set = (what: string, path: string, says: string, apply: (cfg: Config) => void): HostileCase => ({ what, path, says, mutate: apply });

const reservedNames = ['prometheus', 'n8n', 'pushgateway', 'blackbox', 'alertmanager', 'loki', 'ragops'].map((name) =>
	set(`service named ${name}`, 'services[0].name', 'is reserved', (c) => void (ragApi(c).name = name)),
);

const regexes: [string, string][] = [
	['(?=5)..', 'lookahead'],
	['(?!2)..', 'lookahead'],
	['(?<=x)5', 'lookbehind'],
	['(?<!x)5', 'lookbehind'],
	['(5)\\1', 'backreference'],
	['\\k<n>', 'invalid escape'],
	['(?P<n>5)(?P=n)', 'backreference'],
	['(?>5..)', 'atomic group'],
	['(?#comment)5..', 'comment group'],
	['(?<code>5..)', 'named group'],
	['5**', 'cannot follow another'],
	['5*+', 'cannot follow another'],
	['5{2}{3}', 'cannot follow another'],
	['*5', 'without anything to repeat'],
	['[5-1]..', 'reversed'],
	['5\\Z', 'invalid escape \\Z'],
	['\\e5', 'invalid escape \\e'],
	['5\\', 'trailing backslash'],
	['(5..', 'missing closing )'],
	['5..)', 'unmatched )'],
	['[5', 'missing closing ]'],
	['5{1001}', 'invalid repeat count'],
	['(5{100}){100}', 'nested repetition'],
	['\\p{Klingon}', 'Unicode class'],
	['[[:digits:]]', 'unknown character class'],
	['\\x{110000}', 'beyond U+10FFFF'],
	['(?i', 'unterminated flag group'],
	['5\\Q..', '\\Q without \\E'],
	['5..$__range', 'dashboard variables'],
	['(5..|${prometheus_datasource})', 'dashboard variables'],
	['[[code]]', 'dashboard variables'],
	['5\u2028', 'U+2028'],
	['5\u007f', 'U+007F'],
	['5\ud800', 'lone UTF-16 surrogate'],
	['', 'must not be empty'],
	['5'.repeat(257), 'at most 256 characters'],
];
const regexCases = regexes.map(([regex, says]) =>
	set(`errorStatusRegex ${JSON.stringify(regex.slice(0, 20))}`, 'services[0].metrics.errorStatusRegex', says, (c) => {
		ragApi(c).metrics.errorStatusRegex = regex;
	}),
);

const labelCases = [
	set('statusLabel __name__', 'services[0].metrics.statusLabel', 'reserved for Prometheus', (c) => void (ragApi(c).metrics.statusLabel = '__name__')),
	set('routeLabel __meta_route', 'services[0].metrics.routeLabel', 'reserved for Prometheus', (c) => void (ragApi(c).metrics.routeLabel = '__meta_route')),
	set('statusLabel job', 'services[0].metrics.statusLabel', 'set or select those labels', (c) => void (ragApi(c).metrics.statusLabel = 'job')),
	set('statusLabel service', 'services[0].metrics.statusLabel', 'set or select those labels', (c) => void (ragApi(c).metrics.statusLabel = 'service')),
	set('routeLabel instance', 'services[0].metrics.routeLabel', 'set or select those labels', (c) => void (ragApi(c).metrics.routeLabel = 'instance')),
	set('routeLabel le', 'services[0].metrics.routeLabel', 'set or select those labels', (c) => void (ragApi(c).metrics.routeLabel = 'le')),
	set('requestsTotal __requests', 'services[0].metrics.requestsTotal', 'reserved for Prometheus', (c) => void (ragApi(c).metrics.requestsTotal = '__requests')),
	set('latencyHistogram __latency', 'services[0].metrics.latencyHistogram', 'reserved for Prometheus', (c) => void (ragApi(c).metrics.latencyHistogram = '__latency')),
];

const durationCases = [
	set('prometheus.retention 200y', 'prometheus.retention', 'at most 100y', (c) => void (c.prometheus.retention = '200y')),
	set('prometheus.retention beyond int64 nanoseconds', 'prometheus.retention', 'at most 100y', (c) => void (c.prometheus.retention = '99999999999999999999s')),
	set('prometheus.retention 30m', 'prometheus.retention', 'at least 1h', (c) => void (c.prometheus.retention = '30m')),
	set('logs.retention 12h (Loki minimum is 24h)', 'logs.retention', 'at least 24h', (c) => void (c.logs.retention = '12h')),
	set('logs.retention 101y', 'logs.retention', 'at most 100y', (c) => void (c.logs.retention = '101y')),
	set('alerting.repeatInterval 11y', 'alerting.repeatInterval', 'at most 10y', (c) => void (c.alerting.repeatInterval = '11y')),
	set('slo.window 20y', 'services[0].slo.window', 'at most 10y', (c) => void (ragApi(c).slo.window = '20y')),
	set('ingestion every 999999y', 'ingestion.sources[0].every', 'at most 10y', (c) => void (c.ingestion.sources[0].every = '999999y')),
	set('scrapeInterval 10000d', 'prometheus.scrapeInterval', 'at most 10y', (c) => void (c.prometheus.scrapeInterval = '10000d')),
	set('backup every 3651d', 'backups.every', 'at most 10y', (c) => void (c.backups.every = '3651d')),
];

const cycleCases = [
	set('dependsOn cycle of two', 'services[1].dependsOn[0]', 'dependency cycle rag-api → search → rag-api', (c) => {
		svc(1)(c).dependsOn = ['rag-api'];
	}),
	set('dependsOn cycle of three', 'services[3].dependsOn[0]', 'dependency cycle rag-api → search → ingestion → rag-api', (c) => {
		svc(1)(c).dependsOn = ['ingestion'];
		svc(3)(c).dependsOn = ['rag-api'];
	}),
	set('dependsOn listed twice', 'services[0].dependsOn[2]', 'listed twice', (c) => void ragApi(c).dependsOn.push('qdrant')),
	set('backup collection listed twice', 'backups.collections[1]', 'listed twice', (c) => void c.backups.collections.push('docs')),
];

const receivers = (c: Config) => c.alerting.receivers;
const secretCases = [
	set('slack and pagerduty secrets with one file name', 'alerting.receivers.pagerduty.routingKeyFile', 'also used by alerting.receivers.slack.apiUrlFile', (c) => {
		receivers(c).slack.apiUrlFile = '/run/secrets/a/key';
		receivers(c).pagerduty.routingKeyFile = '/run/secrets/b/key';
	}),
	set('pagerduty secret named like the Grafana password', 'alerting.receivers.pagerduty.routingKeyFile', 'grafana-admin-password', (c) => {
		receivers(c).pagerduty.routingKeyFile = '/etc/alertmanager/grafana-admin-password';
	}),
	set('heartbeat password file named like the Slack secret', 'alerting.receivers.heartbeat.basicAuth.passwordFile', 'also used by alerting.receivers.slack.apiUrlFile', (c) => {
		receivers(c).heartbeat.basicAuth = { username: 'watchdog', passwordFile: '/other/slack-webhook-url' };
	}),
	set('relative secret path', 'alerting.receivers.slack.apiUrlFile', 'absolute path', (c) => void (receivers(c).slack.apiUrlFile = 'secrets/slack')),
	set('secret path with ..', 'alerting.receivers.slack.apiUrlFile', '. or .. segments', (c) => void (receivers(c).slack.apiUrlFile = '/run/secrets/../../etc/passwd')),
	set('secret file .gitignore', 'alerting.receivers.pagerduty.routingKeyFile', 'does not start with a dot', (c) => void (receivers(c).pagerduty.routingKeyFile = '/run/secrets/.gitignore')),
	set('secret path with $', 'alerting.receivers.slack.apiUrlFile', 'absolute path', (c) => void (receivers(c).slack.apiUrlFile = '/run/secrets/${HOME}')),
	set('secret path with {{', 'alerting.receivers.slack.apiUrlFile', 'absolute path', (c) => void (receivers(c).slack.apiUrlFile = '/run/{{ .x }}')),
	set('secret path ending in /', 'alerting.receivers.slack.apiUrlFile', 'must name a file', (c) => void (receivers(c).slack.apiUrlFile = '/run/secrets/')),
	set('heartbeat user name with a colon', 'alerting.receivers.heartbeat.basicAuth.username', 'without spaces or colons', (c) => {
		receivers(c).heartbeat.basicAuth = { username: 'a:b', passwordFile: '/run/secrets/heartbeat' };
	}),
];

const urlCases = [
	set('heartbeat URL with user:password', 'alerting.receivers.heartbeat.url', 'basicAuth.passwordFile', (c) => void (receivers(c).heartbeat.url = 'https://watch:s3cr3t@hb.example.com/ping')),
	set('heartbeat URL with a token as user', 'alerting.receivers.heartbeat.url', 'user name or password', (c) => void (receivers(c).heartbeat.url = 'https://tok3n@hb.example.com/ping')),
	set('runbook URL with a password', 'runbookBaseUrl', 'user name or password', (c) => void (c.runbookBaseUrl = 'https://u:p@wiki.example.com/runbooks')),
	set('Grafana URL with a password', 'grafanaUrl', 'user name or password', (c) => void (c.grafanaUrl = 'http://admin:admin@grafana:3000')),
	set('runbook URL with a newline', 'runbookBaseUrl', 'control characters', (c) => void (c.runbookBaseUrl = 'https://wiki.example.com/a\nb')),
	set('Grafana URL with a tab', 'grafanaUrl', 'control characters', (c) => void (c.grafanaUrl = 'http://grafana:3000/\tx')),
	set('heartbeat URL with a stray %', 'alerting.receivers.heartbeat.url', '%XX escape', (c) => void (receivers(c).heartbeat.url = 'https://hb.example.com/ping/%%s')),
	set('Grafana URL with a stray %', 'grafanaUrl', '%XX escape', (c) => void (c.grafanaUrl = 'http://grafana:3000/a%zz')),
	set('heartbeat URL javascript:', 'alerting.receivers.heartbeat.url', 'http(s) URL', (c) => void (receivers(c).heartbeat.url = 'javascript:alert(1)')),
];

const hostCases = [
	set('Pushgateway host prometheus', 'pushgateway.address', 'already defines', (c) => void (c.pushgateway.address = 'prometheus:9091')),
	set('n8n host grafana', 'n8n.address', 'already defines', (c) => void (c.n8n.address = 'grafana:5678')),
	set('n8n host blackbox-exporter', 'n8n.address', 'already defines', (c) => void (c.n8n.address = 'blackbox-exporter:5678')),
	set('n8n and Pushgateway on one host', 'n8n.address', 'same host as pushgateway.address', (c) => void (c.n8n.address = 'pushgateway:5678')),
	set('n8n on Prometheus\'s port', 'n8n.address', 'port 9090 is already published', (c) => void (c.n8n.address = 'n8n:9090')),
	set('Pushgateway on Grafana\'s port', 'pushgateway.address', 'port 3000 is already published', (c) => void (c.pushgateway.address = 'pushgateway:3000')),
	set('n8n and Pushgateway on one port', 'n8n.address', 'port 9091 is already published', (c) => void (c.n8n.address = 'n8n:9091')),
	set('port 0', 'services[0].address', 'between 1 and 65535', (c) => void (ragApi(c).address = 'rag-api:0')),
	set('port 70000', 'services[0].address', 'between 1 and 65535', (c) => void (ragApi(c).address = 'rag-api:70000')),
	set('host starting with a dash', 'services[0].address', 'DNS name', (c) => void (ragApi(c).address = '-rag:8000')),
	set('host with an empty label', 'n8n.address', 'DNS name', (c) => void (c.n8n.address = 'n8n..local:5678')),
];

const pathCases = [
	set('healthPath with a fragment', 'services[0].healthPath', 'must not contain #', (c) => void (ragApi(c).healthPath = '/healthz#x')),
	set('metricsPath with a query', 'services[0].metricsPath', 'must not contain ?', (c) => void (ragApi(c).metricsPath = '/metrics?format=prom')),
	set('n8n metricsPath with a query', 'n8n.metricsPath', 'must not contain ?', (c) => void (c.n8n.metricsPath = '/metrics?x=1')),
	set('healthPath with a control character', 'services[0].healthPath', 'control characters', (c) => void (ragApi(c).healthPath = '/health\u0001z')),
	set('healthPath with DEL', 'services[0].healthPath', 'control characters', (c) => void (ragApi(c).healthPath = '/health\u007f')),
	set('healthPath with a stray %', 'services[0].healthPath', '%XX escape', (c) => void (ragApi(c).healthPath = '/health%')),
	set('metricsPath with %', 'services[0].metricsPath', 'must not contain %', (c) => void (ragApi(c).metricsPath = '/metrics%2F')),
	set('healthPath with U+2028', 'services[0].healthPath', 'without spaces or line separators', (c) => void (ragApi(c).healthPath = '/health\u2028z')),
	set('metricsPath with a lone surrogate', 'services[0].metricsPath', 'lone UTF-16 surrogate', (c) => void (ragApi(c).metricsPath = '/metrics\udc00')),
	set('cron with a lone surrogate', 'ingestion.sources[0].cron', 'lone UTF-16 surrogate', (c) => void (c.ingestion.sources[0].cron = '0 2 * * *\ud83d')),
];

const canary = (c: Config) => c.retrieval[0];
const retrievalCases = [
	set('retrieval of an unknown service', 'retrieval[0].service', 'unknown service "nope"', (c) => void (canary(c).service = 'nope')),
	set('retrieval golden set listed twice', 'retrieval[1].goldenSet', 'duplicate golden set', (c) => void c.retrieval.push({ ...canary(c) })),
	set('golden set with a quote and brace', 'retrieval[0].goldenSet', 'lower-case letters', (c) => void (canary(c).goldenSet = 'docs"}')),
	set('golden set with a Go template', 'retrieval[0].goldenSet', 'lower-case letters', (c) => void (canary(c).goldenSet = '{{ .Labels }}')),
	set('golden set missing', 'retrieval[0].goldenSet', 'required', (c) => void delete canary(c).goldenSet),
	set('canary every 10s', 'retrieval[0].every', 'at least 1m', (c) => void (canary(c).every = '10s')),
	set('canary every 8d', 'retrieval[0].every', 'at most 7d', (c) => void (canary(c).every = '8d')),
	set('canary staleAfter equal to every', 'retrieval[0].staleAfter', 'must be longer than every', (c) => void (canary(c).staleAfter = '15m')),
	set('canary staleAfter in words', 'retrieval[0].staleAfter', 'must be a duration', (c) => void (canary(c).staleAfter = 'soon')),
	set('hit rate warn 1.5', 'retrieval[0].thresholds.hitRate.warn', 'between 0 and 1', (c) => void (canary(c).thresholds.hitRate.warn = 1.5)),
	set('hit rate warn negative', 'retrieval[0].thresholds.hitRate.warn', 'between 0 and 1', (c) => void (canary(c).thresholds.hitRate.warn = -0.1)),
	set('hit rate warn NaN', 'retrieval[0].thresholds.hitRate.warn', 'finite number', (c) => void (canary(c).thresholds.hitRate.warn = NaN)),
	set('hit rate page infinite', 'retrieval[0].thresholds.hitRate.page', 'finite number', (c) => void (canary(c).thresholds.hitRate.page = Infinity)),
	set('MRR warn as text', 'retrieval[0].thresholds.mrr.warn', 'not text', (c) => void (canary(c).thresholds.mrr.warn = '0.8')),
	set('hit rate page above warn', 'retrieval[0].thresholds.hitRate.page', 'page must be below warn', (c) => void (canary(c).thresholds.hitRate = { warn: 0.5, page: 0.8 })),
	set('empty ratio page below warn', 'retrieval[0].thresholds.emptyRatio.page', 'page must be above warn', (c) => void (canary(c).thresholds.emptyRatio = { warn: 0.5, page: 0.2 })),
	set('hit rate without levels', 'retrieval[0].thresholds.hitRate', 'set warn, page or both', (c) => void (canary(c).thresholds.hitRate = {})),
	set('hit rate warn 0', 'retrieval[0].thresholds.hitRate', 'can never be undercut', (c) => void (canary(c).thresholds.hitRate = { warn: 0 })),
	set('error ratio warn 1', 'retrieval[0].thresholds.errorRatio', 'can never be exceeded', (c) => void (canary(c).thresholds.errorRatio = { warn: 1 })),
	set('unknown retrieval measure', 'retrieval[0].thresholds.precision', 'unknown key', (c) => void (canary(c).thresholds.precision = { warn: 0.5 })),
	set('negative for', 'retrieval[0].for.warn', 'must be a duration', (c) => void (canary(c).for.warn = '-5m')),
	set('for of 11y', 'retrieval[0].for.page', 'at most 10y', (c) => void (canary(c).for.page = '11y')),
	set('retrieval as one object', 'retrieval', 'expected array', (c) => void (c.retrieval = { service: 'rag-api' })),
];

const CASES: HostileCase[] = [
	...reservedNames,
	...regexCases,
	...labelCases,
	...durationCases,
	...cycleCases,
	...secretCases,
	...urlCases,
	...hostCases,
	...pathCases,
	...retrievalCases,
];

function configText(c: HostileCase): string {
	const cfg = base();
	c.mutate(cfg);
	return stringify(cfg);
}

function problemsOf(text: string): string[] {
	try {
		parseConfig(text);
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	return [];
}

function snapshot(dir: string): Map<string, string> {
	const files = new Map<string, string>();
	const walk = (d: string) => {
		for (const name of readdirSync(d)) {
			const p = join(d, name);
			if (statSync(p).isDirectory()) walk(p);
			else files.set(p, readFileSync(p, 'base64'));
		}
	};
	walk(dir);
	return files;
}

let work: string;
let out: string;
let previous: Map<string, string>;
const tried = new Set<string>();

beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'ragops-hostile-'));
	out = join(work, 'out');
	const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
	try {
		expect(main(['--config', SHIPPED_CONFIG, '--out', out])).toBe(0);
	} finally {
		log.mockRestore();
	}
	previous = snapshot(out);
});

afterAll(() => {
	rmSync(work, { recursive: true, force: true });
	process.stdout.write(`hostile generator configs: ${tried.size} distinct tries, each refused with its path, output untouched\n`);
});

test('the base config itself is valid', () => {
	expect(problemsOf(readFileSync(SHIPPED_CONFIG, 'utf8'))).toEqual([]);
});

test('the reserved names and ports are exactly the ones the generators write themselves', () => {
	const cfg = parseConfig(readFileSync(SHIPPED_CONFIG, 'utf8'));
	const ownJobs = scrapeJobs(cfg)
		.map((j) => j.job_name)
		.filter((job) => !cfg.services.some((s) => s.name === job));
	expect(ownJobs.filter((job) => !RESERVED_SERVICE_NAMES.has(job))).toEqual([]);
	const services = composeDocument(cfg).services as Record<string, { ports?: string[] }>;
	const fromAddresses = [cfg.pushgateway.address, cfg.n8n.address].map((a) => a.split(':')[0]);
	expect(Object.keys(services).filter((name) => !fromAddresses.includes(name)).sort()).toEqual([...STACK_SERVICES].sort());
	const published = Object.fromEntries(
		Object.entries(services)
			.filter(([name, s]) => s.ports && !fromAddresses.includes(name))
			.map(([name, s]) => [name, Number(s.ports![0].split(':')[1])]),
	);
	expect(published).toEqual(PUBLISHED_PORTS);
});

test('the tries are distinct and there are at least 60', () => {
	const texts = new Set(CASES.map(configText));
	expect(texts.size).toBe(CASES.length);
	expect(new Set(CASES.map((c) => c.what)).size).toBe(CASES.length);
	expect(CASES.length).toBeGreaterThanOrEqual(60);
});

describe.each(CASES.map((c) => [c.what, c] as const))('%s', (_what, c) => {
	test(`is refused at ${c.path} in one line, and the previous output stays byte-identical`, () => {
		const text = configText(c);
		const problems = problemsOf(text);
		for (const p of problems) expect(p).not.toMatch(/[\n\r]/);
		const hit = problems.find((p) => p.startsWith(`${c.path}: `) && p.includes(c.says));
		if (!hit) throw new Error(`expected a problem at ${c.path} saying "${c.says}"; got:\n${problems.join('\n')}`);

		const file = join(work, `${tried.size}.yaml`);
		writeFileSync(file, text);
		const errors: string[] = [];
		const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
		try {
			expect(main(['--config', file, '--out', out])).toBe(2);
		} finally {
			err.mockRestore();
		}
		expect(errors.some((e) => e.includes(`${c.path}: `))).toBe(true);
		expect(errors.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
		expect(errors[errors.length - 1]).toBe('Nothing was written.');
		expect(snapshot(out)).toEqual(previous);
		tried.add(text);
	});
});
