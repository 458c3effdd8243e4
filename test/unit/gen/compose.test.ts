/**
 * docker-compose.observability.yml: no Docker engine or compose plugin here,
 * so the file is checked structurally — pinned images, healthchecks,
 * dependency conditions, read-only mounts of files the generators really
 * write, secrets from files — and each check is shown to fail on a broken copy.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { generateAll } from '../../../gen/cli';
import { loadConfig } from '../../../gen/config/load';
import { COMPOSE_FILE, generateCompose, packageTarball } from '../../../gen/compose';

const ROOT = join(__dirname, '../../..');
const CONFIG = join(ROOT, 'ragops.config.yaml');
const cfg = loadConfig(CONFIG);
const generated = generateAll(CONFIG);
const generatedPaths = generated.map((f) => f.path);
const text = generateCompose(cfg).find((f) => f.path === COMPOSE_FILE)!.content;

interface Service {
	image?: string;
	healthcheck?: { test?: string[]; disable?: boolean };
	depends_on?: string[] | Record<string, { condition?: string }>;
	volumes?: string[];
	environment?: Record<string, string>;
	secrets?: (string | { source: string; target?: string })[];
}
type Compose = {
	services: Record<string, Service>;
	volumes?: Record<string, unknown>;
	secrets?: Record<string, { file?: string; environment?: string }>;
};
const load = (): Compose => parse(text);

/** Build artefacts compose mounts that are not generated: only the packed package. */
const BUILD_ARTEFACTS = [packageTarball()];
/** Host paths that are not repository files. */
const HOST_PATHS: Record<string, string> = { '/var/run/docker.sock': 'alloy' };

function imageProblems(c: Compose): string[] {
	return Object.entries(c.services).flatMap(([name, s]) => {
		const image: string = s.image ?? '';
		const pinned = /^[a-z0-9][\w./-]*:v?\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/.test(image) || /@sha256:[0-9a-f]{64}$/.test(image);
		return pinned ? [] : [`${name}: image "${image}" is not pinned to an exact version`];
	});
}

function healthProblems(c: Compose): string[] {
	const problems: string[] = [];
	for (const [name, s] of Object.entries(c.services)) {
		const test = s.healthcheck?.test;
		if (!Array.isArray(test) || !['CMD', 'CMD-SHELL'].includes(test[0]) || test.length < 2) problems.push(`${name}: no healthcheck`);
		if (s.healthcheck?.disable) problems.push(`${name}: healthcheck disabled`);
	}
	return problems;
}

function dependsProblems(c: Compose): string[] {
	const problems: string[] = [];
	for (const [name, s] of Object.entries(c.services)) {
		if (s.depends_on === undefined) continue;
		if (Array.isArray(s.depends_on)) {
			problems.push(`${name}: depends_on without conditions`);
			continue;
		}
		for (const [dep, spec] of Object.entries(s.depends_on)) {
			if (!c.services[dep]) problems.push(`${name}: depends on unknown service ${dep}`);
			if (spec?.condition !== 'service_healthy') problems.push(`${name}: depends on ${dep} without condition: service_healthy`);
		}
	}
	return problems;
}

