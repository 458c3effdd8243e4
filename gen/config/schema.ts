/**
 * The one config schema: everything `npm run gen` reads from ragops.config.yaml.
 *
 * Written with zod's v4 API (shipped inside zod 3.25 as `zod/v4`) because it
 * gives strict objects, precise issue paths and `z.toJSONSchema` for editor
 * completion from the same definition. Every object is strict, so a typo in a
 * key is an error that names it, not a silently ignored setting.
 *
 * Cross-field rules (unique names, references between sections) live in the
 * `superRefine` at the bottom so their errors carry the exact path too.
 */
import { z } from 'zod/v4';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../duration';
import { re2SyntaxError } from './re2';
import { checkGeneratedTargets } from './targets';
import { cronProblem } from './cron';
import { unsafeTextReason } from '../escape';
import { INTERVALS as HEALTH_WATCH_INTERVALS } from '../../nodes/RagHealthWatchTrigger/interval';

const isDuration = (s: string) => s !== '' && DURATION_PATTERN.test(s) && parseDuration(s) > 0;

/**
 * A duration between `min` and `max` (Prometheus syntax). The default upper
 * bound keeps every derived value (2× periods in PromQL, `for:`, compose
 * flags) far inside what Prometheus, Alertmanager and Loki parse (Go's
 * time.Duration ends at 292 years).
 */
function durationBetween(min: string, max: string) {
	return z
		.string()
		.refine(isDuration, { message: 'must be a duration such as 30s, 5m, 26h or 7d', abort: true })
		.refine((s) => parseDuration(s) >= parseDuration(min), { message: `must be at least ${min}` })
		.refine((s) => parseDuration(s) <= parseDuration(max), { message: `must be at most ${max}` })
		.describe('A Prometheus duration: 30s, 5m, 1h30m, 26h, 7d');
}

const duration = durationBetween('1ms', '10y');

/** A cron the workflows' Schedule Trigger runs (gen/workflows writes it there). */
const cron = z.string().superRefine((s, ctx) => {
	// Text no artefact can carry is reported (with its own reason) by checkGeneratedTargets.
	if (unsafeTextReason(s)) return;
	const problem = cronProblem(s);
	if (problem) ctx.addIssue({ code: 'custom', message: `is not a cron n8n's Schedule Trigger runs: ${problem}` });
});

/** Lower-case DNS-label style names: they become job names, label values, file names and URL anchors. */
const name = z
	.string()
	.regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes, starting with a letter (e.g. rag-api)');

const notReserved = (s: string) => !s.startsWith('__');
const metricName = z
	.string()
	.regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a valid Prometheus metric name')
	.refine(notReserved, 'names starting with __ are reserved for Prometheus itself');
const labelName = z
	.string()
	.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a valid Prometheus label name')
	.refine(notReserved, 'label names starting with __ are reserved for Prometheus itself (relabelling drops them)');
/** Labels the generated rules set or select on themselves; a service's own label of that name would be overwritten. */
const GENERATED_LABELS = ['job', 'instance', 'service', 'le'];
const serviceLabel = labelName.refine((s) => !GENERATED_LABELS.includes(s), {
	message: `must not be one of ${GENERATED_LABELS.join(', ')}: the generated rules set or select those labels themselves`,
});
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const urlPath = z
	.string()
	.regex(/^\/[^\s]*$/, 'must be a path starting with /, without spaces or line separators')
	.refine((s) => !CONTROL.test(s), 'must not contain control characters')
	.refine((s) => !s.includes('#'), 'must not contain # (a fragment never reaches the server)')
	// The probed URL is parsed by Go's url.Parse in the blackbox exporter, which refuses a stray %.
	.refine((s) => !/%(?![0-9A-Fa-f]{2})/.test(s), 'must not contain a % that does not start a %XX escape (write %25 for a literal %)');
