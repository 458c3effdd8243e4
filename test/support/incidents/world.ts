/**
 * What the real producers emit, scrape by scrape, for a given state of the
 * world: the series Prometheus would hold for the generated scrape config.
 *
 * - blackbox exporter: `probe_success{job="blackbox",service,instance=<url>}` per healthPath,
 *   and `up` of its scrape;
 * - `up{job,service?,instance}` of every scrape job (scrape.ts): services with a
 *   metricsPath, n8n, the Pushgateway, Alertmanager, Loki, Prometheus;
 * - a RAG API (prom-client / OpenTelemetry style): the configured request counter
 *   with its status label and the latency histogram, reset to 0 when the process restarts;
 * - Qdrant's `rest_responses_duration_seconds` histogram;
 * - n8n's `n8n_active_workflow_count`;
 * - the Pushgateway: whatever was last pushed per group (job, target) plus its
 *   `push_time_seconds`, for as long as the Pushgateway is up (it persists them
 *   over a restart, as the compose file configures), pushed by:
 *   the health watch (every `healthChecks.every`, down after 3 failed checks,
 *   up after 2 passing ones, as workflows/health-watch.json sets it), RAG
 *   Ingestion (a success replaces its group, a failure merges into it), RAG
 *   Freshness Check and Qdrant Backup (every push merges and carries only what
 *   its operation knows: Create no `verified`, Download/Verify `verified=1` or a
 *   failed run with `verified=0`), and the RAG Retrieval Check (every run replaces its
 *   group; a run while its service is down has only errors), with the labels and values of
 *   nodes/shared/metricCatalog.ts, nodes/RagIngestion, nodes/QdrantBackup/metrics.ts and
 *   nodes/RagRetrievalCheck/metrics.ts.
 */
