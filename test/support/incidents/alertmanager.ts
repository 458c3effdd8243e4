/**
 * Replays an alert timeline through an alertmanager.yml: routing, inhibition,
 * grouping and the group_wait / group_interval / repeat_interval timers, and
 * records every notification each receiver would get. It follows Alertmanager
 * 0.25's documented behaviour and its dispatcher/notify code paths:
 *
 * - routing: depth-first, the first matching child wins (no `continue` in the
 *   generated config), children inherit group_by and timers; the result is
 *   cross-checked against `amtool config routes test` (see `routeOf`);
 * - an aggregation group per (route, group_by values) is created by its first
 *   alert; it flushes group_wait later, then every group_interval; an empty
 *   group is dropped by the dispatcher's maintenance every 30 s, so the next
 *   alert starts a new group (and group_wait) again;
 * - a flush drops muted alerts (inhibited: a firing source alert other than the
 *   target, matching source_matchers, with the `equal` labels equal, missing =
 *   empty); when none is left the pipeline stops there; otherwise it notifies
 *   when the dedup stage says so: never notified and
 *   something fires; a firing alert not in the last notification; everything
 *   resolved after a notification with firing alerts; with send_resolved, a new
 *   resolved alert; or the same firing set again after repeat_interval;
 * - resolved alerts are removed from the group after each flush;
 * - a receiver without integrations (`null`) sends nothing; send_resolved:false
 *   drops resolved alerts from what is sent;
 * - PagerDuty (Events v2): Alertmanager's dedup_key is the group key, so a
 *   trigger pages only when no incident is open for that key; a notification
 *   without firing alerts resolves it.
 */
import { parse } from 'yaml';
import { parseDuration } from '../../../gen/duration';
import type { FiringInterval, Labels } from './promtool';

interface Matcher {
	name: string;
	op: '=' | '!=' | '=~' | '!~';
	value: string;
}

function parseMatcher(text: string): Matcher {
	const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
	if (!m) throw new Error(`cannot parse matcher ${text}`);
	let value = m[3];
	if (value.startsWith('"')) value = JSON.parse(value) as string;
	return { name: m[1], op: m[2] as Matcher['op'], value };
}

function matches(m: Matcher, labels: Labels): boolean {
	const v = labels[m.name] ?? '';
	switch (m.op) {
		case '=':
			return v === m.value;
		case '!=':
			return v !== m.value;
		case '=~':
			return new RegExp(`^(?:${m.value})$`).test(v);
		case '!~':
			return !new RegExp(`^(?:${m.value})$`).test(v);
	}
}

interface Route {
	id: string;
	receiver: string;
	matchers: Matcher[];
	groupBy: string[];
	groupWait: number;
	groupInterval: number;
	repeatInterval: number;
	routes: Route[];
}

interface RawRoute {
	receiver?: string;
	matchers?: string[];
	group_by?: string[];
	group_wait?: string;
	group_interval?: string;
	repeat_interval?: string;
	continue?: boolean;
	routes?: RawRoute[];
}

function buildRoute(raw: RawRoute, parent: Route | undefined, id: string): Route {
	const route: Route = {
		id,
		receiver: raw.receiver ?? parent!.receiver,
		matchers: (raw.matchers ?? []).map(parseMatcher),
		groupBy: raw.group_by ?? parent?.groupBy ?? [],
		groupWait: raw.group_wait ? parseDuration(raw.group_wait) : (parent?.groupWait ?? 30),
		groupInterval: raw.group_interval ? parseDuration(raw.group_interval) : (parent?.groupInterval ?? 300),
		repeatInterval: raw.repeat_interval ? parseDuration(raw.repeat_interval) : (parent?.repeatInterval ?? 14400),
		routes: [],
	};
	if (raw.continue) throw new Error('routes with continue: true are not modelled');
	route.routes = (raw.routes ?? []).map((r, i) => buildRoute(r, route, `${id}/${i}`));
	return route;
}

function match(route: Route, labels: Labels): Route | undefined {
	if (!route.matchers.every((m) => matches(m, labels))) return undefined;
	for (const child of route.routes) {
		const hit = match(child, labels);
		if (hit) return hit;
	}
	return route;
}

