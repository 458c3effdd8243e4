import { boundedCopy, shortText } from '../shared/bounded';
import type { AnswerContext, CheckResult } from '../shared/conditions';
import { getJsonPath } from '../shared/jsonPath';
import { normalizeStatus, worstOf, type HealthStatus } from '../shared/status';

/**
 * What the health check knows about real services: where their health
 * endpoint lives and how to read its answer. A preset turns an answer into
 * checks (pass/warn/fail with a message) and the components the service
 * reports about itself.
 */

export type PresetName = 'ragApi' | 'qdrant' | 'chroma' | 'n8n' | 'prometheus' | 'alertmanager' | 'loki' | 'generic';

export interface ComponentResult {
	name: string;
	status: HealthStatus;
	/** The status as the service wrote it. */
	reported?: unknown;
	observedValue?: unknown;
	observedUnit?: string;
	output?: string;
	componentType?: string;
}

export interface Interpretation {
	checks: CheckResult[];
	components: ComponentResult[];
}

export interface Preset {
	name: PresetName;
	displayName: string;
	description: string;
	/** Path appended when the target URL has none. */
	path: string;
	/** Status codes that count as an answer (the body may still say fail). */
	expectedCodes: string;
	interpret?: (ctx: AnswerContext) => Interpretation;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Short text of a reported value; bounded, never a recursive stringify of the body. */
function text(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	return shortText(value, 200);
}

/** Components read from one answer, at most: a body with 100 000 checks must not become 100 000 components. */
const MAX_COMPONENTS = 200;

function reportedCheck(name: string, reported: unknown): CheckResult {
	const status = normalizeStatus(reported);
	return {
		name,
		status,
		observed: text(reported) ?? 'missing',
		expected: 'pass',
		message:
			status === 'pass'
				? `service reports ${text(reported)}`
				: status === 'unknown'
					? `service reports an unrecognised status ${text(reported) ?? '(none)'}`
					: `service reports ${text(reported)}`,
	};
}

/**
 * RAG API health: the IETF health+json format (`status`, `checks` keyed
 * "component:measurement" with arrays of observations), or the common
 * `{status: healthy|degraded|unhealthy, components: {name: {status}|"status"}}`.
 * The service's own top-level status decides; components are reported beside it
 * and decide only when there is no top-level status.
 */
function interpretRagApi(ctx: AnswerContext): Interpretation {
	if (!ctx.json.ok) {
		return {
			checks: [{ name: 'health document', status: 'fail', observed: 'not JSON', expected: 'health+json', message: ctx.json.error }],
			components: [],
		};
	}
	const doc = asObject(ctx.json.value);
	if (!doc) {
		return {
			checks: [{ name: 'health document', status: 'fail', observed: text(ctx.json.value), expected: 'a JSON object', message: 'health answer is not a JSON object' }],
			components: [],
		};
	}
	const components: ComponentResult[] = [];
	// Everything below is copied out of the answer: names cut, values bounded (boundedCopy), counts capped.
	const name = (value: string) => shortText(value, 200);
	const unit = (value: unknown) => (typeof value === 'string' ? shortText(value, 50) : undefined);
	const kept = (value: unknown) => (value === undefined ? undefined : boundedCopy(value));
	let omitted = 0;
	// The worst status of every component, kept or not: capping the list must not hide a failure.
	let worstSeen: HealthStatus = 'pass';
	const add = (status: HealthStatus, component: () => ComponentResult) => {
		worstSeen = worstOf([worstSeen, status]);
		if (components.length < MAX_COMPONENTS) components.push(component());
		else omitted++;
	};
	const ietfChecks = asObject(doc.checks);
	if (ietfChecks) {
		for (const key of Object.keys(ietfChecks)) {
			const observations = ietfChecks[key];
			const list = Array.isArray(observations) ? observations : [observations];
			for (let i = 0; i < list.length; i++) {
				const o = asObject(list[i]) ?? {};
				const id = typeof o.componentId === 'string' && list.length > 1 ? `${key}[${o.componentId}]` : list.length > 1 ? `${key}[${i}]` : key;
				const status = normalizeStatus(o.status);
				add(status, () => ({
					name: name(id),
					status,
					reported: kept(o.status),
					observedValue: kept(o.observedValue),
					observedUnit: unit(o.observedUnit),
					output: text(o.output),
					componentType: unit(o.componentType),
				}));
			}
		}
	}
	// `components` as a map {name: {status}|"status"} or a list [{name, status}] (a list keeps
	// every entry, even two with one name: no plain-object keys made of names from the body).
	const shaped: Array<[string, unknown]> = Array.isArray(doc.components)
		? doc.components.map((c, i) => {
				const o = asObject(c);
				const n = o && (typeof o.name === 'string' || typeof o.id === 'string') ? String(o.name ?? o.id) : `component ${i + 1}`;
				return [n, c];
			})
		: Object.keys(asObject(doc.components) ?? {}).map((k) => [k, (doc.components as Record<string, unknown>)[k]]);
	for (const [n, value] of shaped) {
		const o = asObject(value);
		const reported = o ? o.status : value;
		const status = normalizeStatus(reported);
		add(status, () => ({
			name: name(n),
			status,
			reported: kept(reported),
			output: text(o?.detail ?? o?.message ?? o?.error ?? o?.output),
			observedValue: kept(o?.latency_ms ?? o?.observedValue),
			observedUnit: o?.latency_ms !== undefined ? 'ms' : undefined,
		}));
	}
	const checks: CheckResult[] = [];
	if (doc.status !== undefined) {
		checks.push(reportedCheck('reported status', doc.status));
	} else if (components.length > 0) {
		const status = worstSeen;
		const bad = components.filter((c) => c.status !== 'pass').slice(0, 20).map((c) => `${c.name} ${text(c.reported) ?? c.status}`);
		checks.push({
			name: 'components',
			status,
			observed: bad.join(', ') || 'all pass',
			expected: 'all pass',
			message: bad.length ? `components not passing: ${bad.join(', ')}` : 'all components pass',
		});
	} else {
		checks.push({ name: 'reported status', status: 'unknown', observed: 'missing', expected: 'pass', message: 'health answer has no status field' });
	}
	if (omitted > 0) {
		checks.push({
			name: 'components',
			status: 'pass',
			observed: `more than ${MAX_COMPONENTS}`,
			expected: `at most ${MAX_COMPONENTS}`,
			message: `the answer lists more than ${MAX_COMPONENTS} components; the first ${MAX_COMPONENTS} are reported`,
		});
	}
	return { checks, components };
}

function interpretChroma(ctx: AnswerContext): Interpretation {
	const beat = ctx.json.ok ? getJsonPath(ctx.json.value, ["nanosecond heartbeat"]) : { found: false };
	const ok = beat.found && typeof beat.value === 'number';
	return {
		checks: [
			{
				name: 'heartbeat',
				status: ok ? 'pass' : 'fail',
				observed: ok ? String(beat.value) : ctx.json.ok ? 'missing' : 'not JSON',
				expected: '"nanosecond heartbeat" number',
				message: ok ? 'heartbeat received' : `no "nanosecond heartbeat" in the answer${ctx.json.ok ? '' : ` (${ctx.json.error})`}`,
			},
		],
		components: [],
	};
}

/** n8n `/healthz/readiness`: `{"status":"ok"}` when the DB is connected and migrated. */
function interpretStatusField(ctx: AnswerContext): Interpretation {
	if (!ctx.json.ok) return { checks: [], components: [] };
	const doc = asObject(ctx.json.value);
	if (!doc || doc.status === undefined) return { checks: [], components: [] };
	return { checks: [reportedCheck('reported status', doc.status)], components: [] };
}

export const PRESETS: Record<PresetName, Preset> = {
	ragApi: {
		name: 'ragApi',
		displayName: 'RAG API (/health)',
		description: 'IETF health+json (pass/warn/fail, checks) or {status: healthy|degraded|unhealthy, components}',
		path: '/health',
		// 503 carries a health document too (IETF: fail → 503): read it rather than stop at the code.
		expectedCodes: '200-299',
		interpret: interpretRagApi,
	},
	qdrant: {
		name: 'qdrant',
		displayName: 'Qdrant (/readyz)',
		description: 'Readiness of all shards; optionally the status (green/yellow/red) and points of a collection',
		path: '/readyz',
		expectedCodes: '200',
	},
	chroma: {
		name: 'chroma',
		displayName: 'Chroma (/api/v2/heartbeat)',
		description: 'Heartbeat of the Chroma server',
		path: '/api/v2/heartbeat',
		expectedCodes: '200',
		interpret: interpretChroma,
	},
	n8n: {
		name: 'n8n',
		displayName: 'n8n (/healthz/readiness)',
		description: 'n8n is up and its database is ready',
		path: '/healthz/readiness',
		expectedCodes: '200',
		interpret: interpretStatusField,
	},
	prometheus: {
		name: 'prometheus',
		displayName: 'Prometheus (/-/ready)',
		description: 'Prometheus is ready to serve traffic',
		path: '/-/ready',
		expectedCodes: '200',
	},
	alertmanager: {
		name: 'alertmanager',
		displayName: 'Alertmanager (/-/ready)',
		description: 'Alertmanager is ready to serve traffic',
		path: '/-/ready',
		expectedCodes: '200',
	},
	loki: {
		name: 'loki',
		displayName: 'Loki (/ready)',
		description: 'Loki is ready (503 while its ingester is starting)',
		path: '/ready',
		expectedCodes: '200',
	},
	generic: {
		name: 'generic',
		displayName: 'Generic HTTP',
		description: 'Any URL; 2xx passes unless conditions say otherwise',
		path: '',
		expectedCodes: '200-299',
	},
};

export function isPresetName(value: unknown): value is PresetName {
	return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, value);
}

