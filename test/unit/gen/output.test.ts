/**
 * `npm run gen` writes all or nothing: faults injected at every phase (a
 * generator that throws, a write that fails while staging, generated content
 * that does not parse, a folder in the way and a rename that fails part way
 * through the commit) leave the previous output byte for byte as it was, with
 * no staging folder left behind and one line on stderr.
 */
import * as fs from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATORS } from '../../../gen/artefacts';
import { generateAll, main, type GenOverrides } from '../../../gen/cli';
import { STAGING_PREFIX, type OutputFs } from '../../../gen/output';
import { ROOT, SHIPPED_CONFIG } from './prometheus/helpers';

const MINIMAL = join(ROOT, 'test/fixtures/configs/valid-minimal.yaml');

/** Every file and folder under `dir` (relative), files with their bytes and mode. */
function snapshot(dir: string): Map<string, string> {
	const entries = new Map<string, string>();
	const walk = (d: string, rel: string) => {
		for (const name of readdirSync(d).sort()) {
			const p = join(d, name);
			const r = rel ? `${rel}/${name}` : name;
			const st = statSync(p);
			if (st.isDirectory()) {
				entries.set(`${r}/`, 'dir');
				walk(p, r);
			} else entries.set(r, `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'base64')}`);
		}
	};
	walk(dir, '');
	return entries;
}

function runGen(args: string[], overrides: GenOverrides = {}): { code: number; errors: string[]; logs: string[] } {
	const errors: string[] = [];
	const logs: string[] = [];
	const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
	const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
	try {
		return { code: main(args, overrides), errors, logs };
	} finally {
		err.mockRestore();
		log.mockRestore();
	}
}

let work: string;
let out: string;
let previous: Map<string, string>;

