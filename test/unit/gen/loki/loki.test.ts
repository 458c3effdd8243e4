/**
 * Loki artefacts: the Loki config has the keys single-binary Loki 3 needs,
 * the LogQL rules are in Prometheus rule-file shape and parse with the LogQL
 * grammar, and the Alloy pipeline is structurally sound (no Alloy binary here).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { loadConfig, parseConfig } from '../../../../gen/config/load';
import { generateLoki } from '../../../../gen/loki';
import { logqlErrors } from '../../../../gen/grafana/lint';
import type { GeneratedFile } from '../../../../gen/types';

const ROOT = join(__dirname, '../../../..');
const cfg = loadConfig(join(ROOT, 'ragops.config.yaml'));
const files = generateLoki(cfg);
const content = (path: string) => files.find((f: GeneratedFile) => f.path === path)!.content;

describe('loki/loki-config.yml', () => {
	const doc = parse(content('loki/loki-config.yml'));
	it('runs single-tenant on the filesystem with a TSDB v13 index', () => {
		expect(doc.auth_enabled).toBe(false);
		expect(doc.common.storage.filesystem.chunks_directory).toBeTruthy();
		expect(doc.schema_config.configs).toEqual([
			expect.objectContaining({ store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }),
		]);
	});
	it('retains logs for logs.retention through the compactor', () => {
		expect(doc.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem' });
		expect(doc.limits_config.retention_period).toBe('31d');
		const raw = parse(readFileSync(join(ROOT, 'ragops.config.yaml'), 'utf8'));
		raw.logs.retention = '14d';
		const other = parse(generateLoki(parseConfig(stringify(raw)))[0].content);
		expect(other.limits_config.retention_period).toBe('14d');
	});
	it('evaluates local rules and sends alerts to Alertmanager', () => {
		expect(doc.ruler).toMatchObject({
			storage: { type: 'local', local: { directory: '/etc/loki/rules' } },
			alertmanager_url: 'http://alertmanager:9093',
			enable_api: true,
		});
	});
});

describe('loki/rules/fake/ragops.yml', () => {
	const path = 'loki/rules/fake/ragops.yml';
	const doc = parse(content(path));
	const rules = doc.groups.flatMap((g: { rules: unknown[] }) => g.rules);
	it('lives in the directory of the single tenant "fake"', () => expect(files.map((f) => f.path)).toContain(path));
	it('has the Prometheus rule-file shape and only known keys', () => {
		expect(Object.keys(doc)).toEqual(['groups']);
		for (const g of doc.groups) {
			expect(typeof g.name).toBe('string');
			for (const key of Object.keys(g)) expect(['name', 'interval', 'rules', 'limit']).toContain(key);
		}
		for (const r of rules) for (const key of Object.keys(r)) expect(['alert', 'expr', 'for', 'labels', 'annotations']).toContain(key);
	});
	it('alerts on ingestion and RAG API error logs with the configured threshold', () => {
		expect(rules.map((r: { alert: string }) => r.alert).sort()).toEqual(['RagApiErrorLogs', 'RagIngestionErrorLogs']);
		for (const r of rules) expect(r.expr).toMatch(/ > 1$/);
	});
	it('gives every alert severity, service, the four annotations and an explicit for', () => {
		for (const r of rules) {
			expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
			expect(r.labels.service).toMatch(/^[a-z]/);
			expect(r.for).toMatch(/^\d+[smhd]$/);
			expect(Object.keys(r.annotations).sort()).toEqual(['dashboard_url', 'description', 'runbook_url', 'summary']);
			expect(r.annotations.runbook_url).toBe(`${cfg.runbookBaseUrl}#${r.alert.toLowerCase()}`);
			expect(r.annotations.dashboard_url).toBe('http://localhost:3000/d/ragops-logs');
		}
	});
	it('parses every expression with the LogQL grammar', () => {
		for (const r of rules) expect(logqlErrors(r.expr)).toEqual([]);
	});
	it('the LogQL check fails on a broken expression', () => {
		expect(logqlErrors(rules[0].expr.replace('[5m]', '[5m')).length).toBeGreaterThan(0);
		expect(logqlErrors('sum(rate({service="x"} |~ [5m]))').length).toBeGreaterThan(0);
	});
});

/** A small structural reader of Alloy syntax: blocks, attributes and component references. */
interface AlloyComponent {
	name: string;
	label: string;
	body: string;
}

function stripCommentsAndStrings(text: string): string {
	return text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/[^\n]*/g, '');
}

