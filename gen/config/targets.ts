/**
 * Config checks that come from what the generators write, not from the shape
 * of the config: names the generator already uses itself (scrape jobs,
 * compose services, secret files, published ports), dependency cycles under
 * which Alertmanager inhibits every alert of the cycle once all of it is down, and text no target
 * language can carry. Each problem names the exact path, like the schema's own.
 */
import { posix } from 'node:path';
import type { z } from 'zod/v4';
import { unsafeTextReason } from '../escape';
import { FIXED_SECRET_FILES, PUBLISHED_PORTS, STACK_SERVICES } from '../compose';
import { JOBS } from '../prometheus/endpoints';
import { META_SERVICE } from '../prometheus/rules/model';

type Path = (string | number)[];

/** What these checks read; structural so the schema can pass its own output without a type cycle. */
interface TargetsInput {
	pushgateway: { address: string };
	n8n: { address: string };
	services: { name: string; dependsOn: string[] }[];
	backups?: { collections: string[] };
	alerting: {
		receivers: {
			slack: { apiUrlFile: string };
			pagerduty: { routingKeyFile: string };
			heartbeat?: { basicAuth?: { passwordFile: string } };
		};
	};
}

/** Service names that would collide with something the generator writes itself, and why. */
export const RESERVED_SERVICE_NAMES: ReadonlyMap<string, string> = new Map([
	...Object.values(JOBS).map((job) => [job, `the generator writes its own scrape job "${job}"`] as const),
	[META_SERVICE, 'it is the service label of the monitoring stack\'s own alerts'],
]);

function walkStrings(value: unknown, path: Path, visit: (text: string, path: Path) => void): void {
	if (typeof value === 'string') visit(value, path);
	else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
	else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
	}
}

/**
 * Every `dependsOn` cycle, each once, as the list of service indexes along it
 * (first index repeated at the end). Unknown names are the schema's problem and skipped.
 */
export function dependencyCycles(services: TargetsInput['services']): number[][] {
	const index = new Map(services.map((s, i) => [s.name, i]));
	const state = new Array<'new' | 'active' | 'done'>(services.length).fill('new');
	const stack: number[] = [];
	const cycles: number[][] = [];
	const visit = (i: number) => {
		state[i] = 'active';
		stack.push(i);
		for (const dep of services[i].dependsOn) {
			const j = index.get(dep);
			if (j === undefined || j === i) continue;
			if (state[j] === 'active') cycles.push([...stack.slice(stack.indexOf(j)), j]);
			else if (state[j] === 'new') visit(j);
		}
		stack.pop();
		state[i] = 'done';
	};
	services.forEach((_, i) => {
		if (state[i] === 'new') visit(i);
	});
	return cycles;
}

export function checkGeneratedTargets(cfg: TargetsInput, ctx: z.RefinementCtx): void {
	const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

	walkStrings(cfg, [], (text, path) => {
		const unsafe = unsafeTextReason(text);
		if (unsafe) issue(path, unsafe);
	});

	cfg.services.forEach((s, i) => {
		const why = RESERVED_SERVICE_NAMES.get(s.name);
		if (why) issue(['services', i, 'name'], `"${s.name}" is reserved: ${why}; rename the service (e.g. my-${s.name})`);
		const seen = new Set<string>();
		s.dependsOn.forEach((dep, j) => {
			if (seen.has(dep)) issue(['services', i, 'dependsOn', j], `"${dep}" is listed twice`);
			seen.add(dep);
		});
	});

	const collections = new Set<string>();
	cfg.backups?.collections.forEach((c, i) => {
		// Two alerts with one name and labels: promtool reports duplicate rules, Alertmanager sees one.
		if (collections.has(c)) issue(['backups', 'collections', i], `"${c}" is listed twice`);
		collections.add(c);
	});

	for (const cycle of dependencyCycles(cfg.services)) {
		const names = cycle.map((i) => cfg.services[i].name);
		const last = cycle[cycle.length - 2];
		const closing = cfg.services[last].dependsOn.indexOf(names[names.length - 1]);
		issue(
			['services', last, 'dependsOn', closing],
			`dependency cycle ${names.join(' → ')}: when they are all down, each one's down alert inhibits the alerts of the one that depends on it, so Alertmanager pages nobody; remove one edge`,
		);
	}

	// docker-compose: the Pushgateway and n8n services are named after their hosts.
	const hosts: [Path, string][] = [
		[['pushgateway', 'address'], cfg.pushgateway.address.split(':')[0]],
		[['n8n', 'address'], cfg.n8n.address.split(':')[0]],
	];
	for (const [path, host] of hosts) {
		if ((STACK_SERVICES as readonly string[]).includes(host)) {
			issue(path, `host "${host}" is a service docker-compose.observability.yml already defines; use another host name`);
		}
	}
	if (hosts[0][1] === hosts[1][1]) issue(['n8n', 'address'], `same host as pushgateway.address ("${hosts[0][1]}"); they are two compose services`);
	const ports: [Path, string, number][] = [
		...Object.entries(PUBLISHED_PORTS).map(([service, port]) => [[], service, port] as [Path, string, number]),
		[['pushgateway', 'address'], 'the Pushgateway', Number(cfg.pushgateway.address.split(':')[1])],
		[['n8n', 'address'], 'n8n', Number(cfg.n8n.address.split(':')[1])],
	];
	ports.forEach(([path, , port], k) => {
		if (path.length === 0) return;
		const earlier = ports.slice(0, k).find(([, , p]) => p === port);
		if (earlier) issue(path, `port ${port} is already published on 127.0.0.1 by ${earlier[1]} in docker-compose.observability.yml; use another port`);
	});

	// Secret files: compose mounts each from ./secrets/<file name>, so two with one name would be one file.
	const { slack, pagerduty, heartbeat } = cfg.alerting.receivers;
	const secrets: [Path, string][] = [
		[['alerting', 'receivers', 'slack', 'apiUrlFile'], slack.apiUrlFile],
		[['alerting', 'receivers', 'pagerduty', 'routingKeyFile'], pagerduty.routingKeyFile],
		...(heartbeat?.basicAuth
			? [[['alerting', 'receivers', 'heartbeat', 'basicAuth', 'passwordFile'], heartbeat.basicAuth.passwordFile] as [Path, string]]
			: []),
	];
	const byName = new Map<string, string>(FIXED_SECRET_FILES.map((f) => [f, `the generated ${f} secret`]));
	for (const [path, file] of secrets) {
		const name = posix.basename(file);
		const other = byName.get(name);
		if (other) {
			issue(path, `file name "${name}" is also used by ${other}; compose reads every secret from ./secrets/<file name>, so give each a distinct name`);
		} else byName.set(name, path.join('.'));
	}
}
