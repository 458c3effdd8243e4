import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAll, main } from '../../../gen/cli';
import { generateInto, ROOT, SHIPPED_CONFIG } from './prometheus/helpers';

function quietly<T>(fn: () => T): { result: T; errors: string[] } {
	const errors: string[] = [];
	const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
	const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
	try {
		return { result: fn(), errors };
	} finally {
		err.mockRestore();
		log.mockRestore();
	}
}

test('two generations from the same config are byte-identical', () => {
	const a = generateAll(SHIPPED_CONFIG);
	const b = generateAll(SHIPPED_CONFIG);
	expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
	for (let i = 0; i < a.length; i++) expect(b[i].content).toBe(a[i].content);
});

test('generated files do not depend on the machine (no absolute paths of this checkout, no dates)', () => {
	const year = String(new Date().getFullYear());
	for (const f of generateAll(SHIPPED_CONFIG)) {
		expect(f.content).not.toContain(ROOT);
		expect(f.content).not.toMatch(new RegExp(`${year}-\\d\\d-\\d\\d`));
	}
});

test('the config is read from its path, not the working directory: a copy elsewhere gives the same output', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ragops-det-'));
	try {
		cpSync(SHIPPED_CONFIG, join(dir, 'ragops.config.yaml'));
		const a = generateAll(SHIPPED_CONFIG);
		const b = generateAll(join(dir, 'ragops.config.yaml'));
		expect(b).toEqual(a);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('--check passes on a fresh generation and fails after a hand edit of a generated file', () => {
	const dir = generateInto();
	try {
		const ok = quietly(() => main(['--config', SHIPPED_CONFIG, '--out', dir, '--check']));
		expect(ok.result).toBe(0);
		const file = join(dir, 'prometheus/rules/slo.yml');
		writeFileSync(file, readFileSync(file, 'utf8').replace('for: 2m', 'for: 1m'));
		const stale = quietly(() => main(['--config', SHIPPED_CONFIG, '--out', dir, '--check']));
		expect(stale.result).toBe(1);
		expect(stale.errors).toContain('out of date: prometheus/rules/slo.yml');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