interface Inhibit {
	source: Matcher[];
	target: Matcher[];
	equal: string[];
}

export interface AlertmanagerModel {
	root: Route;
	inhibits: Inhibit[];
	/** Receiver name → whether it has integrations, and whether they send resolved. */
	receivers: Map<string, { integrations: number; sendResolved: boolean }>;
}

export function loadAlertmanager(yamlText: string): AlertmanagerModel {
	const doc = parse(yamlText) as {
		route: RawRoute;
		inhibit_rules?: { source_matchers: string[]; target_matchers: string[]; equal?: string[] }[];
		receivers: Record<string, unknown>[];
	};
	const receivers = new Map<string, { integrations: number; sendResolved: boolean }>();
	for (const r of doc.receivers) {
		const configs = Object.entries(r).filter(([k]) => k.endsWith('_configs')).flatMap(([k, v]) => (v as Record<string, unknown>[]).map((c) => ({ k, c })));
		// Defaults per integration (Alertmanager docs): webhook/pagerduty/slack send_resolved true, slack false.
		const sendResolved = configs.some(({ k, c }) => (c.send_resolved as boolean | undefined) ?? k !== 'slack_configs');
		receivers.set(String(r.name), { integrations: configs.length, sendResolved });
	}
	return {
		root: buildRoute(doc.route, undefined, 'root'),
		inhibits: (doc.inhibit_rules ?? []).map((r) => ({
			source: r.source_matchers.map(parseMatcher),
			target: r.target_matchers.map(parseMatcher),
			equal: r.equal ?? [],
		})),
		receivers,
	};
}

export function routeOf(model: AlertmanagerModel, labels: Labels): { receiver: string; route: Route } {
	const route = match(model.root, labels) ?? model.root;
	return { receiver: route.receiver, route };
}

/** An alert as Alertmanager holds it: active from `startsAt` until `endsAt` (resolved from then on). */
export interface AmAlert {
	labels: Labels;
	startsAt: number;
	endsAt: number;
}

export interface Notification {
	at: number;
	receiver: string;
	groupKey: string;
	/** new: an alert not in the group's last notification; reminder: the same set after repeat_interval; resolved: nothing fires any more. */
	kind: 'new' | 'reminder' | 'resolved';
	/** For PagerDuty: whether this trigger opened an incident (a page). */
	page: boolean;
	alertnames: string[];
	/** Label sets of the firing alerts sent (empty for a resolved notification). */
	firing: Labels[];
}

export interface ReplayOptions {
	/** Phase (seconds) of the dispatcher's 30 s maintenance that drops empty groups. */
	maintenancePhase: number;
	/** Period of that maintenance (30 s in Alertmanager; longer when replaying a time-scaled run). */
	maintenanceEvery?: number;
	until: number;
}

const key = (l: Labels) => JSON.stringify(Object.entries(l).sort());

function inhibited(model: AlertmanagerModel, target: AmAlert, all: AmAlert[], t: number): boolean {
	return model.inhibits.some(
		(r) =>
			r.target.every((m) => matches(m, target.labels)) &&
			all.some(
				(s) =>
					s !== target &&
					s.startsAt <= t &&
					t < s.endsAt &&
					key(s.labels) !== key(target.labels) &&
					r.source.every((m) => matches(m, s.labels)) &&
					r.equal.every((n) => (s.labels[n] ?? '') === (target.labels[n] ?? '')),
			),
	);
}

/** Alert instances as Alertmanager receives them from the firing intervals (arrival delays per alert). */
export function toAmAlerts(intervals: FiringInterval[], delay: (labels: Labels) => number, forever: number): AmAlert[] {
	return intervals.map((iv) => ({
		labels: iv.labels,
		startsAt: iv.start + delay(iv.labels),
		endsAt: iv.end === undefined ? forever : iv.end + delay(iv.labels),
	}));
}

