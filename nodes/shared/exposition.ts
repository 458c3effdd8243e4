/**
 * Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format),
 * written by hand because nodes may not have runtime dependencies.
 *
 * Only what a push needs: gauges and counters from the metric catalog, no
 * timestamps (the Pushgateway rejects pushed samples that carry one and records
 * `push_time_seconds` per group instead).
 *
 * Guarantees of {@link renderExposition}:
 * - one `# HELP` and one `# TYPE` line per metric name, then its series;
 * - stable output: metrics sorted by name, series by their label text, labels
 *   by name, so the same samples always give the same bytes;
 * - label values escaped (`\` `"` newline), HELP escaped (`\` newline);
 * - `NaN`, `+Inf`, `-Inf` for the special floats;
 * - an `Error` with a clear message (never a silently broken exposition) for:
 *   an invalid metric or label name, a reserved `__` label, a label the
 *   catalog entry does not declare or a declared label that is missing, a label
 *   value that is not valid Unicode (lone surrogate), a value that is not a
 *   number, two definitions with the same name but different type/help, and
 *   the same series twice.
 */
import type { MetricDefinition } from './metricCatalog';

/** One series value: a catalog metric, its labels (exactly the catalog's `labels`), and the value. */
export interface Sample {
	metric: MetricDefinition;
	labels?: Record<string, string>;
	value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the text holds a lone (unpaired) UTF-16 surrogate, which no UTF-8 encoder can write. */
export function hasLoneSurrogate(value: string): boolean {
	return LONE_SURROGATE.test(value);
}

/** The text with every lone surrogate replaced by U+FFFD (the replacement character), as a UTF-8 encoder would. */
export function toWellFormed(value: string): string {
	return value.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed (quotes stay as they are). */
export function escapeHelp(help: string): string {
	return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value the way Prometheus parses it (Go ParseFloat, plus NaN / ±Inf). */
export function formatValue(value: number): string {
	if (typeof value !== 'number') throw new Error(`sample value must be a number, got ${typeof value}`);
	if (Number.isNaN(value)) return 'NaN';
	if (value === Infinity) return '+Inf';
	if (value === -Infinity) return '-Inf';
	return String(value);
}

function checkMetric(metric: MetricDefinition): void {
	if (!METRIC_NAME.test(metric.name)) {
		throw new Error(`invalid metric name "${metric.name}": must match ${METRIC_NAME.source}`);
	}
	if (metric.type !== 'gauge' && metric.type !== 'counter') {
		throw new Error(`metric ${metric.name}: unsupported type "${String(metric.type)}"`);
	}
}

function renderLabels(sample: Sample): string {
	const { metric } = sample;
	const labels = sample.labels ?? {};
	const names = Object.keys(labels).sort();
	for (const name of names) {
		if (!LABEL_NAME.test(name)) {
			throw new Error(`metric ${metric.name}: invalid label name "${name}": must match ${LABEL_NAME.source}`);
		}
		if (name.startsWith('__')) {
			throw new Error(`metric ${metric.name}: label name "${name}" is reserved (starts with "__")`);
		}
		if (!metric.labels.includes(name)) {
			throw new Error(
				`metric ${metric.name}: label "${name}" is not declared in the metric catalog (declared: ${
					metric.labels.length ? metric.labels.join(', ') : 'none'
				})`,
			);
		}
		const value = labels[name];
		if (typeof value !== 'string') {
			throw new Error(`metric ${metric.name}: label "${name}" must be a string, got ${typeof value}`);
		}
		if (LONE_SURROGATE.test(value)) {
			throw new Error(`metric ${metric.name}: label "${name}" value is not valid Unicode (lone surrogate)`);
		}
	}
	const missing = metric.labels.filter((name) => !(name in labels));
	if (missing.length) {
		throw new Error(`metric ${metric.name}: missing label(s) ${missing.join(', ')} declared in the metric catalog`);
	}
	if (!names.length) return '';
	return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',')}}`;
}

/**
 * Renders samples as one text-format 0.0.4 document (ends with a newline;
 * empty string for no samples). Throws `Error` on invalid input, see the
 * module doc.
 */
export function renderExposition(samples: readonly Sample[]): string {
	const families = new Map<string, { metric: MetricDefinition; series: Map<string, string> }>();
	for (const sample of samples) {
		const { metric } = sample;
		checkMetric(metric);
		let family = families.get(metric.name);
		if (!family) {
			family = { metric, series: new Map() };
			families.set(metric.name, family);
		} else if (family.metric.type !== metric.type || family.metric.help !== metric.help) {
			throw new Error(`metric ${metric.name}: two definitions with different type or help`);
		}
		const labelText = renderLabels(sample);
		if (family.series.has(labelText)) {
			throw new Error(`metric ${metric.name}: series ${labelText || '(no labels)'} given twice`);
		}
		family.series.set(labelText, formatValue(sample.value));
	}

	const lines: string[] = [];
	for (const name of [...families.keys()].sort()) {
		const { metric, series } = families.get(name)!;
		lines.push(`# HELP ${name} ${escapeHelp(metric.help)}`);
		lines.push(`# TYPE ${name} ${metric.type}`);
		for (const labelText of [...series.keys()].sort()) {
			lines.push(`${name}${labelText} ${series.get(labelText)!}`);
		}
	}
	return lines.length ? `${lines.join('\n')}\n` : '';
}
