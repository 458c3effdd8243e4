/**
 * Test-side reader of the Prometheus text format: enough to read back what the
 * Pushgateway serves on /metrics (Go's expfmt output) and to check our own
 * escaping round-trips. Also `promtool check metrics` over stdin.
 */
import { spawnSync } from 'node:child_process';

export interface ParsedSeries {
	name: string;
	labels: Record<string, string>;
	value: number;
}

function unescapeLabel(raw: string): string {
	return raw.replace(/\\(\\|"|n)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(raw: string): number {
	if (raw === 'NaN') return NaN;
	if (raw === '+Inf') return Infinity;
	if (raw === '-Inf') return -Infinity;
	const n = Number(raw);
	if (Number.isNaN(n)) throw new Error(`bad sample value ${raw}`);
	return n;
}

/** Parses sample lines (comments skipped). Throws on a line it cannot read. */
export function parseExposition(text: string): ParsedSeries[] {
	const out: ParsedSeries[] = [];
	for (const line of text.split('\n')) {
		if (line === '' || line.startsWith('#')) continue;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$/.exec(line);
		if (!m) throw new Error(`unparsable line: ${line}`);
		const labels: Record<string, string> = {};
		const body = m[2] ?? '';
		const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
		let consumed = 0;
		for (let lm = re.exec(body); lm; lm = re.exec(body)) {
			labels[lm[1]] = unescapeLabel(lm[2]);
			consumed = re.lastIndex;
		}
		if (consumed !== body.length) throw new Error(`unparsable labels: ${body}`);
		out.push({ name: m[1], labels, value: parseValue(m[3]) });
	}
	return out;
}

/** The `# HELP` text of a metric (unescaped), or undefined. */
export function helpOf(text: string, name: string): string | undefined {
	const line = text.split('\n').find((l) => l.startsWith(`# HELP ${name} `));
	return line?.slice(`# HELP ${name} `.length).replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

export interface PromtoolResult {
	status: number | null;
	output: string;
	/** True when promtool could parse the text (exit 0, or 3 = only lint findings). */
	parsed: boolean;
}

export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';

/** `promtool check metrics` with the text on stdin. */
export function promtoolCheckMetrics(text: string): PromtoolResult {
	const r = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' });
	if (r.error) throw new Error(`cannot run ${PROMTOOL_BIN}: ${r.error.message} (apt-get install prometheus)`);
	const output = `${r.stdout}${r.stderr}`;
	return { status: r.status, output, parsed: (r.status === 0 || r.status === 3) && !/parsing error/i.test(output) };
}