function mountProblems(c: Compose): string[] {
	const problems: string[] = [];
	for (const [name, s] of Object.entries(c.services)) {
		for (const volume of s.volumes ?? []) {
			const [source, target, mode] = volume.split(':');
			if (!source.startsWith('.') && !source.startsWith('/')) {
				if (!c.volumes || !(source in c.volumes)) problems.push(`${name}: named volume ${source} is not declared`);
				continue;
			}
			if (mode !== 'ro') problems.push(`${name}: bind mount ${source} is not read-only`);
			if (source.startsWith('/')) {
				if (HOST_PATHS[source] !== name) problems.push(`${name}: host path ${source} is not allowed`);
				continue;
			}
			const rel = source.replace(/^\.\//, '');
			if (BUILD_ARTEFACTS.includes(rel)) continue;
			const isGenerated = generatedPaths.includes(rel) || generatedPaths.some((p) => p.startsWith(`${rel}/`));
			if (!isGenerated) problems.push(`${name}: ${source} is not a generated file or directory`);
			else if (!existsSync(join(ROOT, rel))) problems.push(`${name}: ${source} does not exist in the repository`);
			else if (generatedPaths.includes(rel) !== statSync(join(ROOT, rel)).isFile()) problems.push(`${name}: ${source} has the wrong kind`);
			if (!target?.startsWith('/')) problems.push(`${name}: mount target of ${source} is not absolute`);
		}
	}
	return problems;
}

function secretProblems(c: Compose): string[] {
	const problems: string[] = [];
	for (const [key, secret] of Object.entries(c.secrets ?? {})) {
		if (!secret.file?.startsWith('./secrets/')) problems.push(`secret ${key} is not a file under ./secrets/`);
		else if (!generatedPaths.includes(`${secret.file.slice(2)}.example`)) problems.push(`secret ${key} has no .example file`);
	}
	for (const [name, s] of Object.entries(c.services)) {
		for (const [env, value] of Object.entries(s.environment ?? {})) {
			if (/PASSWORD|SECRET|TOKEN|KEY/.test(env) && !/_FILE$/.test(env)) problems.push(`${name}: secret ${env} inline (${value})`);
		}
		for (const ref of s.secrets ?? []) {
			const source = typeof ref === 'string' ? ref : ref.source;
			if (!c.secrets?.[source]) problems.push(`${name}: uses undeclared secret ${source}`);
		}
	}
	return problems;
}

describe(COMPOSE_FILE, () => {
	it('parses as one YAML document with unique keys and a generated header', () => {
		const doc = parseDocument(text, { uniqueKeys: true });
		expect(doc.errors).toEqual([]);
		expect(text.startsWith('# Generated by `npm run gen`')).toBe(true);
	});
	it('runs the whole stack', () => {
		expect(Object.keys(load().services).sort()).toEqual(
			['alertmanager', 'alloy', 'blackbox-exporter', 'grafana', 'loki', 'n8n', 'prometheus', 'pushgateway'].sort(),
		);
	});
	it('pins every image to an exact version', () => expect(imageProblems(load())).toEqual([]));
	it('gives every service a healthcheck', () => expect(healthProblems(load())).toEqual([]));
	it('waits for dependencies to be healthy', () => expect(dependsProblems(load())).toEqual([]));
	it('mounts only generated files, read-only, and declares its named volumes', () => expect(mountProblems(load())).toEqual([]));
	it('takes secrets from files under ./secrets with committed examples', () => expect(secretProblems(load())).toEqual([]));
	it('is the committed file', () => {
		for (const f of generateCompose(cfg)) expect(existsSync(join(ROOT, f.path))).toBe(true);
	});

	it('mounts each config where the generated configs expect it', () => {
		const c = load();
		const loki = parse(generated.find((f) => f.path === 'loki/loki-config.yml')!.content);
		expect(c.services.loki.volumes).toContain(`./loki/rules:${loki.ruler.storage.local.directory}:ro`);
		const dashboards = parse(generated.find((f) => f.path === 'grafana/provisioning/dashboards/dashboards.yml')!.content);
		expect(c.services.grafana.volumes).toContain(`./grafana/dashboards:${dashboards.providers[0].options.path}:ro`);
		const targets = (c.services.alertmanager.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.target));
		expect(targets.sort()).toEqual(
			[cfg.alerting.receivers.slack.apiUrlFile, cfg.alerting.receivers.pagerduty.routingKeyFile].sort(),
		);
		expect(c.services.prometheus.volumes).toContain('./prometheus/rules:/etc/prometheus/rules:ro');
	});
});

describe('each compose check fails on a broken copy', () => {
	it('unpinned images', () => {
		const c = load();
		c.services.grafana.image = 'grafana/grafana:latest';
		c.services.loki.image = 'grafana/loki';
		expect(imageProblems(c)).toHaveLength(2);
	});
	it('missing healthcheck', () => {
		const c = load();
		delete c.services.alloy.healthcheck;
		expect(healthProblems(c)).toEqual(['alloy: no healthcheck']);
	});
	it('depends_on without condition', () => {
		const c = load();
		c.services.grafana.depends_on = ['prometheus'];
		c.services.alloy.depends_on = { loki: { condition: 'service_started' } };
		expect(dependsProblems(c)).toHaveLength(2);
	});
	it('mounts of missing, writable or non-generated files', () => {
		const c = load();
		c.services.prometheus.volumes!.push('./prometheus/extra.yml:/etc/prometheus/extra.yml:ro');
		c.services.grafana.volumes!.push('./package.json:/tmp/package.json:ro');
		c.services.loki.volumes![0] = c.services.loki.volumes![0].replace(/:ro$/, '');
		c.services.n8n.volumes!.push('undeclared-volume:/data');
		expect(mountProblems(c)).toHaveLength(4);
	});
	it('inline secrets and undeclared secret files', () => {
		const c = load();
		c.services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD = 'admin';
		c.secrets!.extra = { file: './extra-secret' };
		expect(secretProblems(c)).toHaveLength(2);
	});
});