/** Prometheus sends metrics_path as written and percent-encodes it itself: a ? or % would reach the server as %3F / %25. */
const metricsPath = urlPath
	.refine((s) => !s.includes('?'), {
		message: 'must not contain ? (Prometheus percent-encodes it into the path; query parameters are not supported here)',
	})
	.refine((s) => !s.includes('%'), { message: 'must not contain % (Prometheus percent-encodes the path itself; write the character as is)' });
const DNS_HOST = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const hostPort = z
	.string()
	.regex(/^[a-zA-Z0-9.-]+:\d{1,5}$/, 'must be host:port as Prometheus scrapes it, e.g. rag-api:8000')
	.refine((s) => DNS_HOST.test(s.split(':')[0]), 'the host must be a DNS name or IPv4 address (letters, digits, dots, inner dashes)')
	.refine((s) => Number(s.split(':')[1]) >= 1 && Number(s.split(':')[1]) <= 65535, 'the port must be between 1 and 65535');
/**
 * Generated files are committed and world-readable (alertmanager.yml, compose,
 * dashboards), so a URL must not carry credentials: they would be copied in clear.
 */
function httpUrlWithout(credentialsHint: string) {
	return z
		.string()
		// Checked before the URL parser, which would silently drop tabs and newlines.
		.regex(/^[^\s\u0000-\u001f\u007f]*$/, 'must not contain spaces or control characters')
		.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
		// The browser-style parser above keeps a stray %, Go's url.Parse (Alertmanager, Grafana) refuses it.
		.refine((s) => !/%(?![0-9A-Fa-f]{2})/.test(s), 'must not contain a % that does not start a %XX escape (write %25 for a literal %)')
		.refine((s) => {
			if (!URL.canParse(s)) return true; // z.url already said so
			const u = new URL(s);
			return u.username === '' && u.password === '';
		}, `must not contain a user name or password (user:password@): generated files are committed and would carry it in clear; ${credentialsHint}`);
}
const httpUrl = httpUrlWithout('remove it');
const filePath = z
	.string()
	.min(1)
	.regex(/^[^\s]+$/, 'must be a file path without spaces')
	.regex(/^\/[A-Za-z0-9._@+/-]+$/, 'must be an absolute path inside the container (letters, digits and . _ @ + - /)')
	.refine((s) => !s.split('/').some((part) => part === '.' || part === '..'), 'must not contain . or .. segments')
	.refine((s) => !(s.split('/').pop() ?? '').startsWith('.') && !s.endsWith('/'), {
		message: 'must name a file whose name does not start with a dot (compose reads it from ./secrets/<file name>)',
	});
