/**
 * Sampled series as promtool's `input_series` takes them. A sample is a number,
 * `undefined` (no sample: the target was not scraped, or the series is gone) or
 * the first missing sample after present ones becomes `stale` — what Prometheus
 * itself writes when a scrape fails or a series disappears, so instant queries
 * stop seeing it at once instead of 5 minutes later.
 */
export type Sample = number | undefined;

/** Run-length encodes samples into promtool's expanding notation (`a+bxN`, `vxN`, `_xN`, `stale`). */
export function encodeValues(samples: Sample[]): string {
	const tokens: string[] = [];
	let i = 0;
	while (i < samples.length) {
		const v = samples[i];
		if (v === undefined) {
			const prevPresent = i > 0 && samples[i - 1] !== undefined;
			if (prevPresent) {
				tokens.push('stale');
				i++;
				continue;
			}
			let j = i;
			while (j + 1 < samples.length && samples[j + 1] === undefined) j++;
			tokens.push(j === i ? '_' : `_x${j - i}`);
			i = j + 1;
			continue;
		}
		// Longest arithmetic run from i (constant runs are the step-0 case).
		let j = i;
		const next = samples[i + 1];
		const step = typeof next === 'number' ? next - v : 0;
		while (j + 1 < samples.length && typeof samples[j + 1] === 'number' && near((samples[j + 1] as number) - (samples[j] as number), step)) j++;
		const n = j - i;
		if (n === 0) tokens.push(fmt(v));
		else if (step === 0) tokens.push(`${fmt(v)}x${n}`);
		else tokens.push(`${fmt(v)}${step >= 0 ? '+' : '-'}${fmt(Math.abs(step))}x${n}`);
		i = j + 1;
	}
	return tokens.join(' ');
}

function near(a: number, b: number): boolean {
	return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function fmt(v: number): string {
	return String(Number(v.toPrecision(15)));
}

/** One series: its selector text (`name{labels}`) and one sample per scrape. */
export interface Series {
	selector: string;
	samples: Sample[];
}

export function selector(name: string, labels: Record<string, string>): string {
	const inner = Object.entries(labels)
		.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
		.join(',');
	return `${name}{${inner}}`;
}

/** Collects samples per selector over a run; a selector not written at a step has no sample there. */
export class SeriesRecorder {
	private readonly series = new Map<string, Sample[]>();
	constructor(private readonly steps: number) {}

	set(step: number, name: string, labels: Record<string, string>, value: number): void {
		const key = selector(name, labels);
		let samples = this.series.get(key);
		if (!samples) {
			samples = new Array<Sample>(this.steps).fill(undefined);
			this.series.set(key, samples);
		}
		samples[step] = value;
	}

	all(): Series[] {
		return [...this.series.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, samples]) => ({ selector: s, samples }));
	}
}