/**
 * The URL to probe: the target URL as given when it has a path, else the
 * base URL plus the preset's path (so `http://qdrant:6333` becomes
 * `http://qdrant:6333/readyz`). Throws on a URL that is not http(s).
 */
export function resolveTargetUrl(url: string, preset: Preset): string {
	const parsed = new URL(url.trim());
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new Error(`"${url}" is not an http:// or https:// URL`);
	}
	if ((parsed.pathname === '' || parsed.pathname === '/') && preset.path) {
		parsed.pathname = preset.path;
	}
	return parsed.toString();
}

/**
 * `/collections/{name}` next to the Qdrant health endpoint probed (`/readyz`,
 * `/healthz` or `/livez`; keeps a reverse-proxy path prefix).
 */
export function qdrantCollectionUrl(probedUrl: string, collection: string): string {
	const parsed = new URL(probedUrl);
	const prefix = parsed.pathname.replace(/\/(readyz|healthz|livez)\/?$/, '').replace(/\/+$/, '');
	parsed.pathname = `${prefix}/collections/${encodeURIComponent(collection)}`;
	parsed.search = '';
	return parsed.toString();
}

export interface QdrantCollectionOptions {
	/**
	 * A maintenance window covers this target now (for example the nightly
	 * backup): yellow with optimizers ok is expected then and passes.
	 */
	inMaintenanceWindow?: boolean;
}

