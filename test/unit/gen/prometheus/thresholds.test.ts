/**
 * The cause-alert thresholds come from the config (services[].alertThresholds,
 * ingestion.freshness[].absentAfter), with the documented defaults when unset.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig, ConfigError } from '../../../../gen/config/load';
import { allAlerts } from '../../../../gen/prometheus/rules';

/** The parts of the raw YAML these tests edit. */
type Raw = { services: Array<Record<string, unknown> & { name: string }>; ingestion: { freshness: Array<Record<string, unknown>> } };

const shipped: Raw = parse(readFileSync(join(__dirname, '../../../../ragops.config.yaml'), 'utf8'));

function configWith(mutate: (raw: Raw) => void) {
	const raw = structuredClone(shipped);
	mutate(raw);
	return parseConfig(stringify(raw));
}

const alert = (cfg: ReturnType<typeof parseConfig>, name: string, severity?: string) =>
	allAlerts(cfg).filter((a) => a.alert === name && (!severity || a.labels.severity === severity));

describe('alert thresholds from the config', () => {
	it('uses the defaults when alertThresholds is left out', () => {
		const cfg = configWith((raw) => {
			for (const s of raw.services) delete s.alertThresholds;
			delete raw.ingestion.freshness[0].absentAfter;
		});
		expect(alert(cfg, 'RagApiHighErrorRate')[0].expr).toMatch(/> 0\.05$/);
		expect(alert(cfg, 'RagApiHighLatency')[0].expr).toMatch(/> 1$/);
		expect(alert(cfg, 'QdrantHighLatency')[0].expr).toMatch(/> 0\.5$/);
		expect(alert(cfg, 'RagFreshnessMetricsAbsent')[0].for).toBe('1h');
	});

	it('moves each threshold when the config sets it', () => {
		const cfg = configWith((raw) => {
			raw.services.find((s) => s.name === 'rag-api')!.alertThresholds = { errorRatio: 0.2, p95LatencySeconds: 2.5 };
			raw.services.find((s) => s.name === 'qdrant')!.alertThresholds = { p95LatencySeconds: 0.25 };
			raw.ingestion.freshness[0].absentAfter = '3h';
		});
		const errors = alert(cfg, 'RagApiHighErrorRate')[0];
		expect(errors.expr).toMatch(/> 0\.2$/);
		expect(errors.annotations.summary).toBe('More than 20% of RAG API requests fail.');
		expect(alert(cfg, 'RagApiHighLatency')[0].expr).toMatch(/> 2\.5$/);
		expect(alert(cfg, 'QdrantHighLatency')[0].expr).toMatch(/> 0\.25$/);
		expect(alert(cfg, 'RagFreshnessMetricsAbsent')[0].for).toBe('3h');
	});

	it.each([
		['a ratio of 1 or more', (raw: Raw) => (raw.services[0].alertThresholds = { errorRatio: 5 }), 'services[0].alertThresholds.errorRatio: must be below 1'],
		['a negative latency', (raw: Raw) => (raw.services[0].alertThresholds = { p95LatencySeconds: -1 }), 'services[0].alertThresholds.p95LatencySeconds: must be a positive number of seconds'],
		['thresholds on a search service', (raw: Raw) => (raw.services[1].alertThresholds = { errorRatio: 0.1 }), 'services[1].alertThresholds: only services of kind rag-api or qdrant'],
		['a bad absentAfter', (raw: Raw) => (raw.ingestion.freshness[0].absentAfter = 'soon'), 'ingestion.freshness[0].absentAfter: must be a duration'],
	])('rejects %s with a path-naming error', (_name, mutate, expected) => {
		let error: unknown;
		try {
			configWith(mutate);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as ConfigError).problems.join('\n')).toContain(expected);
	});
});