function alloyProblems(text: string): { components: AlloyComponent[]; problems: string[] } {
	const problems: string[] = [];
	const bare = stripCommentsAndStrings(text);
	let depth = 0;
	for (const ch of bare) {
		if (ch === '{') depth++;
		if (ch === '}') depth--;
		if (depth < 0) problems.push('unbalanced }');
	}
	if (depth !== 0) problems.push(`unbalanced blocks (depth ${depth} at end)`);
	const components: AlloyComponent[] = [];
	const header = /^([a-z_]+(?:\.[a-z_]+)+) "([a-z0-9_]+)" \{$/gm;
	for (let m; (m = header.exec(text)); ) {
		let d = 0;
		let end = m.index + m[0].length - 1;
		for (; end < text.length; end++) {
			if (text[end] === '{') d++;
			if (text[end] === '}' && --d === 0) break;
		}
		components.push({ name: m[1], label: m[2], body: text.slice(m.index + m[0].length, end) });
	}
	const KNOWN: Record<string, string[]> = {
		'discovery.docker': ['targets'],
		'discovery.relabel': ['output', 'rules'],
		'loki.source.docker': [],
		'loki.write': ['receiver'],
	};
	const defined = new Map(components.map((c) => [`${c.name}.${c.label}`, c.name]));
	for (const c of components) if (!(c.name in KNOWN)) problems.push(`unknown component ${c.name}`);
	for (const ref of text.matchAll(/\b((?:discovery|loki)\.[a-z_]+)\.([a-z0-9_]+)\.([a-z_]+)\b/g)) {
		const [, name, label, exp] = ref;
		if (!defined.has(`${name}.${label}`)) problems.push(`reference to undefined component ${name}.${label}`);
		else if (!(KNOWN[name] ?? []).includes(exp)) problems.push(`${name} has no export ${exp}`);
	}
	for (const c of components) {
		const forward = /forward_to\s*=\s*\[([^\]]*)\]/.exec(c.body);
		if (c.name.startsWith('loki.source') && !forward) problems.push(`${c.name}.${c.label} forwards nowhere`);
		if (forward) {
			for (const target of forward[1].split(',').map((s) => s.trim()).filter(Boolean)) {
				if (!/\.receiver$/.test(target)) problems.push(`forward_to ${target} is not a receiver`);
			}
		}
	}
	return { components, problems };
}

describe('loki/alloy/config.alloy', () => {
	const text = content('loki/alloy/config.alloy');
	it('is structurally sound: balanced blocks, known components, every reference defined', () => {
		const { components, problems } = alloyProblems(text);
		expect(problems).toEqual([]);
		expect(components.map((c) => c.name)).toEqual(['discovery.docker', 'discovery.relabel', 'loki.source.docker', 'loki.write']);
	});
	it('keeps only the low-cardinality labels service and container', () => {
		const labels = [...text.matchAll(/target_label\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
		expect(new Set(labels)).toEqual(new Set(['service', 'container']));
		expect(text).toContain('__meta_docker_container_label_com_docker_compose_service');
		expect(text).not.toMatch(/container_id|image_id/);
	});
	it('pushes to Loki in the compose network', () => {
		expect(text).toContain('url = "http://loki:3100/loki/api/v1/push"');
	});
	it('the structural check fails on broken configs', () => {
		expect(alloyProblems(text.replace(/\}\n$/, '\n')).problems.length).toBeGreaterThan(0);
		expect(alloyProblems(text.replace('loki.write.default.receiver', 'loki.write.missing.receiver')).problems).toContain(
			'reference to undefined component loki.write.missing',
		);
		expect(alloyProblems(text.replace('loki.write "default"', 'loki.writer "default"')).problems.length).toBeGreaterThan(0);
		expect(alloyProblems(text.replace(/forward_to[^\n]*\n/, '')).problems).toContain('loki.source.docker.containers forwards nowhere');
	});
});

describe('runbooks for the LogQL alerts', () => {
	it('docs/runbooks.md has a section at the anchor of every Loki alert', () => {
		const markdown = readFileSync(join(ROOT, 'docs/runbooks.md'), 'utf8');
		const anchors = new Set([...markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
		const rules = parse(content('loki/rules/fake/ragops.yml')).groups.flatMap((g: { rules: { annotations: { runbook_url: string } }[] }) => g.rules);
		const missing = rules.map((r: { annotations: { runbook_url: string } }) => r.annotations.runbook_url.split('#')[1]).filter((a: string) => !anchors.has(a));
		expect(missing).toEqual([]);
		expect(anchors.has('nosuchalert')).toBe(false);
	});
});
