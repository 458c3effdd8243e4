import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../../gen/cli';
import { ConfigError, loadConfig } from '../../../../gen/config/load';
import { ROOT } from '../prometheus/helpers';

const FIXTURES = join(ROOT, 'test/fixtures/configs');
const invalid = readdirSync(join(FIXTURES, 'invalid'))
	.filter((f) => f.endsWith('.yaml'))
	.sort();

/** First line of each fixture: `# expect: <fragment of the one-line error>`. */
function expectation(file: string): string {
	const first = readFileSync(file, 'utf8').split('\n')[0];
	const m = /^# expect: (.+)$/.exec(first);
	if (!m) throw new Error(`${file}: first line must be "# expect: …"`);
	return m[1];
}

function runCli(args: string[]): { code: number; errors: string[] } {
	const errors: string[] = [];
	const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
	const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
	try {
		return { code: main(args), errors };
	} finally {
		err.mockRestore();
		log.mockRestore();
	}
}

test('there are at least 30 invalid config fixtures', () => {
	expect(invalid.length).toBeGreaterThanOrEqual(30);
});

test('the minimal valid fixture generates every artefact', () => {
	const out = mkdtempSync(join(tmpdir(), 'ragops-cfg-'));
	try {
		const { code, errors } = runCli(['--config', join(FIXTURES, 'valid-minimal.yaml'), '--out', out]);
		expect(errors).toEqual([]);
		expect(code).toBe(0);
		expect(readdirSync(join(out, 'prometheus/rules')).length).toBeGreaterThan(0);
	} finally {
		rmSync(out, { recursive: true, force: true });
	}
});

describe.each(invalid)('invalid config %s', (name) => {
	const file = join(FIXTURES, 'invalid', name);

	test('is rejected with one-line errors naming the path', () => {
		let error: unknown;
		try {
			loadConfig(file);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const problems = (error as ConfigError).problems;
		expect(problems.length).toBeGreaterThan(0);
		for (const p of problems) expect(p).not.toContain('\n');
		expect(problems.some((p) => p.includes(expectation(file)))).toBe(true);
	});

	test('npm run gen exits 2 and writes nothing', () => {
		const out = mkdtempSync(join(tmpdir(), 'ragops-cfg-'));
		try {
			const { code, errors } = runCli(['--config', file, '--out', out]);
			expect(code).toBe(2);
			expect(errors.some((e) => e.includes(expectation(file)))).toBe(true);
			expect(errors[errors.length - 1]).toBe('Nothing was written.');
			expect(readdirSync(out)).toEqual([]);
		} finally {
			rmSync(out, { recursive: true, force: true });
		}
	});
});