beforeEach(() => {
	work = mkdtempSync(join(tmpdir(), 'ragops-atomic-'));
	out = join(work, 'out');
	// The previous output comes from another config, so the new one differs in content and in its file list.
	expect(runGen(['--config', MINIMAL, '--out', out]).code).toBe(0);
	previous = snapshot(out);
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function expectUntouched(result: { code: number; errors: string[] }, says: RegExp): void {
	expect(result.code).not.toBe(0);
	expect(result.errors).toHaveLength(1);
	expect(result.errors[0]).toMatch(/^gen: /);
	expect(result.errors[0]).toMatch(says);
	expect(result.errors[0]).not.toMatch(/\n/);
	expect(snapshot(out)).toEqual(previous);
	expect(readdirSync(out).filter((n) => n.startsWith(STAGING_PREFIX))).toEqual([]);
}

/** A copy of the real fs whose `name` call fails once, on its `nth` call (1-based). */
function faultyFs(name: 'renameSync' | 'writeFileSync', nth: number, code = 'EIO'): OutputFs & { calls: () => number } {
	let calls = 0;
	const real = fs[name] as (...args: unknown[]) => unknown;
	return {
		...fs,
		[name]: (...args: unknown[]) => {
			if (++calls === nth) throw Object.assign(new Error(`${code}: injected fault`), { code });
			return real(...args);
		},
		calls: () => calls,
	} as OutputFs & { calls: () => number };
}

test('the new config really changes the output (so the fault tests below are meaningful)', () => {
	const fresh = generateAll(SHIPPED_CONFIG);
	const changed = fresh.filter((f) => {
		const p = join(out, f.path);
		return !fs.existsSync(p) || readFileSync(p, 'utf8') !== f.content;
	});
	expect(changed.length).toBeGreaterThan(10);
	expect(fresh.some((f) => !fs.existsSync(join(out, f.path)))).toBe(true);
});

test('a successful run replaces the output and leaves no staging folder', () => {
	const result = runGen(['--config', SHIPPED_CONFIG, '--out', out]);
	expect(result.code).toBe(0);
	for (const f of generateAll(SHIPPED_CONFIG)) expect(readFileSync(join(out, f.path), 'utf8')).toBe(f.content);
	expect(readdirSync(out).filter((n) => n.startsWith(STAGING_PREFIX))).toEqual([]);
});

test('a generator that throws: nothing is written, one line names the generator', () => {
	const generators = [
		...GENERATORS.slice(0, 3),
		{
			name: 'broken',
			generate: () => {
				throw new Error('boom');
			},
		},
		...GENERATORS.slice(3),
	];
	expectUntouched(runGen(['--config', SHIPPED_CONFIG, '--out', out], { generators }), /the broken generator failed: boom; nothing was written/);
});

test('a write fault while staging (disk full on the 12th file): the previous output is unchanged', () => {
	const faulty = faultyFs('writeFileSync', 12, 'ENOSPC');
	expectUntouched(runGen(['--config', SHIPPED_CONFIG, '--out', out], { fs: faulty }), /cannot stage .* \(ENOSPC\); the previous output is unchanged/);
	expect(faulty.calls()).toBe(12);
});

test('a staging fault into an output folder that did not exist yet removes the folders it created', () => {
	const fresh = join(work, 'new/nested/out');
	const result = runGen(['--config', SHIPPED_CONFIG, '--out', fresh], { fs: faultyFs('writeFileSync', 3, 'ENOSPC') });
	expect(result.code).toBe(1);
	expect(result.errors).toEqual([expect.stringMatching(/^gen: cannot stage .* \(ENOSPC\); the previous output is unchanged$/)]);
	expect(fs.existsSync(join(work, 'new'))).toBe(false);
});

test('generated content that does not parse is caught before anything is replaced', () => {
	const generators = [
		...GENERATORS,
		{
			name: 'bad rules',
			generate: () => [{ path: 'prometheus/rules/zz-bad.yml', content: 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(up[5m]\n' }],
		},
	];
	expectUntouched(
		runGen(['--config', SHIPPED_CONFIG, '--out', out], { generators }),
		/prometheus\/rules\/zz-bad\.yml: a generated PromQL expression does not parse: rate\(up\[5m\]/,
	);
	const yamlBroken = [...GENERATORS, { name: 'bad yaml', generate: () => [{ path: 'loki/zz.yml', content: 'a: [1\n' }] }];
	expectUntouched(runGen(['--config', SHIPPED_CONFIG, '--out', out], { generators: yamlBroken }), /loki\/zz\.yml: does not parse/);
});

test('a folder where a late file goes: the files already renamed are put back', () => {
	// secrets/ sorts last, so every other file has been replaced when this one fails.
	mkdirSync(join(out, 'secrets/pagerduty-routing-key.example'));
	writeFileSync(join(out, 'secrets/pagerduty-routing-key.example/keep'), 'user data\n');
	previous = snapshot(out);
	expectUntouched(
		runGen(['--config', SHIPPED_CONFIG, '--out', out]),
		/cannot write secrets\/pagerduty-routing-key\.example \(a folder is in the way\); the previous output was restored/,
	);
});

test.each([1, 7, 20, 33])('a rename that fails on commit step %i: the previous output is restored byte for byte', (nth) => {
	const faulty = faultyFs('renameSync', nth);
	expectUntouched(runGen(['--config', SHIPPED_CONFIG, '--out', out], { fs: faulty }), /cannot write .* \(EIO\); the previous output was restored/);
});

test('--check reports a folder in place of a generated file as out of date, in one line, without a stack trace', () => {
	rmSync(join(out, 'prometheus/prometheus.yml'));
	mkdirSync(join(out, 'prometheus/prometheus.yml'));
	const result = runGen(['--config', MINIMAL, '--out', out, '--check']);
	expect(result.code).toBe(1);
	expect(result.errors[0]).toBe('out of date: prometheus/prometheus.yml');
	expect(result.errors.join('\n')).not.toMatch(/\n\s+at /);
});

test('a read-only file is replaced by rename and keeps its mode, as an in-place write would', () => {
	const target = join(out, 'prometheus/prometheus.yml');
	chmodSync(target, 0o444);
	expect(runGen(['--config', SHIPPED_CONFIG, '--out', out]).code).toBe(0);
	expect(statSync(target).mode & 0o777).toBe(0o444);
	expect(readFileSync(target, 'utf8')).toBe(generateAll(SHIPPED_CONFIG).find((f) => f.path === 'prometheus/prometheus.yml')!.content);
});
