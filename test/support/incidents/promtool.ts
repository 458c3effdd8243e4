/**
 * The alert timeline of a run, from the real `promtool test rules` evaluating the
 * generated rule files over the produced series.
 *
 * promtool only reports what differs from an expectation, so every evaluation
 * step gets two `promql_expr_test`s that expect nothing: the firing `ALERTS`
 * series that were not firing one evaluation earlier ("start") and those that
 * stopped ("end"). promtool prints what it got instead: exactly the changes.
 * Each run is its own test group, told apart by a `sim_run` label.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { formatDuration, parseDuration } from '../../../gen/duration';
import { encodeValues, type Series } from './series';

export interface RunInput {
	id: string;
	series: Series[];
	step: number;
	steps: number;
}

export type Labels = Record<string, string>;

/** One firing interval of one alert: [start, end) in seconds since the run started; end undefined = still firing. */
export interface FiringInterval {
	labels: Labels;
	start: number;
	end?: number;
}

function exprs(id: string, evalInterval: string): { start: string; end: string } {
	const firing = 'ALERTS{alertstate="firing"}';
	const tag = (e: string, q: string) => `label_replace(label_replace(${e}, "sim_q", "${q}", "", ""), "sim_run", "${id}", "", "")`;
	return {
		start: tag(`${firing} unless ${firing} offset ${evalInterval}`, 'start'),
		end: tag(`${firing} offset ${evalInterval} unless ${firing}`, 'end'),
	};
}

export function writeTestFile(dir: string, rulesGlob: string, evalInterval: string, runs: RunInput[]): string {
	const evalStep = parseDuration(evalInterval);
	const tests = runs.map((run) => {
		const e = exprs(run.id, evalInterval);
		const duration = (run.steps - 1) * run.step;
		const promql: Record<string, unknown>[] = [];
		for (let t = 0; t <= duration; t += evalStep) {
			const at = formatDuration(t);
			promql.push({ expr: e.start, eval_time: at, exp_samples: [] }, { expr: e.end, eval_time: at, exp_samples: [] });
		}
		return {
			interval: formatDuration(run.step),
			input_series: run.series.map((s) => ({ series: s.selector, values: encodeValues(s.samples) })),
			promql_expr_test: promql,
		};
	});
	const file = join(dir, 'incidents.test.yml');
	writeFileSync(file, stringify({ rule_files: [rulesGlob], evaluation_interval: evalInterval, tests }, { lineWidth: 0 }));
	return file;
}

/** Runs promtool; its exit code is 1 whenever any alert changed, so only its output counts. */
export function runPromtool(file: string): string {
	try {
		return execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string; status?: number };
		const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
		// Exit 1 with only `expr:` differences is the answer; anything else (a rule that failed to
		// evaluate, a file promtool could not load) is an error of the run.
		const broken = e.status !== 1 || /^\s*rule: .*err:/m.test(out) || !out.includes('FAILED:');
		if (broken) throw new Error(`promtool failed:\n${out.slice(0, 4000)}`);
		return out;
	}
}

/** Parses `{a="b", c="d\"e"} 1E+00, {…} 1E+00` into label sets. */
export function parseVector(text: string): Labels[] {
	const out: Labels[] = [];
	let i = 0;
	while (i < text.length) {
		const open = text.indexOf('{', i);
		if (open < 0) break;
		const labels: Labels = {};
		let j = open + 1;
		while (text[j] !== '}') {
			while (text[j] === ' ' || text[j] === ',') j++;
			if (text[j] === '}') break;
			const eq = text.indexOf('=', j);
			const name = text.slice(j, eq);
			j = eq + 2; // skip ="
			let value = '';
			while (text[j] !== '"') {
				if (text[j] === '\\') {
					value += JSON.parse(`"\\${text[j + 1]}"`);
					j += 2;
				} else value += text[j++];
			}
			labels[name] = value;
			j++;
		}
		out.push(labels);
		i = j + 1;
	}
	return out;
}

/** Firing intervals per run id. */
export function parseTimeline(output: string, evalInterval: string): Map<string, FiringInterval[]> {
	const runs = new Map<string, Map<string, FiringInterval>>();
	const done = new Map<string, FiringInterval[]>();
	const re = /expr: .*?, time: (\S+),\n\s+exp: .*\n\s+got: (.*)/g;
	const events: { t: number; labels: Labels }[] = [];
	for (const m of output.matchAll(re)) {
		const t = m[1] === '0s' ? 0 : parseDuration(m[1]);
		for (const labels of parseVector(m[2])) events.push({ t, labels });
	}
	events.sort((a, b) => a.t - b.t || (a.labels.sim_q === 'end' ? -1 : 1));
	for (const { t, labels } of events) {
		const { sim_q: q, sim_run: run, __name__: _n, alertstate: _s, ...alert } = labels;
		const key = JSON.stringify(Object.entries(alert).sort());
		if (!runs.has(run)) runs.set(run, new Map());
		if (!done.has(run)) done.set(run, []);
		const open = runs.get(run)!;
		if (q === 'start') open.set(key, { labels: alert, start: t });
		else {
			const iv = open.get(key);
			if (iv) {
				iv.end = t;
				done.get(run)!.push(iv);
				open.delete(key);
			}
		}
	}
	void evalInterval;
	for (const [run, open] of runs) done.get(run)!.push(...open.values());
	return done;
}
