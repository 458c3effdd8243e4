/**
 * fast-check arbitraries for ragops configs: mostly valid shapes whose free
 * text (regexes, paths, URLs) is full of what breaks generated languages —
 * quotes, backslashes, braces, `{{`, `$`, `%`, newlines, unicode, lone
 * surrogates — plus mutations that put hostile values anywhere else.
 */
import fc from 'fast-check';
import { SERVICE_KINDS } from '../../../../gen/config/schema';

export type RawConfig = Record<string, unknown> & {
	services: Record<string, unknown>[];
	alerting: { receivers: Record<string, Record<string, unknown> | undefined>; repeatInterval?: string };
};

/** Pieces that break naive interpolation in at least one target language. */
export const HOSTILE_TOKENS = [
	'"', "'", '\\', '\\\\', '{{', '}}', '{', '}', '{{ .Foo }}', '{{"', '$', '${HOME}', '$$', '%', '%s', '#', '?', '&', '|', '`',
	'é', '日本', '😀', '\u2028', '\n', '\t', ' ', '\u0000', '\u007f', '\ud800', '\udc00', '-', '.', '/', ':', '@', '[[x]]', '$__range',
];

export const hostileText = fc
	.array(
		fc.oneof(
			{ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TOKENS) },
			{ weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 3 }) },
			{ weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) },
		),
		{ maxLength: 6 },
	)
	.map((parts) => parts.join(''));

/**
 * Hostile text the schema should accept where free text is allowed (paths, URL paths
 * and queries): everything above except whitespace, controls, separators, lone
 * surrogates and the URL delimiters # and ?.
 */
const ACCEPTABLE_TOKENS = HOSTILE_TOKENS.filter((t) => !/[\s\u0000-\u001f\u007f\u2028\ud800-\udfff#?%]/.test(t));
export const acceptableText = fc
	.array(
		fc.oneof(
			{ weight: 3, arbitrary: fc.constantFrom(...ACCEPTABLE_TOKENS, '<', '>', '<script>', '%7B', '%25', 'Ω') },
			{ weight: 2, arbitrary: fc.stringMatching(/^[!-~]{0,3}$/).filter((s) => !/[#?%]/.test(s)) },
		),
		{ maxLength: 6 },
	)
	.map((parts) => parts.join(''));

/** Regex atoms that are valid RE2 on their own (braces escaped so they never form a repetition by accident). */
const RE2_ATOMS = [
	'5', 'a', '.', '..', '\\d', '\\w', '\\s', '[0-9]', '[^a-c]', '[[:alpha:]]', '[\\d\\-x]', '\\p{Greek}', '\\pL', '\\PN', '"', '\\"',
	'\\\\', '\\{', '\\}', 'é', '😀', '\\x41', '\\x{1F600}', '\\Q{{"\\E', '$', '^', '\\b', '\\A', '\\z', '\\n', '\\.', '%', '`', "'",
];

/** Structurally valid RE2 regexes built from the atoms (groups, alternations, repetitions of groups). */
export const re2Regex: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
	node: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		fc.constantFrom(...RE2_ATOMS),
		fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((a) => a.join('')),
		fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((a) => a.join('|')),
		fc.tuple(fc.constantFrom('(', '(?:', '(?i:', '(?s:', '(?i-s:'), tie('node')).map(([open, n]) => `${open}${n})`),
		fc
			.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '*?', '{0,}', '{3}?'))
			.map(([n, op]) => `(?:${n})${op}`),
	),
})).node;

/** Regex soup: valid atoms, RE2-invalid constructs and hostile text, concatenated at random. */
export const regexSoup = fc
	.array(
		fc.oneof(
			fc.constantFrom(...RE2_ATOMS),
			fc.constantFrom('(', ')', '[', ']', '*', '+', '?', '{', '}', '{2}', '{1001}', '|', '(?=', '(?!', '(?<=', '(?<n>', '(?P<n>', '\\1', '\\k', '\\Z', '\\e', '\\', '[z-a]', '\\p{Foo}', '(?i)', '(?'),
			hostileText,
		),
		{ minLength: 1, maxLength: 6 },
	)
	.map((a) => a.join(''));

