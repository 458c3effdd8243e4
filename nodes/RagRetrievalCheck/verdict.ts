import { worstOf, type HealthStatus } from '../shared/status';

/**
 * The run's verdict: each threshold graded on its measure, the worst grade
 * wins. A measure that was not taken (no labelled case, no baseline, no
 * answer) is reported as such and grades nothing: a label-free canary is not
 * failed for having no recall. A run where no case got an answer fails.
 */

export const MEASURES = {
	hitRate: { label: 'hit rate', better: 'higher' },
	recall: { label: 'recall', better: 'higher' },
	mrr: { label: 'MRR', better: 'higher' },
	ndcg: { label: 'nDCG', better: 'higher' },
	overlap: { label: 'overlap vs baseline', better: 'higher' },
	emptyRatio: { label: 'empty-result ratio', better: 'lower' },
	errorRatio: { label: 'error ratio', better: 'lower' },
	violationRatio: { label: 'must-not-contain violation ratio', better: 'lower' },
	latencyP95Ms: { label: 'latency p95 (ms)', better: 'lower' },
} as const;

export type MeasureName = keyof typeof MEASURES;

export function isMeasureName(name: string): name is MeasureName {
	return Object.prototype.hasOwnProperty.call(MEASURES, name);
}

export interface Threshold {
	measure: MeasureName;
	/** Warn when the measure is worse than this. */
	warn: number;
	/** Fail when the measure is worse than this. */
	fail: number;
}

export interface ThresholdCheck {
	measure: MeasureName;
	value: number | null;
	warn: number;
	fail: number;
	status: HealthStatus | 'skipped';
	message: string;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, ''));

export function gradeThreshold(threshold: Threshold, value: number | null): ThresholdCheck {
	const { label, better } = MEASURES[threshold.measure];
	const base = { measure: threshold.measure, value, warn: threshold.warn, fail: threshold.fail };
	if (value === null) return { ...base, status: 'skipped', message: `${label} not measured` };
	const worse = (limit: number) => (better === 'higher' ? value < limit : value > limit);
	const sign = better === 'higher' ? '<' : '>';
	if (worse(threshold.fail)) return { ...base, status: 'fail', message: `${label} ${fmt(value)} ${sign} ${fmt(threshold.fail)}` };
	if (worse(threshold.warn)) return { ...base, status: 'warn', message: `${label} ${fmt(value)} ${sign} ${fmt(threshold.warn)}` };
	return { ...base, status: 'pass', message: `${label} ${fmt(value)}` };
}

export interface Verdict {
	status: HealthStatus;
	checks: ThresholdCheck[];
	/** The failing (or warning) checks' messages, or an all-clear. */
	reasons: string[];
}

export function verdictOf(thresholds: readonly Threshold[], values: Record<MeasureName, number | null>, answered: number): Verdict {
	const checks = thresholds.map((t) => gradeThreshold(t, values[t.measure]));
	const graded = checks.filter((c) => c.status !== 'skipped').map((c) => c.status as HealthStatus);
	if (answered === 0) {
		return { status: 'fail', checks, reasons: ['no case got a usable answer from the search API'] };
	}
	const status = worstOf(graded.length ? graded : ['pass']);
	const reasons = status === 'pass' ? [] : checks.filter((c) => c.status === status).map((c) => c.message);
	return { status, checks, reasons };
}