/** Prometheus compiles label-matcher regexes with Go's RE2; refuse what it would refuse, with the reason. */
const promRegex = z
	.string()
	.min(1, 'must not be empty (an empty regex matches only series without the label)')
	.max(256, 'must be at most 256 characters')
	.superRefine((s, ctx) => {
		const problem = re2SyntaxError(s);
		if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid RE2 regex as Prometheus reads it: ${problem}` });
	})
	// The regex also goes into dashboard queries, where Grafana replaces $name, ${name} and [[name]] before
	// Prometheus sees them ($__range, $__interval … always); in a status regex they would match nothing anyway.
	.refine((s) => !/\$\w|\$\{|\[\[\w/.test(s), {
		message: 'must not contain $name, ${…} or [[name]]: Grafana reads them as dashboard variables (write [$] or \\x{24} for a literal $)',
	});
const percent = z
	.number()
	.gt(0, 'must be above 0 (a percentage, e.g. 99.5)')
	.lt(100, 'must be below 100 (a percentage, e.g. 99.5; 100 leaves no error budget)');

/** Metric names of a RAG API service; defaults follow the common prom-client / OpenTelemetry HTTP names. */
const ragApiMetrics = z
	.strictObject({
		requestsTotal: metricName
			.default('http_requests_total')
			.describe('Counter of requests, with a status-code label'),
		statusLabel: serviceLabel.default('status_code').describe('Label on requestsTotal carrying the HTTP status code'),
		errorStatusRegex: promRegex
			.default('5..')
			.describe('Status codes that count as errors for the availability SLO (PromQL regex)'),
		latencyHistogram: metricName
			.default('http_request_duration_seconds')
			.describe('Histogram base name (without _bucket) of request latency in seconds'),
		routeLabel: serviceLabel.default('route').describe('Label naming the route or endpoint, for dashboards'),
	})
	.describe('Metric names the RAG API exposes; override when yours differ (e.g. kb_query_duration_seconds)');

const slo = z
	.strictObject({
		availability: percent.describe('Percentage of requests that must not be errors, e.g. 99.5'),
		latency: z
			.strictObject({
				threshold: z
					.number()
					.positive('must be a positive number of seconds')
					.describe('Latency threshold in seconds; must be one of the histogram bucket bounds (le)'),
				target: percent.describe('Percentage of requests that must be faster than the threshold'),
			})
			.optional(),
		window: duration.default('30d').describe('SLO window for the error budget'),
	})
	.describe('Service level objectives, turned into multi-window multi-burn-rate alerts');

export const SERVICE_KINDS = ['rag-api', 'search', 'qdrant', 'chroma', 'ingestion', 'n8n', 'generic'] as const;

const service = z
	.strictObject({
		name: name.describe('Service name; becomes the Prometheus job and the `service` label'),
		kind: z.enum(SERVICE_KINDS).describe('What the service is; decides default paths, metrics and alerts'),
		address: hostPort.describe('host:port Prometheus scrapes and probes'),
		scheme: z.enum(['http', 'https']).default('http'),
		metricsPath: metricsPath.optional().describe('Path of the metrics endpoint; omit to not scrape the service'),
		healthPath: urlPath.optional().describe('Path the blackbox exporter probes (e.g. /healthz); omit for none'),
		critical: z.boolean().default(false).describe('Whether an outage pages (critical) or only warns'),
		dependsOn: z.array(name).default([]).describe('Services this one needs; alerts on it are inhibited while they are down'),
		metrics: ragApiMetrics.optional(),
		slo: slo.optional(),
		alertThresholds: z
			.strictObject({
				errorRatio: z
					.number()
					.gt(0, 'must be above 0 (a ratio, e.g. 0.05 for 5%)')
					.lt(1, 'must be below 1 (a ratio, e.g. 0.05 for 5%)')
					.default(0.05)
					.describe('rag-api: ratio of failing requests over 5m above which RagApiHighErrorRate warns'),
				p95LatencySeconds: z
					.number()
					.positive('must be a positive number of seconds')
					.optional()
					.describe('rag-api / qdrant: p95 latency above which the HighLatency alert warns (default: the SLO threshold or 1s; 0.5s for qdrant)'),
			})
			.optional()
			.describe('Thresholds of the cause (warning) alerts; SLO alerts come from `slo`'),
	})
	.describe('A service of the RAG stack');

const ingestionSource = z.strictObject({
	name: name.describe('Ingestion source; the `target` label of the pushed ragops_ingestion_* metrics'),
	cron: cron.optional().describe('Cron expression of the schedule; npm run gen writes it into the ingestion workflow\'s Schedule Trigger'),
	every: duration.describe('Expected time between runs; freshness alerts fire after twice this'),
	maxRuntime: duration.default('2h').describe('A run longer than this is reported failed'),
});

const freshness = z.strictObject({
	manifest: name.describe('Manifest name; the `target` label of the pushed ragops_freshness_* metrics'),
	warnAfter: duration.describe('Manifest age above which it is stale (warning)'),
	errorAfter: duration.describe('Manifest age above which it is an error (critical)'),
	absentAfter: duration
		.default('1h')
		.describe('No freshness result pushed for this long means nobody checks the manifest (RagFreshnessResultsAbsent)'),
});

const retention = z.strictObject({
	keepLast: z.int().min(1).default(3),
	keepDaily: z.int().min(0).default(7),
	keepWeekly: z.int().min(0).default(4),
	keepMonthly: z.int().min(0).default(6),
	keepWithin: duration.optional(),
});

const backups = z.strictObject({
	service: name.describe('The qdrant service (by name) whose collections are backed up'),
	collections: z.array(name).min(1).describe('Collections to snapshot; the `target` label of ragops_backup_* metrics'),
	every: duration
		.default('24h')
		.describe('Backup period; RagBackupTooOld fires when the last success is older than every + maxRuntime'),
	cron: cron.default('30 3 * * *').describe('Cron expression of the backup; npm run gen writes it into the Qdrant Backup workflow\'s Schedule Trigger'),
	maxRuntime: duration
		.default('2h')
		.describe(
			'Longest a whole backup run (Create, Download, Verify) may take: the margin of RagBackupTooOld, and how long a created snapshot may wait for its Verify before RagBackupUnverified',
		),
	retention: retention.default({ keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 }),
});

/**
 * A warn and a page level of one retrieval measure (0–1). Which way is bad is
 * the measure's: `higher` measures (hit rate, MRR …) alert below a level,
 * `lower` ones (empty or error ratio) above it.
 */
function retrievalLevels(better: 'higher' | 'lower', what: string) {
	const ratio = z
		.number({ error: 'must be a finite number between 0 and 1 (e.g. 0.8), not text, NaN or infinity' })
		.min(0, 'must be between 0 and 1 (the node pushes this measure as a ratio)')
		.max(1, 'must be between 0 and 1 (the node pushes this measure as a ratio)');
	return z
		.strictObject({
			warn: ratio.optional().describe(`${what}: ${better === 'higher' ? 'below' : 'above'} this for \`for.warn\` → warning`),
			page: ratio.optional().describe(`${what}: ${better === 'higher' ? 'below' : 'above'} this for \`for.page\` → critical (page)`),
		})
		.refine((l) => l.warn !== undefined || l.page !== undefined, { message: 'set warn, page or both' })
		.refine((l) => l.warn === undefined || l.page === undefined || (better === 'higher' ? l.page < l.warn : l.page > l.warn), {
			message: better === 'higher' ? 'page must be below warn (the page level is the far-below one)' : 'page must be above warn (the page level is the far-worse one)',
			path: ['page'],
		})
		.refine((l) => !(better === 'higher' ? l.warn === 0 || l.page === 0 : l.warn === 1 || l.page === 1), {
			message: better === 'higher' ? 'a level of 0 can never be undercut: use a positive level or leave it out' : 'a level of 1 can never be exceeded: use a level below 1 or leave it out',
		});
}