const duration = (choices: string[]) => fc.constantFrom(...choices);
const pathArb = fc.oneof(
	{ weight: 2, arbitrary: fc.constantFrom('/healthz', '/health', '/readyz', '/metrics', '/api/v1/health') },
	{ weight: 4, arbitrary: acceptableText.map((t) => `/${t}`) },
	{ weight: 1, arbitrary: hostileText.map((t) => `/${t}`) },
);

// Names double as host names in the addresses, so no trailing dash.
const serviceName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,11}[a-z0-9])?$/);

function serviceArb(name: string, earlier: string[]) {
	return fc
		.record({
			kind: fc.constantFrom(...SERVICE_KINDS),
			port: fc.integer({ min: 1, max: 65535 }),
			scheme: fc.constantFrom('http', 'https'),
			metricsPath: fc.option(pathArb, { nil: undefined }),
			healthPath: fc.option(pathArb, { nil: undefined }),
			critical: fc.boolean(),
			// Only earlier services: no cycles in the mostly-valid configs (mutations add them).
			dependsOn: earlier.length ? fc.subarray(earlier) : fc.constant([]),
			regex: fc.oneof({ weight: 6, arbitrary: re2Regex }, { weight: 1, arbitrary: regexSoup }),
			statusLabel: fc.constantFrom('status_code', 'code', 'status'),
			routeLabel: fc.constantFrom('route', 'handler', 'path', 'endpoint'),
			requestsTotal: fc.constantFrom('http_requests_total', 'kb_requests_total', 'app:requests:total'),
			latencyHistogram: fc.constantFrom('http_request_duration_seconds', 'kb_query_duration_seconds'),
			slo: fc.option(
				fc.record({
					availability: fc.double({ min: 90, max: 99.99, noNaN: true }),
					latency: fc.option(fc.record({ threshold: fc.constantFrom(0.1, 0.25, 0.5, 1, 2.5), target: fc.double({ min: 50, max: 99.9, noNaN: true }) }), {
						nil: undefined,
					}),
					window: duration(['7d', '28d', '30d', '90d']),
				}),
				{ nil: undefined },
			),
			errorRatio: fc.option(fc.double({ min: 0.001, max: 0.5, noNaN: true }), { nil: undefined }),
			p95: fc.option(fc.double({ min: 0.01, max: 30, noNaN: true }), { nil: undefined }),
		})
		.map((s) => {
			const service: Record<string, unknown> = {
				name,
				kind: s.kind,
				address: `${name}:${s.port}`,
				scheme: s.scheme,
				critical: s.critical,
				dependsOn: s.dependsOn,
			};
			if (s.metricsPath) service.metricsPath = s.metricsPath;
			if (s.healthPath) service.healthPath = s.healthPath;
			if (s.kind === 'rag-api' && s.metricsPath) {
				service.metrics = {
					requestsTotal: s.requestsTotal,
					statusLabel: s.statusLabel,
					errorStatusRegex: s.regex,
					latencyHistogram: s.latencyHistogram,
					routeLabel: s.routeLabel,
				};
				if (s.slo) service.slo = s.slo.latency ? s.slo : { availability: s.slo.availability, window: s.slo.window };
			}
			if ((s.kind === 'rag-api' || s.kind === 'qdrant') && (s.errorRatio !== undefined || s.p95 !== undefined)) {
				service.alertThresholds = {
					...(s.errorRatio !== undefined ? { errorRatio: s.errorRatio } : {}),
					...(s.p95 !== undefined ? { p95LatencySeconds: s.p95 } : {}),
				};
			}
			return service;
		});
}

const servicesArb = fc
	.uniqueArray(serviceName, { minLength: 1, maxLength: 4 })
	.chain((names) => fc.tuple(...names.map((n, i) => serviceArb(n, names.slice(0, i)))));

