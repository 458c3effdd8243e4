/**
 * Summaries of a simulation, per scenario over every alignment tried: the
 * table docs/alerting.md shows (printed by `npm run incidents`).
 */
import type { ScenarioReport } from './simulate';

export interface ScenarioSummary {
	scenario: string;
	what: string;
	alignments: number;
	/** New notifications per receiver (min–max over alignments). */
	pagerduty: [number, number];
	slack: [number, number];
	alerts: string[];
	/** Seconds from the fault to the first notification (min–max), if any. */
	first?: [number, number];
	bound?: number;
	boundText?: string;
	afterRecovery: number;
	heartbeatMaxGap?: number;
	lastHeartbeatAfterDeath?: number;
}

const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

export function summarise(report: ScenarioReport): ScenarioSummary {
	const s = report.scenario;
	const o = report.outcomes;
	const firsts = o.map((x) => x.firstAfter).filter((x): x is number => x !== undefined);
	const beats = o.map((x) => x.notifications.filter((n) => n.receiver === 'heartbeat').map((n) => n.at));
	const gaps = beats.flatMap((b) => b.slice(1).map((t, i) => t - b[i]));
	return {
		scenario: s.name,
		what: s.what,
		alignments: o.length,
		pagerduty: range(o.map((x) => x.newBy.pagerduty ?? 0)),
		slack: range(o.map((x) => x.newBy.slack ?? 0)),
		alerts: [...new Set(o.flatMap((x) => x.notifications.filter((n) => n.kind === 'new' && n.receiver !== 'heartbeat').flatMap((n) => n.alertnames)))].sort(),
		first: firsts.length > 0 ? range(firsts) : undefined,
		bound: s.bound,
		boundText: s.boundText,
		afterRecovery: Math.max(...o.map((x) => x.afterRecovery.length)),
		heartbeatMaxGap: gaps.length > 0 ? Math.max(...gaps) : undefined,
		lastHeartbeatAfterDeath:
			s.prometheusDiesAt === undefined ? undefined : Math.max(...beats.map((b) => (b.length ? b[b.length - 1] : 0) - s.prometheusDiesAt!)),
	};
}

const span = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}–${b}`);
const mmss = (sec: number) => `${Math.floor(sec / 60)}m${String(Math.round(sec % 60)).padStart(2, '0')}s`;

export function markdownTable(reports: ScenarioReport[]): string {
	const rows = reports.map(summarise).map((x) => {
		const who =
			x.pagerduty[1] > 0 ? `PagerDuty page (${x.alerts.join(', ')})` : x.slack[1] > 0 ? `Slack warning (${x.alerts.join(', ')})` : 'nobody';
		const when = x.first ? `${mmss(x.first[0])}–${mmss(x.first[1])}${x.bound ? ` (bound ${mmss(x.bound)})` : ''}` : '—';
		const extra =
			x.heartbeatMaxGap !== undefined && x.lastHeartbeatAfterDeath !== undefined
				? `heartbeat every ≤ ${mmss(x.heartbeatMaxGap)}, last ${mmss(x.lastHeartbeatAfterDeath)} after Prometheus died`
				: '';
		return `| ${x.scenario} | ${x.what} | ${who} | ${span(x.pagerduty)} | ${span(x.slack)} | ${when} | ${x.afterRecovery} | ${x.alignments} | ${extra} |`;
	});
	return [
		'| scenario | fault | who is notified, how | pages | Slack messages | fault → first notification | after recovery | alignments | |',
		'|---|---|---|---|---|---|---|---|---|',
		...rows,
	].join('\n');
}

/** Every way an outcome breaks the promise (one page or one warning as the severity says, in time, none after recovery). */
export function violations(reports: ScenarioReport[]): string[] {
	const out: string[] = [];
	for (const r of reports) {
		const s = r.scenario;
		for (const o of r.outcomes) {
			const where = `${s.name} (variant ${o.variant}, alignment ${o.alignment})`;
			const got = { pagerduty: o.newBy.pagerduty ?? 0, slack: o.newBy.slack ?? 0 };
			if (got.pagerduty !== s.expect.pagerduty || got.slack !== s.expect.slack) out.push(`${where}: ${JSON.stringify(got)}, expected ${JSON.stringify(s.expect)}`);
			if (o.pages !== s.expect.pagerduty) out.push(`${where}: ${o.pages} PagerDuty incidents opened, expected ${s.expect.pagerduty}`);
			for (const n of o.afterRecovery) out.push(`${where}: ${n.receiver} ${n.alertnames.join(',')} after recovery`);
			if (s.bound !== undefined && !(o.firstAfter !== undefined && o.firstAfter <= s.bound)) out.push(`${where}: first notification ${o.firstAfter ?? 'never'} s, bound ${s.bound} s`);
		}
	}
	return out;
}
