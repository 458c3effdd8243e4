/** n8n: the process that runs the RagOps workflows, and whether those workflows keep pushing. */
import type { RagopsConfig } from '../../config/schema';
import { PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { renderDashboard, statPanel, timeseriesPanel } from '../panels';
import { promqlString } from '../../escape';
import { DASHBOARD_UIDS } from '../uids';

export function n8nDashboard(cfg: RagopsConfig): string {
	const pushJobs = Object.values(PUSH_JOBS).join('|');
	return renderDashboard({
		uid: DASHBOARD_UIDS.n8n,
		title: `RagOps / n8n workflows (${cfg.project})`,
		description: `n8n at ${cfg.n8n.address} (/metrics with N8N_METRICS=true) and the pushes of the RagOps workflows.`,
		tags: ['n8n'],
		datasources: ['prometheus'],
		rows: [
			{
				title: 'n8n',
				panels: [
					statPanel(
						{ title: 'Active workflows', description: 'Workflows n8n has active (published).', unit: 'short', w: 6, h: 5 },
						[{ expr: 'sum(n8n_active_workflow_count)', legend: 'active' }],
					),
					statPanel(
						{ title: 'n8n version', description: 'Version n8n reports (n8n_version_info).', unit: 'none', w: 6, h: 5 },
						[{ expr: 'max by (version) (n8n_version_info)', legend: '{{version}}' }],
					),
					statPanel(
						{ title: 'Uptime', description: 'Time since the n8n process started.', unit: 's', w: 12, h: 5 },
						[{ expr: 'time() - max(n8n_process_start_time_seconds)', legend: 'uptime' }],
					),
					timeseriesPanel(
						{ title: 'CPU', description: 'CPU time n8n uses per second (1 = one core).', unit: 'percentunit', w: 8, h: 8 },
						[{ expr: 'sum(rate(n8n_process_cpu_seconds_total[$__rate_interval]))', legend: 'cpu' }],
					),
					timeseriesPanel(
						{ title: 'Memory', description: 'Resident memory and used V8 heap of the n8n process.', unit: 'bytes', w: 8, h: 8 },
						[
							{ expr: 'max(n8n_process_resident_memory_bytes)', legend: 'resident' },
							{ expr: 'max(n8n_nodejs_heap_size_used_bytes)', legend: 'heap used' },
						],
					),
					timeseriesPanel(
						{
							title: 'Event loop lag',
							description: 'Node.js event loop lag of n8n; sustained lag delays every workflow, including the watchers.',
							unit: 's',
							w: 8,
							h: 8,
						},
						[{ expr: 'max(n8n_nodejs_eventloop_lag_seconds)', legend: 'lag' }],
					),
				],
			},
			{
				title: 'RagOps workflow pushes',
				panels: [
					timeseriesPanel(
						{
							title: 'Age of the last push per workflow and target',
							description: `Seconds since each RagOps node last pushed to the Pushgateway (push_time_seconds). Health pushes older than ${cfg.healthChecks.staleAfter} mean n8n stopped watching.`,
							unit: 's',
							w: 24,
							h: 8,
						},
						[{ expr: `time() - max by (job, target) (push_time_seconds{job=~${promqlString(pushJobs)}})`, legend: '{{job}} {{target}}' }],
					),
				],
			},
		],
	});
}