/** Mostly valid configs whose free-text fields are hostile. */
export const configArb: fc.Arbitrary<RawConfig> = fc
	.record({
		project: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
		runbookBase: acceptableText,
		runbookQuery: fc.option(acceptableText, { nil: undefined }),
		grafanaPath: fc.option(acceptableText, { nil: undefined }),
		services: servicesArb,
		scrapeInterval: duration(['1s', '15s', '30s', '1m']),
		evaluationInterval: duration(['15s', '30s', '1m']),
		retention: duration(['1h', '15d', '90d', '1y', '100y']),
		pushgatewayPort: fc.integer({ min: 1, max: 65535 }),
		n8nPort: fc.integer({ min: 1, max: 65535 }),
		sources: fc.uniqueArray(serviceName, { maxLength: 2 }),
		every: duration(['1ms', '500ms', '5m', '1h', '24h', '7d', '10y']),
		manifests: fc.uniqueArray(serviceName, { maxLength: 2 }),
		collections: fc.uniqueArray(serviceName, { minLength: 1, maxLength: 3 }),
		withBackups: fc.boolean(),
		channel: fc.constantFrom('#rag-alerts', '@oncall', 'alerts.rag', 'rag_alerts'),
		heartbeatPath: fc.option(acceptableText, { nil: undefined }),
		heartbeatUser: fc.option(fc.stringMatching(/^[a-z]{1,8}$/), { nil: undefined }),
		repeatInterval: duration(['1h', '4h', '1d', '10y']),
		logRetention: duration(['24h', '31d', '1y', '100y']),
		errorRate: fc.double({ min: 0.001, max: 1000, noNaN: true }),
		canaries: fc.uniqueArray(
			fc.record({
				goldenSet: serviceName,
				every: fc.constantFrom('1m', '5m', '15m', '1h', '7d'),
				withStale: fc.boolean(),
				hitWarn: fc.double({ min: 0.05, max: 0.99, noNaN: true }),
				hitPage: fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { nil: undefined }),
				emptyWarn: fc.double({ min: 0.01, max: 0.9, noNaN: true }),
				emptyPage: fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { nil: undefined }),
				mrr: fc.option(fc.double({ min: 0.05, max: 0.99, noNaN: true }), { nil: undefined }),
				forWarn: fc.option(fc.constantFrom('30s', '90s', '1h', '36h'), { nil: undefined }),
			}),
			{ maxLength: 2, selector: (c) => c.goldenSet },
		),
	})
	.map((r) => {
		const qdrant = r.services.find((s) => s.kind === 'qdrant');
		const cfg: RawConfig = {
			project: r.project,
			runbookBaseUrl: `https://wiki.example.com/${r.runbookBase}${r.runbookQuery !== undefined ? `?q=${r.runbookQuery}` : ''}`,
			grafanaUrl: `http://grafana.example.com:3000${r.grafanaPath !== undefined ? `/${r.grafanaPath}` : ''}`,
			prometheus: { scrapeInterval: r.scrapeInterval, evaluationInterval: r.evaluationInterval, retention: r.retention },
			pushgateway: { address: `pushgateway:${r.pushgatewayPort}` },
			n8n: { address: `n8n:${r.n8nPort}` },
			services: r.services,
			ingestion: {
				sources: r.sources.map((name) => ({ name, every: r.every })),
				freshness: r.manifests.map((manifest) => ({ manifest, warnAfter: '26h', errorAfter: '50h' })),
			},
			alerting: {
				receivers: {
					slack: { channel: r.channel, apiUrlFile: '/etc/alertmanager/secrets/slack-webhook-url' },
					pagerduty: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-routing-key' },
					heartbeat:
						r.heartbeatPath === undefined
							? undefined
							: {
									url: `https://hb.example.com/ping/${r.heartbeatPath}`,
									...(r.heartbeatUser ? { basicAuth: { username: r.heartbeatUser, passwordFile: '/etc/alertmanager/secrets/heartbeat-password' } } : {}),
								},
				},
				repeatInterval: r.repeatInterval,
			},
			logs: { retention: r.logRetention, errorRateThreshold: r.errorRate },
		};
		if (!cfg.alerting.receivers.heartbeat) delete cfg.alerting.receivers.heartbeat;
		if (r.withBackups && qdrant) cfg.backups = { service: qdrant.name, collections: r.collections };
		const staleFor: Record<string, string> = { '1m': '3m', '5m': '11m', '15m': '31m', '1h': '2h', '7d': '15d' };
		cfg.retrieval = r.canaries.map((k, i) => ({
			service: r.services[i % r.services.length].name,
			goldenSet: k.goldenSet,
			every: k.every,
			...(k.withStale ? { staleAfter: staleFor[k.every] } : {}),
			thresholds: {
				// Page levels strictly worse than warn levels: below for hit rate, above for the empty ratio.
				hitRate: { warn: k.hitWarn, ...(k.hitPage !== undefined ? { page: k.hitWarn * k.hitPage } : {}) },
				emptyRatio: { warn: k.emptyWarn, ...(k.emptyPage !== undefined ? { page: k.emptyWarn + (1 - k.emptyWarn) * k.emptyPage } : {}) },
				...(k.mrr !== undefined ? { mrr: { warn: k.mrr } } : {}),
			},
			...(k.forWarn ? { for: { warn: k.forWarn } } : {}),
		}));
		return cfg;
	});

