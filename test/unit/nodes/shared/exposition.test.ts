import { escapeHelp, escapeLabelValue, formatValue, renderExposition, type Sample } from '../../../../nodes/shared/exposition';
import { ALL_PUSHED_METRICS, METRICS, PUSH_JOBS, type MetricDefinition } from '../../../../nodes/shared/metricCatalog';
import { HEALTH_STATUSES } from '../../../../nodes/shared/status';
import { helpOf, parseExposition, promtoolCheckMetrics } from '../../../support/promText';

const gauge = (name: string, labels: string[] = [], help = 'Test gauge.'): MetricDefinition => ({
	name,
	type: 'gauge',
	help,
	labels,
	job: PUSH_JOBS.health,
});

describe('renderExposition', () => {
	it('renders one HELP/TYPE per metric, sorted metrics, sorted series, newline at the end', () => {
		const status = METRICS.healthStatus;
		const text = renderExposition([
			{ metric: METRICS.healthUp, value: 1 },
			...HEALTH_STATUSES.map((s) => ({ metric: status, labels: { status: s }, value: s === 'warn' ? 1 : 0 })),
			{ metric: METRICS.healthResponseTime, value: 0.125 },
		]);
		expect(text).toBe(
			[
				'# HELP ragops_health_response_time_seconds Response time of the last check of the target, in seconds.',
				'# TYPE ragops_health_response_time_seconds gauge',
				'ragops_health_response_time_seconds 0.125',
				'# HELP ragops_health_status Result of the last check of the target: 1 for the current status, 0 for the others.',
				'# TYPE ragops_health_status gauge',
				'ragops_health_status{status="fail"} 0',
				'ragops_health_status{status="pass"} 0',
				'ragops_health_status{status="unknown"} 0',
				'ragops_health_status{status="warn"} 1',
				'# HELP ragops_health_up Debounced state of the target: 1 when UP, 0 when DOWN (after N consecutive failures).',
				'# TYPE ragops_health_up gauge',
				'ragops_health_up 1',
				'',
			].join('\n'),
		);
		expect(promtoolCheckMetrics(text)).toMatchObject({ status: 0 });
	});

	it('gives the same bytes for the same samples in any order', () => {
		const a = { metric: gauge('ragops_test_a', ['k']), labels: { k: 'x' }, value: 1 };
		const b = { metric: gauge('ragops_test_a', ['k']), labels: { k: 'y' }, value: 2 };
		const c = { metric: gauge('ragops_test_b'), value: 3 };
		expect(renderExposition([c, b, a])).toBe(renderExposition([a, b, c]));
	});

	it('returns an empty document for no samples', () => {
		expect(renderExposition([])).toBe('');
	});

	it('every catalog metric renders to text promtool accepts without lint findings', () => {
		const samples: Sample[] = ALL_PUSHED_METRICS.map((metric) => ({
			metric,
			labels: Object.fromEntries(metric.labels.map((l) => [l, 'x'])),
			value: 1,
		}));
		const result = promtoolCheckMetrics(renderExposition(samples));
		expect(result.output).toBe('');
		expect(result.status).toBe(0);
	});

	it('escapes backslash, double quote and newline in label values, and parses back to the original', () => {
		const metric = gauge('ragops_test_escaping', ['path']);
		const nasty = 'C:\\dir\\"quoted"\nnext line, {braces}, = sign, ünïcödé 🚀';
		const text = renderExposition([{ metric, labels: { path: nasty }, value: 1 }]);
		expect(text).toContain(
			'ragops_test_escaping{path="C:\\\\dir\\\\\\"quoted\\"\\nnext line, {braces}, = sign, ünïcödé 🚀"} 1\n',
		);
		expect(text.split('\n')).toHaveLength(4); // HELP, TYPE, one series, trailing ''
		expect(promtoolCheckMetrics(text).status).toBe(0);
		expect(parseExposition(text)).toEqual([{ name: 'ragops_test_escaping', labels: { path: nasty }, value: 1 }]);
	});

	it('escapes backslash and newline in HELP but leaves quotes', () => {
		const help = 'Line one "quoted" \\ back\nline two.';
		const text = renderExposition([{ metric: gauge('ragops_test_help', [], help), value: 0 }]);
		expect(text.split('\n')[0]).toBe('# HELP ragops_test_help Line one "quoted" \\\\ back\\nline two.');
		expect(promtoolCheckMetrics(text).status).toBe(0);
		expect(helpOf(text, 'ragops_test_help')).toBe(help);
	});

	it('writes NaN, +Inf and -Inf and ordinary floats the way Prometheus parses them', () => {
		const metric = gauge('ragops_test_floats', ['case']);
		const values: Record<string, number> = {
			nan: NaN,
			pinf: Infinity,
			ninf: -Infinity,
			zero: 0,
			negzero: -0,
			tiny: 1.5e-9,
			huge: 1.7976931348623157e308,
			ts: 1764181234.567,
		};
		const text = renderExposition(Object.entries(values).map(([k, v]) => ({ metric, labels: { case: k }, value: v })));
		expect(text).toContain('ragops_test_floats{case="nan"} NaN\n');
		expect(text).toContain('ragops_test_floats{case="pinf"} +Inf\n');
		expect(text).toContain('ragops_test_floats{case="ninf"} -Inf\n');
		expect(text).toContain('ragops_test_floats{case="tiny"} 1.5e-9\n');
		expect(promtoolCheckMetrics(text).status).toBe(0);
		const back = Object.fromEntries(parseExposition(text).map((s) => [s.labels.case, s.value]));
		expect(back).toEqual({ ...values, negzero: 0 });
	});

	it('formatValue rejects what is not a number', () => {
		expect(() => formatValue('1' as unknown as number)).toThrow(/must be a number/);
		expect(escapeLabelValue('a"b')).toBe('a\\"b');
		expect(escapeHelp('a\nb')).toBe('a\\nb');
	});

	describe('rejects bad input with a clear Error', () => {
		const cases: Array<[string, Sample[], RegExp]> = [
			['metric name with a dash', [{ metric: gauge('ragops-bad'), value: 1 }], /invalid metric name "ragops-bad"/],
			['metric name starting with a digit', [{ metric: gauge('1ragops'), value: 1 }], /invalid metric name/],
			[
				'label name with a dash',
				[{ metric: gauge('ragops_t', ['bad-label']), labels: { 'bad-label': 'x' }, value: 1 }],
				/invalid label name "bad-label"/,
			],
			[
				'label name starting with a digit',
				[{ metric: gauge('ragops_t', ['1x']), labels: { '1x': 'x' }, value: 1 }],
				/invalid label name "1x"/,
			],
			[
				'reserved __ label',
				[{ metric: gauge('ragops_t', ['__name__']), labels: { __name__: 'x' }, value: 1 }],
				/reserved/,
			],
			[
				'label the catalog does not declare',
				[{ metric: METRICS.healthUp, labels: { url: 'http://x' }, value: 1 }],
				/label "url" is not declared in the metric catalog \(declared: none\)/,
			],
			['declared label missing', [{ metric: METRICS.healthStatus, value: 1 }], /missing label\(s\) status/],
			[
				'label value that is not valid Unicode',
				[{ metric: METRICS.healthStatus, labels: { status: 'a\uD800b' }, value: 1 }],
				/not valid Unicode/,
			],
			[
				'label value that is not a string',
				[{ metric: METRICS.healthStatus, labels: { status: 1 as unknown as string }, value: 1 }],
				/must be a string/,
			],
			['value that is not a number', [{ metric: METRICS.healthUp, value: null as unknown as number }], /must be a number/],
			[
				'the same series twice',
				[
					{ metric: METRICS.healthUp, value: 1 },
					{ metric: METRICS.healthUp, value: 0 },
				],
				/given twice/,
			],
			[
				'two definitions of one name',
				[
					{ metric: gauge('ragops_t', [], 'one'), value: 1 },
					{ metric: { ...gauge('ragops_t', ['k'], 'two') }, labels: { k: 'x' }, value: 1 },
				],
				/two definitions/,
			],
		];
		it.each(cases)('%s', (_name, samples, message) => {
			expect(() => renderExposition(samples)).toThrow(message);
		});
	});

	it('promtool really rejects text with an unescaped quote (the check can fail)', () => {
		const bad = '# TYPE ragops_x gauge\nragops_x{a="x"y"} 1\n';
		expect(promtoolCheckMetrics(bad).parsed).toBe(false);
	});
});