export function replay(model: AlertmanagerModel, alerts: AmAlert[], opts: ReplayOptions): Notification[] {
	interface Group {
		key: string;
		route: Route;
		alerts: AmAlert[];
		nextFlush: number;
		log?: { firing: Set<string>; resolved: Set<string>; at: number };
		incidentOpen: boolean;
	}
	const groups = new Map<string, Group>();
	const logs = new Map<string, Group['log']>();
	const incidents = new Map<string, boolean>();
	const out: Notification[] = [];
	const arrivals = [...alerts].sort((a, b) => a.startsAt - b.startsAt);
	let next = 0;
	// Event-driven: arrivals, flushes and maintenance ticks, in time order.
	let t = 0;
	const tick = opts.maintenanceEvery ?? 30;
	let nextMaintenance = opts.maintenancePhase;
	while (t <= opts.until) {
		const nextArrival = next < arrivals.length ? arrivals[next].startsAt : Infinity;
		const nextFlush = Math.min(Infinity, ...[...groups.values()].map((g) => g.nextFlush));
		t = Math.min(nextArrival, nextFlush, nextMaintenance);
		if (t > opts.until) break;
		if (t === nextArrival) {
			const a = arrivals[next++];
			const { route } = routeOf(model, a.labels);
			const gk = `${route.id}:${JSON.stringify(route.groupBy.map((n) => a.labels[n] ?? ''))}`;
			let g = groups.get(gk);
			if (!g) {
				g = { key: gk, route, alerts: [], nextFlush: t + route.groupWait, log: logs.get(gk), incidentOpen: incidents.get(gk) ?? false };
				groups.set(gk, g);
			}
			g.alerts.push(a);
			continue;
		}
		if (t === nextFlush) {
			for (const g of groups.values()) {
				if (g.nextFlush !== t) continue;
				g.nextFlush = t + g.route.groupInterval;
				flush(g, t);
			}
			continue;
		}
		nextMaintenance += tick;
		for (const [gk, g] of groups) if (g.alerts.length === 0) groups.delete(gk);
	}
	return out;

	function flush(g: Group, now: number): void {
		const receiver = model.receivers.get(g.route.receiver);
		const visible = g.alerts.filter((a) => !inhibited(model, a, alerts, now));
		// The mute stage leaves nothing: the pipeline stops before dedup (no notification, no log entry).
		if (visible.length === 0) {
			g.alerts = g.alerts.filter((a) => now < a.endsAt);
			return;
		}
		const firing = visible.filter((a) => now < a.endsAt);
		const resolved = visible.filter((a) => now >= a.endsAt);
		const firingKeys = new Set(firing.map((a) => key(a.labels)));
		const resolvedKeys = new Set(resolved.map((a) => key(a.labels)));
		const entry = logs.get(g.key);
		const sendResolved = receiver?.sendResolved ?? false;
		let needs: boolean;
		let kind: Notification['kind'] = 'new';
		if (!entry) needs = firing.length > 0;
		else if (![...firingKeys].every((k) => entry.firing.has(k))) needs = true;
		else if (firing.length === 0) {
			needs = entry.firing.size > 0;
			kind = 'resolved';
		} else if (sendResolved && ![...resolvedKeys].every((k) => entry.resolved.has(k))) {
			needs = true;
			kind = 'reminder';
		} else {
			needs = entry.at <= now - g.route.repeatInterval;
			kind = 'reminder';
		}
		if (needs && firing.length > 0 && entry && [...firingKeys].some((k) => !entry.firing.has(k))) kind = 'new';
		if (needs && firing.length > 0 && !entry) kind = 'new';
		if (needs) {
			logs.set(g.key, { firing: firingKeys, resolved: sendResolved ? resolvedKeys : new Set(), at: now });
			const sends = receiver && receiver.integrations > 0 && (firing.length > 0 || sendResolved);
			if (sends) {
				const page = firing.length > 0 && !(incidents.get(g.key) ?? false);
				incidents.set(g.key, firing.length > 0);
				out.push({
					at: now,
					receiver: g.route.receiver,
					groupKey: g.key,
					kind: firing.length > 0 ? kind : 'resolved',
					page,
					alertnames: [...new Set((firing.length > 0 ? firing : resolved).map((a) => a.labels.alertname))].sort(),
					firing: firing.map((a) => a.labels),
				});
			}
		}
		// Resolved alerts leave the group once a flush has handled them.
		g.alerts = g.alerts.filter((a) => now < a.endsAt);
	}
}