/** Secrets a careless user might paste into the config; none may reach a generated file. */
export const SENTINEL_PASSWORDS = ['Sentinel-Pass-7f3a', 'sentinel%40token-91'];

type Mutation = (cfg: RawConfig, value: string) => void;

/** Where a mutation puts a hostile value: every kind of field the schema has. */
const MUTATIONS: Mutation[] = [
	(c, v) => void (c.project = v),
	(c, v) => void (c.services[0].name = v),
	(c, v) => void (c.services[0].address = v),
	(c, v) => void (c.services[0].healthPath = v),
	(c, v) => void (c.services[0].metricsPath = v),
	(c, v) => void (c.services[0].dependsOn = [v]),
	(c) => void (c.services[0].dependsOn = [String(c.services[c.services.length - 1].name)]),
	(c, v) => void (c.runbookBaseUrl = v),
	(c, v) => void (c.grafanaUrl = `http://${v}`),
	(c) => void (c.runbookBaseUrl = `https://ops:${SENTINEL_PASSWORDS[0]}@wiki.example.com/runbooks`),
	(c) => void (c.grafanaUrl = `http://admin:${SENTINEL_PASSWORDS[1]}@grafana:3000`),
	(c) => void (c.alerting.receivers.heartbeat = { url: `https://hb:${SENTINEL_PASSWORDS[0]}@hb.example.com/ping` }),
	(c) => void (c.alerting.receivers.heartbeat = { url: `https://${SENTINEL_PASSWORDS[1]}@hb.example.com/ping` }),
	(c, v) => void (c.alerting.receivers.slack!.apiUrlFile = v),
	(c, v) => void (c.alerting.receivers.slack!.channel = v),
	(c, v) => void (c.alerting.receivers.pagerduty!.routingKeyFile = `/run/secrets/${v}`),
	(c, v) => void ((c.prometheus as Record<string, unknown>).retention = v),
	(c, v) => void ((c.prometheus as Record<string, unknown>).scrapeInterval = `${v}s`),
	(c, v) => void (c.pushgateway = { address: `${v}:9091` }),
	(c, v) => void (c.n8n = { address: `n8n:${v}` }),
	(c, v) => {
		const s = c.services.find((x) => x.metrics);
		if (s) (s.metrics as Record<string, unknown>).statusLabel = v;
	},
	(c, v) => {
		const s = c.services.find((x) => x.metrics);
		if (s) (s.metrics as Record<string, unknown>).errorStatusRegex = v;
	},
	(c, v) => void (canaryOf(c).goldenSet = v),
	(c, v) => void (canaryOf(c).service = v),
	(c, v) => void (canaryOf(c).every = v),
	(c, v) => void (canaryOf(c).staleAfter = v),
	(c, v) => void (canaryOf(c).thresholds = { hitRate: { warn: v } }),
	(c, v) => void (canaryOf(c).thresholds = { overlap: { warn: Number(v) } }),
	(c, v) => void (canaryOf(c).for = { page: v }),
];

/** The first retrieval canary of a generated config, created (valid) if it has none. */
function canaryOf(c: RawConfig): Record<string, unknown> {
	const list = ((c as Record<string, unknown>).retrieval ??= []) as Record<string, unknown>[];
	if (list.length === 0) list.push({ service: c.services[0].name, goldenSet: 'docs', every: '15m' });
	return list[0];
}

/** A config with up to two hostile values put into random fields (often, but not always, refused). */
export const mutatedConfigArb: fc.Arbitrary<RawConfig> = fc
	.tuple(
		configArb,
		fc.array(fc.tuple(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), fc.oneof(hostileText, fc.constantFrom('prometheus', 'n8n', '__name__', '0', '99999', '999999999y', 'ragops'))), {
			maxLength: 2,
		}),
	)
	.map(([cfg, mutations]) => {
		const copy = structuredClone(cfg);
		for (const [i, value] of mutations) MUTATIONS[i](copy, value);
		return copy;
	});
