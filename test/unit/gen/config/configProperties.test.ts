/**
 * Property-based tests (fast-check) over the config schema and every
 * generator: whatever config the schema accepts generates artefacts that the
 * real promtool (`check rules`, `check config`, `test rules`) and amtool
 * (`check-config`) accept and whose PromQL/LogQL the grammars parse — with
 * hostile text in every free-text field. Whatever it refuses is refused in
 * one line per problem that names a path. No password from a config ever
 * reaches an artefact.
 *
 * Binaries are run once per batch (many configs per invocation), so the
 * suite stays within tens of seconds. FC_SEED=<n> replays a run; the seed is
 * printed with every failure. FC_SCALE=<k> multiplies every run count for a
 * deeper local search.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { GENERATORS } from '../../../../gen/artefacts';
import { ConfigError, parseConfig } from '../../../../gen/config/load';
import { re2SyntaxError } from '../../../../gen/config/re2';
import { goTemplateText, hasLoneSurrogate, promqlString, unsafeTextReason } from '../../../../gen/escape';
import { validateContent } from '../../../../gen/output';
import { lintQuerySyntax, substituteVariables, targetsOf, type DashboardJson } from '../../../../gen/grafana/lint';
import type { GeneratedFile } from '../../../../gen/types';
import { configArb, hostileText, mutatedConfigArb, re2Regex, regexSoup, SENTINEL_PASSWORDS, type RawConfig } from './configArbitraries';
import { run } from '../prometheus/helpers';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2_147_483_647;
const SCALE = Math.max(1, Number(process.env.FC_SCALE ?? 1));
const runs = (n: number) => Math.round(n * SCALE);
const figures: string[] = [];
const started = Date.now();

type Outcome = { accepted: true; files: GeneratedFile[] } | { accepted: false; problems: string[] };

function generate(raw: RawConfig): Outcome {
	let cfg;
	try {
		cfg = parseConfig(stringify(raw));
	} catch (error) {
		if (error instanceof ConfigError) return { accepted: false, problems: error.problems };
		throw error;
	}
	return { accepted: true, files: GENERATORS.flatMap((g) => g.generate(cfg)) };
}

/** Problems an accepted config's artefacts have without running any binary. */
function inProcessProblems(files: GeneratedFile[]): string[] {
	const problems: string[] = [];
	for (const f of files) {
		problems.push(...validateContent(f.path, f.content));
		if (f.path.startsWith('grafana/dashboards/')) problems.push(...lintQuerySyntax(JSON.parse(f.content) as DashboardJson).map((p) => `${f.path}: ${p}`));
		for (const secret of SENTINEL_PASSWORDS) if (f.content.includes(secret)) problems.push(`${f.path}: carries the password ${secret}`);
		// Any URL with credentials in it, whatever they are.
		const userinfo = /[a-z]+:\/\/[^/\s"'@]*:[^/\s"'@]*@/i.exec(f.content);
		if (userinfo) problems.push(`${f.path}: carries a URL with user:password (${userinfo[0]})`);
		if (hasLoneSurrogate(f.content)) problems.push(`${f.path}: carries a lone surrogate`);
		// docker compose interpolates $VAR and ${VAR} in every value; only $$ is a literal $.
		if (f.path === 'docker-compose.observability.yml') {
			const walk = (v: unknown): void => {
				if (typeof v === 'string' && /\$(?!\$)/.test(v.replace(/\$\$/g, ''))) problems.push(`${f.path}: unescaped $ in ${JSON.stringify(v)}`);
				else if (v && typeof v === 'object') Object.values(v).forEach(walk);
			};
			walk(parseYaml(f.content));
		}
	}
	return problems;
}

const PATH_LINE = /^(\(root\)|line \d+|[A-Za-z_$][\w$]*(\[\d+\])?(\.[\w$]+(\[\d+\])?)*(\[\d+\])?): \S/;

afterAll(() => {
	process.stdout.write(`config property tests (seed ${SEED}): ${figures.join('; ')}; ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

describe('in process', () => {
	test('a hostile or mutated config is either refused in one line per problem naming a path, or generates clean artefacts', () => {
		let accepted = 0;
		let refused = 0;
		fc.assert(
			fc.property(fc.oneof(configArb, mutatedConfigArb), (raw) => {
				const outcome = generate(raw);
				if (!outcome.accepted) {
					refused++;
					expect(outcome.problems.length).toBeGreaterThan(0);
					for (const p of outcome.problems) {
						expect(p).not.toMatch(/[\n\r]/);
						expect(p).toMatch(PATH_LINE);
					}
					return;
				}
				accepted++;
				expect(inProcessProblems(outcome.files)).toEqual([]);
			}),
			{ numRuns: runs(300), seed: SEED },
		);
		figures.push(`schema+generators: ${runs(300)} runs (${accepted} accepted, ${refused} refused)`);
		// Both sides must really be exercised, or the property proves little.
		expect(accepted).toBeGreaterThan(60);
		expect(refused).toBeGreaterThan(60);
	});

	test('the RE2 check refuses every regex JavaScript would take but Go would not, and takes every structured RE2 regex', () => {
		fc.assert(
			fc.property(re2Regex, (re) => {
				expect(re2SyntaxError(re)).toBeUndefined();
			}),
			{ numRuns: runs(500), seed: SEED },
		);
		for (const re of ['(?=a)', '(?!a)', '(?<=a)', '(?<!a)', '(a)\\1', '\\k<x>', 'a*+', 'a++', '(?<x>a)', '\\Z', '\\h', '(?>a)']) {
			expect([re, re2SyntaxError(re)]).toEqual([re, expect.any(String)]);
		}
		figures.push(`RE2 structured: ${runs(500)} runs`);
	});
});

/** Writes each accepted config's artefacts under `<root>/<index>/`; returns the directories. */
function writeBatch(root: string, batch: { files: GeneratedFile[] }[]): string[] {
	return batch.map(({ files }, i) => {
		const dir = join(root, String(i));
		for (const f of files) {
			mkdirSync(dirname(join(dir, f.path)), { recursive: true });
			writeFileSync(join(dir, f.path), f.content);
		}
		return dir;
	});
}

/** The config index a promtool/amtool output line blames (its file paths start with `<root>/<index>/`). */
function blamed(output: string, root: string): number[] {
	const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return [...new Set([...output.matchAll(new RegExp(`${escaped}/(\\d+)/`, 'g'))].map((m) => Number(m[1])))];
}

describe('with the real promtool and amtool (batched)', () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'ragops-prop-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	test('every accepted hostile config passes promtool check rules / check config and amtool check-config', () => {
		const samples = fc.sample(configArb, { numRuns: runs(60), seed: SEED });
		const batch = samples
			.map((raw) => ({ raw, outcome: generate(raw) }))
			.filter((s): s is { raw: RawConfig; outcome: Extract<Outcome, { accepted: true }> } => s.outcome.accepted)
			.map((s) => ({ raw: s.raw, files: s.outcome.files }));
		expect(batch.length).toBeGreaterThan(runs(25));
		const dirs = writeBatch(root, batch);
		const explain = (what: string, output: string) => {
			// The tools list every file; keep what failed.
			const failures = output.split(/\n(?=Checking )/).filter((part) => /FAILED|error/i.test(part)).join('\n');
			return `${what} failed (FC_SEED=${SEED}):\n${failures.slice(0, 3000)}\nfirst config blamed:\n${stringify(batch[blamed(failures, root)[0] ?? 0].raw)}`;
		};

		const ruleFiles = dirs.flatMap((d) => readdirSync(join(d, 'prometheus/rules')).map((f) => join(d, 'prometheus/rules', f)));
		const rules = run('promtool', ['check', 'rules', ...ruleFiles]);
		if (rules.code !== 0) throw new Error(explain('promtool check rules', rules.output));

		// Loki rules carry LogQL, which promtool cannot read; their labels and Go-template annotations are
		// the same language as Prometheus's, so promtool checks a copy with each expr swapped for vector(1).
		const lokiCopies = batch.map((b, i) => {
			const f = b.files.find((x) => x.path.startsWith('loki/rules/'))!;
			const copy = join(root, String(i), 'loki-as-promql.yml');
			writeFileSync(copy, f.content.replace(/^(\s+expr: ).*$/gm, '$1vector(1)'));
			return copy;
		});
		const loki = run('promtool', ['check', 'rules', ...lokiCopies]);
		if (loki.code !== 0) throw new Error(explain('promtool check rules (Loki annotations)', loki.output));

		// Dashboard queries are PromQL too: promtool parses each (Grafana's interval variables swapped for durations).
		const dashboardRules = batch.map((b, i) => {
			const exprs = b.files
				.filter((f) => f.path.startsWith('grafana/dashboards/'))
				.flatMap((f) => targetsOf(JSON.parse(f.content) as DashboardJson, 'prometheus').map(([, expr]) => substituteVariables(expr)));
			const file = join(root, String(i), 'dashboards-as-rules.yml');
			writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: exprs.map((expr, k) => ({ record: `dashboard:query:${k}`, expr })) }] }, { lineWidth: 0 }));
			return file;
		});
		const dashboards = run('promtool', ['check', 'rules', ...dashboardRules]);
		if (dashboards.code !== 0) throw new Error(explain('promtool check rules (dashboard queries)', dashboards.output));

		const config = run('promtool', ['check', 'config', ...dirs.map((d) => join(d, 'prometheus/prometheus.yml'))]);
		if (config.code !== 0) throw new Error(explain('promtool check config', config.output));

		const am = run('amtool', ['check-config', ...dirs.map((d) => join(d, 'alertmanager/alertmanager.yml'))]);
		if (am.code !== 0) throw new Error(explain('amtool check-config', am.output));
		figures.push(`promtool/amtool: ${batch.length} accepted configs of ${samples.length} sampled, ${ruleFiles.length} rule files`);
	});

	test('regexes the RE2 check accepts compile in Prometheus (soundness against the real parser)', () => {
		const regexes = [...new Set(fc.sample(fc.oneof(re2Regex, regexSoup), { numRuns: runs(600), seed: SEED }))];
		// The schema also refuses raw control and line-separator characters in any text (escape.ts).
		const accepted = regexes.filter((re) => re2SyntaxError(re) === undefined && unsafeTextReason(re) === undefined);
		const file = join(root, 're2.yml');
		writeFileSync(
			file,
			stringify({ groups: [{ name: 're2', rules: accepted.map((re, i) => ({ record: `re2:check:${i}`, expr: `up{x=~${promqlString(re)}}` })) }] }, { lineWidth: 0 }),
		);
		const result = run('promtool', ['check', 'rules', file]);
		if (result.code !== 0) throw new Error(`promtool refused regexes the RE2 check accepted (FC_SEED=${SEED}):\n${result.output.slice(0, 3000)}`);
		expect(accepted.length).toBeGreaterThan(runs(200));
		figures.push(`RE2 vs promtool: ${accepted.length} accepted of ${regexes.length} distinct`);
	});

	test('regexes the RE2 check refuses in the hostile suite are refused by Prometheus too', () => {
		const refused = ['(?=5)..', '(?!2)..', '(?<=x)5', '(?<!x)5', '(5)\\1', '\\k<n>', '(?P<n>5)(?P=n)', '(?>5..)', '(?#c)5', '(?<code>5..)', '5**', '5*+', '5{2}{3}', '*5', '[5-1]..', '5\\Z', '\\e5', '(5..', '[5', '5{1001}', '(5{100}){100}', '\\p{Klingon}', '[[:digits:]]', '\\x{110000}', '(?i', '5\\Q..'];
		const file = join(root, 're2-refused.yml');
		writeFileSync(
			file,
			stringify({ groups: refused.map((re, i) => ({ name: `g${i}`, rules: [{ record: 're2:refused:x', expr: `up{x=~${promqlString(re)}}` }] })) }, { lineWidth: 0 }),
		);
		const output = run('promtool', ['check', 'rules', file]).output;
		const groupsWithErrors = new Set([...output.matchAll(/group "g(\d+)"/g)].map((m) => Number(m[1])));
		expect(refused.filter((_, i) => !groupsWithErrors.has(i))).toEqual([]);
		for (const re of refused) expect(re2SyntaxError(re)).toEqual(expect.any(String));
	});

	test('PromQL string literals and Go template text round-trip exactly through promtool test rules', () => {
		// What the schema lets into a config (unsafeTextReason is its generic text check).
		const texts = [...new Set(fc.sample(hostileText, { numRuns: runs(300), seed: SEED }))].filter((t) => unsafeTextReason(t) === undefined);
		const rules = texts.map((t, i) => ({
			alert: `RoundTrip${i}`,
			// absent() of a selector returns its equality matchers as labels: the literal, unquoted by Prometheus.
			expr: `absent(ragops_roundtrip_nonexistent{v=${promqlString(t)}})`,
			labels: { severity: 'info' },
			annotations: { description: `<${goTemplateText(t)}>{{ $labels.v | len }}` },
		}));
		const rulesFile = join(root, 'roundtrip.yml');
		writeFileSync(rulesFile, stringify({ groups: [{ name: 'roundtrip', rules }] }, { lineWidth: 0 }));
		const tests = {
			rule_files: [rulesFile],
			evaluation_interval: '1m',
			tests: [
				{
					interval: '1m',
					input_series: [],
					alert_rule_test: texts.map((t, i) => ({
						eval_time: '1m',
						alertname: `RoundTrip${i}`,
						exp_alerts: [
							{
								exp_labels: { severity: 'info', ...(t === '' ? {} : { v: t }) },
								exp_annotations: { description: `<${t}>${Buffer.byteLength(t)}` },
							},
						],
					})),
				},
			],
		};
		const testFile = join(root, 'roundtrip.test.yml');
		writeFileSync(testFile, stringify(tests, { lineWidth: 0 }));
		const result = run('promtool', ['test', 'rules', testFile]);
		if (result.code !== 0) throw new Error(`round trip failed (FC_SEED=${SEED}):\n${result.output.slice(0, 3000)}`);
		figures.push(`round trip: ${texts.length} hostile strings`);
	});
});