/** Default thresholds of a retrieval check (measures without an entry do not alert). */
export const RETRIEVAL_DEFAULT_THRESHOLDS = {
	hitRate: { warn: 0.8, page: 0.5 },
	overlap: { warn: 0.5 },
	emptyRatio: { warn: 0.2, page: 0.5 },
	errorRatio: { warn: 0.2 },
} as const;

/** Whole minutes under an hour, whole hours under a day, or whole days: what one Schedule Trigger interval can hold. */
function schedulablePeriod(s: number): boolean {
	return (s < 3600 && s % 60 === 0) || (s < 86400 && s % 3600 === 0) || s % 86400 === 0;
}

const retrievalCheck = z
	.strictObject({
		service: name.describe('The service (by name) whose search the golden set checks; its Down alerts silence this check\'s alerts'),
		goldenSet: name.describe('Golden set name: the RAG Retrieval Check\'s Golden Set Name, the `target` label of the pushed ragops_retrieval_* metrics'),
		every: durationBetween('1m', '7d')
			// gen/workflows writes it into the canary's Schedule Trigger, whose units cap at 59 minutes, 23 hours and 31 days.
			.refine((d) => !isDuration(d) || schedulablePeriod(parseDuration(d)), {
				message: 'must be a period the Schedule Trigger offers: whole minutes under 1h (e.g. 15m), whole hours under 1d (e.g. 6h) or whole days (e.g. 1d)',
			})
			.describe('Canary period: how often the golden set runs (the retrieval-canary workflow\'s schedule)'),
		staleAfter: duration
			.optional()
			.describe('No run for this long means the canary stopped (RagRetrievalCanaryStale); default 2 × every'),
		thresholds: z
			.strictObject({
				hitRate: retrievalLevels('higher', 'hit rate (recall@k as hit rate)').default({ ...RETRIEVAL_DEFAULT_THRESHOLDS.hitRate }),
				recall: retrievalLevels('higher', 'mean recall@k').optional(),
				mrr: retrievalLevels('higher', 'MRR').optional(),
				ndcg: retrievalLevels('higher', 'nDCG@k').optional(),
				overlap: retrievalLevels('higher', 'rank-biased overlap vs the baseline (drift)').default({ ...RETRIEVAL_DEFAULT_THRESHOLDS.overlap }),
				emptyRatio: retrievalLevels('lower', 'empty-result ratio').default({ ...RETRIEVAL_DEFAULT_THRESHOLDS.emptyRatio }),
				errorRatio: retrievalLevels('lower', 'error ratio of the search calls').default({ ...RETRIEVAL_DEFAULT_THRESHOLDS.errorRatio }),
			})
			.default({
				hitRate: { ...RETRIEVAL_DEFAULT_THRESHOLDS.hitRate },
				overlap: { ...RETRIEVAL_DEFAULT_THRESHOLDS.overlap },
				emptyRatio: { ...RETRIEVAL_DEFAULT_THRESHOLDS.emptyRatio },
				errorRatio: { ...RETRIEVAL_DEFAULT_THRESHOLDS.errorRatio },
			})
			.describe('Levels per measure; a measure the node did not take (no labelled case, no baseline) is not pushed and never alerts'),
		for: z
			.strictObject({
				warn: duration.optional().describe('How long a measure stays past its warn level before the warning; default 1.5 × every (two runs in a row)'),
				page: duration.optional().describe('How long a measure stays past its page level before the page; default 1.5 × every (two runs in a row)'),
			})
			.default({})
			.describe('`for:` of the quality alerts; the default lets one bad run (a re-index the gate rolled back) pass'),
	})
	.transform((r) => {
		const every = parseDuration(r.every);
		const twoRuns = formatDuration(1.5 * every);
		return {
			...r,
			staleAfter: r.staleAfter ?? formatDuration(2 * every),
			for: { warn: r.for.warn ?? twoRuns, page: r.for.page ?? twoRuns },
		};
	})
	.describe('A golden set the RAG Retrieval Check runs as a canary against a service');

