/** Shared by the Prometheus/Alertmanager generator tests: generate the shipped config into a temp dir. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateAll } from '../../../../gen/cli';
import { loadConfig } from '../../../../gen/config/load';
import { buildRuleGroups } from '../../../../gen/prometheus/rules';

export const ROOT = resolve(__dirname, '../../../..');
export const SHIPPED_CONFIG = join(ROOT, 'ragops.config.yaml');

/** Every PromQL expression of the generated rules and Grafana dashboards of `configFile`. */
export function generatedExpressions(configFile = SHIPPED_CONFIG): string[] {
	const exprs = buildRuleGroups(loadConfig(configFile)).flatMap((g) => g.rules.map((r) => r.expr));
	const walk = (value: unknown): void => {
		if (Array.isArray(value)) value.forEach(walk);
		else if (value && typeof value === 'object') {
			for (const [k, v] of Object.entries(value)) {
				if (k === 'expr' && typeof v === 'string') exprs.push(v);
				else walk(v);
			}
		}
	};
	for (const f of generateAll(configFile)) if (f.path.startsWith('grafana/') && f.path.endsWith('.json')) walk(JSON.parse(f.content));
	return exprs;
}

/** Writes every generated file of `configFile` under a fresh temp dir and returns the dir. */
export function generateInto(configFile = SHIPPED_CONFIG): string {
	const dir = mkdtempSync(join(tmpdir(), 'ragops-gen-'));
	for (const f of generateAll(configFile)) {
		mkdirSync(dirname(join(dir, f.path)), { recursive: true });
		writeFileSync(join(dir, f.path), f.content);
	}
	return dir;
}

/** Runs a binary; returns exit code and combined output instead of throwing. */
export function run(bin: string, args: string[], cwd?: string): { code: number; output: string } {
	try {
		const out = execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		return { code: 0, output: out };
	} catch (error) {
		const e = error as { status?: number; stdout?: string; stderr?: string };
		return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
	}
}