/**
 * Qdrant collection answer (`GET /collections/{name}`) → component + check.
 *
 * Colours as Qdrant v1.19 sets them (lib/collection/src/shards/local_shard/mod.rs):
 * green passes; yellow warns: optimisation is running, which includes every
 * snapshot (Qdrant wraps segments in temporary proxy segments while it
 * writes one), so inside a maintenance window yellow with `optimizer_status`
 * "ok" passes; grey warns (optimisations pending, not triggered since a
 * restart); red fails and carries `optimizer_status.error`. The endpoint needs
 * the API key (only `/`, `/healthz`, `/readyz`, `/livez` are exempt): a 401 or
 * 403 is reported as such, with Qdrant's plain-text reason.
 */
export function interpretQdrantCollection(collection: string, ctx: AnswerContext, options: QdrantCollectionOptions = {}): Interpretation {
	const name = `collection ${collection}`;
	const component = `collection:${collection}`;
	const code = ctx.response.statusCode;
	if (code === 404) {
		return {
			checks: [{ name, status: 'fail', observed: 'HTTP 404', expected: 'exists', message: `collection ${collection} does not exist` }],
			components: [{ name: component, status: 'fail', output: 'not found' }],
		};
	}
	if (code === 401 || code === 403) {
		const said = text(ctx.response.body.trim()) ?? '';
		const message = `collection ${collection}: Qdrant refused the request (HTTP ${code}${said ? `: ${said}` : ''}); /readyz needs no key but /collections does: send the api-key header (target Headers or the RAG Service API credential)`;
		return {
			checks: [{ name, status: 'fail', observed: `HTTP ${code}`, expected: 'HTTP 200 with result.status', message }],
			components: [{ name: component, status: 'fail', output: `HTTP ${code}${said ? `: ${said}` : ''}` }],
		};
	}
	const colour = ctx.json.ok ? getJsonPath(ctx.json.value, '$.result.status') : { found: false };
	if (code < 200 || code > 299 || !colour.found) {
		const why = !ctx.json.ok ? ctx.json.error : !colour.found ? 'no result.status in the answer' : '';
		return {
			checks: [{ name, status: 'fail', observed: `HTTP ${code}`, expected: 'HTTP 200 with result.status', message: `collection ${collection}: status ${code}${why ? `, ${why}` : ''}` }],
			components: [{ name: component, status: 'fail', output: why || `HTTP ${code}` }],
		};
	}
	const doc = ctx.json.ok ? ctx.json.value : undefined;
	const points = getJsonPath(doc, '$.result.points_count');
	const optimizer = getJsonPath(doc, '$.result.optimizer_status');
	const optimizerError =
		optimizer.found && typeof optimizer.value === 'object' && optimizer.value !== null && 'error' in optimizer.value
			? String((optimizer.value as { error: unknown }).error)
			: undefined;
	const pointsKnown = points.found && typeof points.value === 'number';
	// Qdrant's points_count is an Option: null when it cannot count (for example a shard not ready).
	const pointsText = pointsKnown ? `, ${text(points.value)} points` : points.found ? ', points count not reported (null)' : '';
	let status = normalizeStatus(colour.value);
	let reason = '';
	if (colour.value === 'yellow') {
		reason = optimizerError ? `; optimizer error: ${optimizerError}` : '; optimizer_status ok: optimisation running (every snapshot does this)';
		if (options.inMaintenanceWindow && !optimizerError) {
			status = 'pass';
			reason += ', expected inside the maintenance window';
		}
	} else if (colour.value === 'grey') {
		reason = '; optimisations pending but not triggered since a restart';
	} else if (optimizerError) {
		reason = `; optimizer error: ${optimizerError}`;
	}
	return {
		checks: [
			{
				name,
				status,
				observed: text(colour.value),
				expected: 'green',
				message: `collection ${collection} is ${text(colour.value)}${pointsText}${reason}`,
			},
		],
		components: [
			{
				name: component,
				status,
				reported: colour.value,
				observedValue: pointsKnown ? points.value : undefined,
				observedUnit: pointsKnown ? 'points' : undefined,
				output: optimizerError ? text(optimizerError) : reason ? reason.slice(2) : undefined,
				componentType: 'datastore',
			},
		],
	};
}