import type { RagopsConfig, ServiceConfig } from '../../../gen/config/schema';
import { ragApiMetricsOf } from '../../../gen/config/schema';
import { parseDuration } from '../../../gen/duration';
import { JOBS, STACK } from '../../../gen/prometheus/endpoints';
import { METRICS, PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { SeriesRecorder, type Series } from './series';

export interface ServiceState {
	/** The process answers scrapes (and restarts its counters when it comes back). */
	process: boolean;
	/** The health endpoint answers 2xx. */
	healthy: boolean;
	/** Share of requests answered with a 5xx. */
	errorRatio: number;
	/** Share of requests slower than the latency SLO threshold. */
	slowRatio: number;
}

export const HEALTHY: ServiceState = { process: true, healthy: true, errorRatio: 0.0002, slowRatio: 0.002 };

export interface WorldState {
	services: Record<string, ServiceState>;
	n8n: boolean;
	pushgateway: boolean;
}

/** A push of one group to the Pushgateway at `at` (seconds since the start of the run). */
export interface Push {
	at: number;
	job: string;
	target: string;
	values: Record<string, number>;
	/** POST (merge into the group, other metrics kept) instead of PUT (replace the group). */
	merge?: boolean;
	/**
	 * What the push carries instead when one of `services` is down or unhealthy at that
	 * moment (a retrieval canary whose search calls fail during an outage).
	 */
	ifDown?: { services: string[]; values: Record<string, number> };
}

export interface Timeline {
	/** Seconds covered by the run. */
	duration: number;
	state(t: number): WorldState;
	/** Batch pushes (ingestion, freshness, backups); health pushes are simulated from `state`. */
	pushes: Push[];
	/** Pushes already in the Pushgateway when the run starts (their `at` may be negative). */
	initial: Push[];
}

export function healthyWorld(cfg: RagopsConfig): WorldState {
	return { services: Object.fromEntries(cfg.services.map((s) => [s.name, { ...HEALTHY }])), n8n: true, pushgateway: true };
}

/** Health-watch targets: every service with a health endpoint, named as the service (workflows/health-watch.json). */
export function healthTargets(cfg: RagopsConfig): ServiceConfig[] {
	return cfg.services.filter((s) => s.healthPath);
}

const RPS = 10;
/**
 * After n8n starts, /metrics answers at once, but the health watch pushes only
 * once n8n has activated its workflows and the Schedule Trigger fires: its first
 * run comes one interval after activation (n8n's ScheduleTrigger), ~45 s in all.
 */
const N8N_FIRST_PUSH_AFTER_START = 45;
const FAILURES_TO_DOWN = 3;
const SUCCESSES_TO_UP = 2;

function ragLatencyBounds(s: ServiceConfig): number[] {
	const bounds = new Set([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
	if (s.slo?.latency) bounds.add(s.slo.latency.threshold);
	return [...bounds].sort((a, b) => a - b);
}

/** Produces every series of the run at the scrape interval. */
export function produceSeries(cfg: RagopsConfig, tl: Timeline): { series: Series[]; step: number; steps: number } {
	const step = parseDuration(cfg.prometheus.scrapeInterval);
	const steps = Math.floor(tl.duration / step) + 1;
	const rec = new SeriesRecorder(steps);
	const sweep = parseDuration(cfg.healthChecks.every);
	const counters = new Map<string, number>();
	const add = (key: string, by: number) => {
		const v = (counters.get(key) ?? 0) + by;
		counters.set(key, v);
		return v;
	};
	const groups = new Map<string, Record<string, number>>();
	const putGroup = (p: Push) => {
		const key = `${p.job}\u0000${p.target}`;
		groups.set(key, { ...(p.merge ? groups.get(key) : {}), ...p.values, push_time_seconds: p.at });
	};
	for (const p of tl.initial) putGroup(p);
	const batch = [...tl.pushes].sort((a, b) => a.at - b.at);
	let nextBatch = 0;
	const hysteresis = new Map<string, { up: boolean; fails: number; oks: number }>();
	let nextSweep = 0;
	let n8nUpSince = -Infinity;
	let n8nWasUp = true;

	for (let i = 0; i < steps; i++) {
		const t = i * step;
		const w = tl.state(t);
		const pgUp = w.pushgateway;
		if (w.n8n && !n8nWasUp) n8nUpSince = t;
		n8nWasUp = w.n8n;
		const n8nWorking = w.n8n && t >= n8nUpSince + N8N_FIRST_PUSH_AFTER_START;
		// Health sweeps since the last scrape; each pushes every target's group.
		while (nextSweep <= t) {
			if (n8nWorking) {
				for (const s of healthTargets(cfg)) {
					const h = hysteresis.get(s.name) ?? { up: true, fails: 0, oks: 0 };
					if (w.services[s.name].healthy) {
						h.fails = 0;
						h.oks++;
						if (!h.up && h.oks >= SUCCESSES_TO_UP) h.up = true;
					} else {
						h.oks = 0;
						h.fails++;
						if (h.up && h.fails >= FAILURES_TO_DOWN) h.up = false;
					}
					hysteresis.set(s.name, h);
					if (pgUp) {
						putGroup({
							at: nextSweep,
							job: PUSH_JOBS.health,
							target: s.name,
							values: {
								[METRICS.healthUp.name]: h.up ? 1 : 0,
								[METRICS.healthCritical.name]: s.critical ? 1 : 0,
								[METRICS.healthConsecutiveFailures.name]: h.fails,
								[METRICS.healthLastRun.name]: nextSweep,
								[METRICS.healthInterval.name]: sweep,
							},
						});
					}
				}
			}
			nextSweep += sweep;
		}
		while (nextBatch < batch.length && batch[nextBatch].at <= t) {
			// A push while the Pushgateway or n8n is down is lost (the node reports a warning).
			const p = batch[nextBatch];
			const down = p.ifDown?.services.some((n) => !w.services[n].healthy || !w.services[n].process);
			if (pgUp && n8nWorking) putGroup(down ? { ...p, values: p.ifDown!.values } : p);
			nextBatch++;
		}

		const up = (job: string, instance: string, value: boolean, service?: string) =>
			rec.set(i, 'up', { job, ...(service ? { service } : {}), instance }, value ? 1 : 0);
		up(JOBS.prometheus, STACK.prometheus, true);
		up(JOBS.alertmanager, STACK.alertmanager, true);
		up(JOBS.loki, STACK.loki, true);
		up(JOBS.pushgateway, cfg.pushgateway.address, pgUp);
		up(JOBS.n8n, cfg.n8n.address, w.n8n, JOBS.n8n);
		if (w.n8n) rec.set(i, 'n8n_active_workflow_count', { job: JOBS.n8n, service: JOBS.n8n, instance: cfg.n8n.address }, 6);

		for (const s of cfg.services) {
			const st = w.services[s.name];
			if (s.healthPath) {
				const instance = `${s.scheme}://${s.address}${s.healthPath}`;
				up(JOBS.blackbox, instance, true, s.name);
				rec.set(i, 'probe_success', { job: JOBS.blackbox, service: s.name, instance }, st.healthy ? 1 : 0);
			}
			if (!s.metricsPath) continue;
			up(s.name, s.address, st.process, s.name);
			const base = { job: s.name, service: s.name, instance: s.address };
			if (!st.process) {
				for (const key of [...counters.keys()]) if (key.startsWith(`${s.name}\u0000`)) counters.delete(key);
				continue;
			}
			const n = RPS * step;
			if (s.kind === 'rag-api') {
				const m = ragApiMetricsOf(s);
				const errors = n * st.errorRatio;
				for (const [code, by] of [['200', n - errors], ['500', errors]] as const) {
					const labels = { ...base, route: '/query', [m.statusLabel]: code };
					rec.set(i, m.requestsTotal, labels, add(`${s.name}\u0000req${code}`, by));
				}
				const threshold = s.slo?.latency?.threshold ?? 1;
				const slow = n * st.slowRatio;
				for (const le of [...ragLatencyBounds(s), Infinity]) {
					// Fast requests take 0.08 s, slow ones just above the threshold (and above 1 s).
					const slowAt = Math.max(threshold, 1) * 1.5;
					const count = (le >= 0.08 ? n - slow : 0) + (le >= slowAt ? slow : 0);
					const leText = le === Infinity ? '+Inf' : String(le);
					rec.set(i, `${m.latencyHistogram}_bucket`, { ...base, route: '/query', le: leText }, add(`${s.name}\u0000le${leText}`, count));
				}
				rec.set(i, `${m.latencyHistogram}_count`, { ...base, route: '/query' }, add(`${s.name}\u0000count`, n));
			}
			if (s.kind === 'qdrant') {
				for (const le of [0.01, 0.05, 0.1, 0.5, 1, Infinity]) {
					const leText = le === Infinity ? '+Inf' : String(le);
					const count = le >= 0.05 ? n : n * 0.6;
					rec.set(i, 'rest_responses_duration_seconds_bucket', { ...base, le: leText }, add(`${s.name}\u0000qle${leText}`, count));
				}
			}
		}

		if (pgUp) {
			for (const [key, values] of groups) {
				const [job, target] = key.split('\u0000');
				for (const [name, value] of Object.entries(values)) rec.set(i, name, { job, target }, value);
			}
		}
	}
	return { series: rec.all(), step, steps };
}