const healthChecks = z.strictObject({
	every: duration
		.default('30s')
		// The RAG Health Watch offers a fixed list (nodes/RagHealthWatchTrigger/interval.ts); gen/workflows writes this into it.
		.refine((s) => !isDuration(s) || HEALTH_WATCH_INTERVALS.includes(parseDuration(s)), {
			message: `must be an interval the RAG Health Watch offers: ${HEALTH_WATCH_INTERVALS.map((s) => (s < 60 ? `${s}s` : s < 3600 ? `${s / 60}m` : '1h')).join(', ')}`,
		})
		.describe('How often the n8n health watch runs; npm run gen writes it into the RAG Health Watch of workflows/health-watch.json'),
	staleAfter: duration
		.default('5m')
		.describe(
			'Pushes older than this, and than 3 × the interval the health watch pushes (its Check Every, as edited in n8n), mean n8n stopped watching (RagOpsHealthPushesStale fires)',
		),
});

const receivers = z.strictObject({
	slack: z.strictObject({
		channel: z.string().regex(/^[#@]?[\w.-]+$/, 'must be a Slack channel such as #rag-alerts'),
		apiUrlFile: filePath.describe('File holding the Slack incoming-webhook URL (mounted secret)'),
	}),
	pagerduty: z.strictObject({
		routingKeyFile: filePath.describe('File holding the PagerDuty Events v2 routing key (mounted secret)'),
	}),
	heartbeat: z
		.strictObject({
			url: httpUrlWithout('put the password in a file and set basicAuth.username and basicAuth.passwordFile').describe(
				'Dead man\'s switch URL the Watchdog alert is sent to',
			),
			basicAuth: z
				.strictObject({
					username: z.string().regex(/^[^\s:]+$/, 'must be a user name without spaces or colons'),
					passwordFile: filePath.describe('File holding the password (mounted secret)'),
				})
				.optional()
				.describe('HTTP basic auth for the heartbeat URL; the password only ever comes from a file'),
		})
		.optional(),
});

export const ragopsConfigSchema = z
	.strictObject({
		$schema: z.string().optional(),
		project: name.describe('Project name; used in titles and the `project` external label'),
		runbookBaseUrl: httpUrl.describe('Base URL of the runbooks; each alert links <base>#<alertname lower-case>'),
		grafanaUrl: httpUrl.default('http://localhost:3000').describe('Grafana URL used in alert links'),
		prometheus: z
			.strictObject({
				scrapeInterval: duration.default('15s'),
				evaluationInterval: duration.default('15s'),
				// Prometheus silently caps longer retention at 100y.
				retention: durationBetween('1h', '100y').default('15d'),
			})
			.default({ scrapeInterval: '15s', evaluationInterval: '15s', retention: '15d' }),
		pushgateway: z.strictObject({ address: hostPort }).default({ address: 'pushgateway:9091' }),
		n8n: z
			.strictObject({ address: hostPort, metricsPath: metricsPath.default('/metrics') })
			.default({ address: 'n8n:5678', metricsPath: '/metrics' }),
		services: z.array(service).min(1, 'list at least one service'),
		healthChecks: healthChecks.default({ every: '30s', staleAfter: '5m' }),
		ingestion: z
			.strictObject({
				sources: z.array(ingestionSource).default([]),
				freshness: z.array(freshness).default([]),
			})
			.default({ sources: [], freshness: [] }),
		backups: backups.optional(),
		retrieval: z.array(retrievalCheck).default([]).describe('Retrieval-quality canaries (RAG Retrieval Check golden sets) to alert on'),
		alerting: z.strictObject({
			receivers,
			groupWait: duration.default('30s'),
			groupInterval: duration.default('5m'),
			repeatInterval: duration.default('4h'),
			downHold: duration
				.default('5m')
				.describe(
					'A Down alert keeps firing until its service has been up this long (Prometheus keep_firing_for): a crash loop stays one incident, and the inhibition of the service\'s other alerts outlives the outage by as long as their 5-minute windows lag; a service others dependOn holds twice as long',
				),
		}),
		logs: z
			.strictObject({
				// Loki's compactor refuses retention below 24h.
				retention: durationBetween('24h', '100y').default('31d').describe('How long Loki keeps logs (compactor retention)'),
				errorRateThreshold: z
					.number()
					.positive()
					.default(1)
					.describe('Error log lines per second above which the log alerts fire'),
			})
			.default({ retention: '31d', errorRateThreshold: 1 }),
	})
	.superRefine((cfg, ctx) => {
		const names = new Map<string, number>();
		cfg.services.forEach((s, i) => {
			if (names.has(s.name)) {
				ctx.addIssue({
					code: 'custom',
					path: ['services', i, 'name'],
					message: `duplicate service name "${s.name}" (also services[${names.get(s.name)}])`,
				});
			} else names.set(s.name, i);
		});
		cfg.services.forEach((s, i) => {
			s.dependsOn.forEach((dep, j) => {
				if (!names.has(dep)) {
					ctx.addIssue({
						code: 'custom',
						path: ['services', i, 'dependsOn', j],
						message: `unknown service "${dep}"; known: ${[...names.keys()].join(', ')}`,
					});
				} else if (dep === s.name) {
					ctx.addIssue({ code: 'custom', path: ['services', i, 'dependsOn', j], message: 'a service cannot depend on itself' });
				}
			});
			if (s.alertThresholds && s.kind !== 'rag-api' && s.kind !== 'qdrant') {
				ctx.addIssue({
					code: 'custom',
					path: ['services', i, 'alertThresholds'],
					message: `only services of kind rag-api or qdrant take alertThresholds (this one is ${s.kind})`,
				});
			}
			if ((s.metrics || s.slo) && s.kind !== 'rag-api') {
				ctx.addIssue({
					code: 'custom',
					path: ['services', i, s.slo ? 'slo' : 'metrics'],
					message: `only services of kind rag-api take metrics/slo (this one is ${s.kind})`,
				});
			}
			if (s.slo && !s.metricsPath) {
				ctx.addIssue({
					code: 'custom',
					path: ['services', i, 'metricsPath'],
					message: 'an SLO needs the service scraped: set metricsPath',
				});
			}
		});
		if (cfg.backups) {
			const target = cfg.services.find((s) => s.name === cfg.backups!.service);
			if (!target) {
				ctx.addIssue({ code: 'custom', path: ['backups', 'service'], message: `unknown service "${cfg.backups.service}"` });
			} else if (target.kind !== 'qdrant') {
				ctx.addIssue({
					code: 'custom',
					path: ['backups', 'service'],
					message: `service "${target.name}" is of kind ${target.kind}; backups need a qdrant service`,
				});
			}
		}
		const unique = (list: { name?: string; manifest?: string }[], key: 'name' | 'manifest', path: string[]) => {
			const seen = new Set<string>();
			list.forEach((entry, i) => {
				const value = entry[key]!;
				if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [...path, i, key], message: `duplicate "${value}"` });
				seen.add(value);
			});
		};
		unique(cfg.ingestion.sources, 'name', ['ingestion', 'sources']);
		unique(cfg.ingestion.freshness, 'manifest', ['ingestion', 'freshness']);
		cfg.ingestion.freshness.forEach((f, i) => {
			if (parseDuration(f.errorAfter) <= parseDuration(f.warnAfter)) {
				ctx.addIssue({
					code: 'custom',
					path: ['ingestion', 'freshness', i, 'errorAfter'],
					message: `must be longer than warnAfter (${f.warnAfter})`,
				});
			}
		});
		cfg.retrieval.forEach((r, i) => {
			if (!names.has(r.service)) {
				ctx.addIssue({
					code: 'custom',
					path: ['retrieval', i, 'service'],
					message: `unknown service "${r.service}"; known: ${[...names.keys()].join(', ')}`,
				});
			}
			if (parseDuration(r.staleAfter) <= parseDuration(r.every)) {
				ctx.addIssue({
					code: 'custom',
					path: ['retrieval', i, 'staleAfter'],
					message: `must be longer than every (${r.every}): a canary that is merely between runs is not stale`,
				});
			}
		});
		const goldenSets = new Map<string, number>();
		cfg.retrieval.forEach((r, i) => {
			if (goldenSets.has(r.goldenSet)) {
				ctx.addIssue({
					code: 'custom',
					path: ['retrieval', i, 'goldenSet'],
					message: `duplicate golden set "${r.goldenSet}" (also retrieval[${goldenSets.get(r.goldenSet)}]): it is the target label, one canary per name`,
				});
			} else goldenSets.set(r.goldenSet, i);
		});
		if (parseDuration(cfg.healthChecks.staleAfter) <= parseDuration(cfg.healthChecks.every)) {
			ctx.addIssue({
				code: 'custom',
				path: ['healthChecks', 'staleAfter'],
				message: `must be longer than healthChecks.every (${cfg.healthChecks.every})`,
			});
		}
	})
	.superRefine(checkGeneratedTargets);

export type RagopsConfig = z.output<typeof ragopsConfigSchema>;
export type ServiceConfig = RagopsConfig['services'][number];
export type RagApiMetrics = z.output<typeof ragApiMetrics>;
export type RetrievalCheckConfig = RagopsConfig['retrieval'][number];

/**
 * The metric names a rag-api service exposes: its `metrics` block, or the
 * schema's defaults when it leaves the block out. The one place generators
 * read RAG API metric names from.
 */
export function ragApiMetricsOf(service: ServiceConfig): RagApiMetrics {
	return service.metrics ?? ragApiMetrics.parse({});
}
