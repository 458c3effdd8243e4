/**
 * `npm run demo [-- --config FILE]`: the whole thing, locally, on 127.0.0.1.
 *
 * Starts the example RAG stack (testbed/stack: RAG API with a little query
 * traffic, ingestion API writing the freshness manifest, Qdrant snapshot-API
 * stand-in), a Pushgateway, n8n with this package installed and the
 * workflows from workflows/ imported (hosts and credentials pointed at the
 * local stack) and published, Prometheus, Alertmanager and the blackbox
 * exporter with the configs `npm run gen` makes from examples/demo.config.yaml,
 * and a local receiver standing in for Slack and PagerDuty that prints every
 * notification. Prints the URLs; Ctrl-C (or SIGTERM) stops everything, by PID.
 *
 * Needs the cached n8n (`npm run setup`) and the Debian Prometheus binaries
 * (docs/demo.md). Ports: free ones, or DEMO_PORT_BASE=N for N, N+1, … .
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { freePort, startAlertmanager, startBlackboxExporter, startPrometheus, writeObservabilityConfig } from '../testbed/observability';
import { createCheckedTestBed } from '../testbed/n8n/checkedBed';
import { startExampleStack } from '../testbed/stack/stack';
import { dropUnservedHealthTargets, EXTERNAL_NODE_TYPES, localiseWorkflow, shippedWorkflows, type Workflow } from '../testbed/stack/workflows';
import { receiverNode, startAlertReceiver, type ExportedNode } from '../testbed/alertReceiver';
import { startPushgateway } from '../testbed/pushgatewayServer';
import { CANARY_FILE, LOOP_FILES, runLoop, withLoopStart } from './demoLoop';

const ROOT = resolve(__dirname, '..');
const QDRANT_KEY = 'demo-qdrant-key';
const WEBHOOK_SECRET = 'demo-webhook-secret';

function configArg(argv: string[]): string {
	const i = argv.indexOf('--config');
	return resolve(i >= 0 && argv[i + 1] ? argv[i + 1] : join(ROOT, 'examples/demo.config.yaml'));
}

let nextBase = Number(process.env.DEMO_PORT_BASE ?? 0);
/** DEMO_PORT_BASE gives predictable ports for bookmarks; otherwise the OS picks free ones. */
const port = async () => (nextBase > 0 ? nextBase++ : await freePort());

const log = (line: string) => console.log(`[demo] ${line}`);

async function main(): Promise<void> {
	const configFile = configArg(process.argv.slice(2));
	const stops: Array<[string, () => Promise<void> | void]> = [];
	let stopping = false;
	const stopAll = async (code: number) => {
		if (stopping) return;
		stopping = true;
		log('stopping everything ...');
		for (const [name, stop] of stops.reverse()) {
			try {
				await stop();
				log(`stopped ${name}`);
			} catch (error) {
				console.error(`[demo] stopping ${name} failed: ${(error as Error).message}`);
			}
		}
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));

	try {
		const receiver = await startAlertReceiver();
		stops.push(['alert receiver', () => receiver.stop()]);
		// Print notifications as they arrive: this is the demo's "Slack channel".
		let seen = 0;
		const printer = setInterval(() => {
			for (const r of receiver.requests.slice(seen)) {
				const note = receiver.notifications().find((n) => n.at === r.at && n.raw === r.body);
				const text = r.path === '/n8n-slack' ? (r.body as { text?: string } | undefined)?.text : undefined;
				log(note ? `notification → ${note.receiver}: ${note.status.toUpperCase()} ${note.alertname} (${note.severity}) on ${note.service}` : text ? `Slack (from n8n) → ${text}` : `request to receiver ${r.path}`);
			}
			seen = receiver.requests.length;
		}, 1000);
		stops.push(['notification printer', () => clearInterval(printer)]);

		const stack = await startExampleStack({ ragApiPort: await port(), ingestionPort: await port(), qdrantApiKey: QDRANT_KEY, ragApi: { sloThreshold: 1, defaultMetrics: true } });
		stops.push(['example stack', () => stack.stop()]);
		// A trickle of queries so the RAG API dashboards and SLO rules have data.
		const traffic = setInterval(() => {
			fetch(`${stack.urls.ragApi}/query`, { method: 'POST', body: '{"question":"is the demo up?"}' }).catch(() => undefined);
		}, 2000);
		stops.push(['query traffic', () => clearInterval(traffic)]);
		// One successful ingestion so the manifest exists from the start.
		const run = (await (await fetch(`${stack.urls.ingestion}/runs`, { method: 'POST', body: '{"source":"docs"}' })).json()) as { run_id: string };
		for (let i = 0; i < 3; i++) await fetch(`${stack.urls.ingestion}/runs/${run.run_id}`);

		const pgw = await startPushgateway();
		stops.push(['pushgateway', () => pgw.stop()]);

		const bed = await createCheckedTestBed();
		stops.push(['n8n', () => bed.dispose()]);
		const workflows = shippedWorkflows();
		const toPublish: Array<{ file: string; local: Workflow; dropped: string[]; external: string[] }> = [];
		if (workflows.length === 0) {
			log('workflows/ is empty: n8n starts with the package installed but no workflows (add them and run the demo again)');
		} else {
			const [pgwId, qdrantId, secretId] = await bed.importCredentials([
				{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pgw.url } },
				{ name: 'RagOps Qdrant', type: 'ragOpsQdrantApi', data: { url: stack.urls.qdrant, apiKey: QDRANT_KEY } },
				{ name: 'RagOps GitHub Webhook Secret', type: 'ragOpsWebhookSecretApi', data: { secret: WEBHOOK_SECRET } },
			]);
			// n8n 2.40 refuses to publish a workflow with a node whose credential is not set, so the SaaS
			// nodes get placeholders under the names the workflows use. They fail when they run (no such
			// account, no network): the demo's notifications come from Alertmanager instead.
			const placeholders = [
				{ name: 'RagOps Slack', type: 'slackApi', data: { accessToken: 'xoxb-demo-placeholder' } },
				{ name: 'RagOps PagerDuty', type: 'pagerDutyApi', data: { apiToken: 'demo-placeholder' } },
				{ name: 'RagOps S3 Backups', type: 'aws', data: { region: 'us-east-1', accessKeyId: 'DEMOPLACEHOLDER', secretAccessKey: 'demo-placeholder' } },
			];
			const placeholderIds = await bed.importCredentials(placeholders);
			const hosts = {
				'rag-api:8000': new URL(stack.urls.ragApi).host,
				'ingestion:8200': new URL(stack.urls.ingestion).host,
				'qdrant:6333': new URL(stack.urls.qdrant).host,
				// Restore Snapshot's "Qdrant's Own URL": where Qdrant fetches its own snapshot from.
				'localhost:6333': new URL(stack.urls.qdrant).host,
			};
			const credentials = {
				ragOpsPushgatewayApi: { id: pgwId!, name: 'RagOps Pushgateway' },
				ragOpsQdrantApi: { id: qdrantId!, name: 'RagOps Qdrant' },
				ragOpsWebhookSecretApi: { id: secretId!, name: 'RagOps GitHub Webhook Secret' },
				...Object.fromEntries(placeholders.map((c, i) => [c.type, { id: placeholderIds[i]!, name: c.name }])),
			};
			// One import for all (each n8n CLI call costs seconds); publishing happens in the running server below.
			const prepared = workflows.map(({ file, workflow }) => {
				// The loop's workflows post their Slack messages to the local receiver, which prints them. The
				// gated nightly ingestion keeps its schedule off (the loop below starts it); the canary keeps its
				// 15 m schedule, the period the demo config's retrieval rules expect (RagRetrievalCanaryStale after 30 m).
				const loop = LOOP_FILES.includes(file);
				const local = localiseWorkflow(workflow, hosts, credentials, { enableTriggers: !loop || file === CANARY_FILE });
				if (loop) {
					local.nodes = local.nodes.map((n) =>
						n.type === 'n8n-nodes-base.slack' ? (receiverNode(n as ExportedNode, `${receiver.url}/n8n-slack`, { text: (n.parameters as { text: string }).text }) as typeof n) : n,
					);
					withLoopStart(local);
				}
				const dropped = dropUnservedHealthTargets(local);
				const external = [...new Set(local.nodes.filter((n) => EXTERNAL_NODE_TYPES.includes(n.type)).map((n) => n.type.split('.')[1]))];
				return { file, local, dropped, external };
			});
			await bed.importWorkflow(prepared.map((p) => p.local));
			toPublish.push(...prepared);
		}
		const n8n = await bed.startServer();
		// Sets up the owner account, so the editor login below works at once.
		await n8n.rest('GET', '/workflows');
		for (const { file, local, dropped, external } of toPublish) {
			try {
				await n8n.activateWorkflow(String(local.id));
				log(`workflow ${file}: imported and published${dropped.length ? `; targets the demo does not run left out: ${dropped.join(', ')}` : ''}${external.length ? `; its ${external.join(', ')} nodes have placeholder credentials (set yours)` : ''}`);
			} catch (error) {
				const text = (error as Error).message;
				const reason = /"message":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]?.replace(/\\n/g, ' ') ?? text.split('\n')[0];
				log(`workflow ${file}: imported, not published: ${reason.slice(0, 300)}`);
			}
		}

		const dir = mkdtempSync(join(tmpdir(), 'ragops-demo-'));
		stops.unshift(['temp dir', () => rmSync(dir, { recursive: true, force: true })]);
		const [promPort, amPort, bbPort] = [await port(), await port(), await port()];
		const config = writeObservabilityConfig(
			configFile,
			dir,
			{
				jobs: {
					prometheus: `127.0.0.1:${promPort}`,
					alertmanager: `127.0.0.1:${amPort}`,
					blackbox: `127.0.0.1:${bbPort}`,
					pushgateway: new URL(pgw.url).host,
					n8n: new URL(n8n.baseUrl).host,
					'rag-api': new URL(stack.urls.ragApi).host,
					ingestion: new URL(stack.urls.ingestion).host,
					qdrant: new URL(stack.urls.qdrant).host,
				},
				alertmanager: `127.0.0.1:${amPort}`,
			},
			receiver.url,
		);
		const blackbox = await startBlackboxExporter(config, bbPort);
		stops.push(['blackbox exporter', () => blackbox.stop()]);
		const alertmanager = await startAlertmanager(config, amPort);
		stops.push(['alertmanager', () => alertmanager.stop()]);
		const prometheus = await startPrometheus(config, promPort);
		stops.push(['prometheus', () => prometheus.stop()]);

		console.log(`
RagOps demo is running (config ${configFile}):
  n8n editor        ${n8n.baseUrl}   (login owner@ragops.test / Testbed-Passw0rd)
  n8n metrics       ${n8n.baseUrl}/metrics
  RAG API           ${stack.urls.ragApi}/query   health ${stack.urls.ragApiHealth}   metrics ${stack.urls.ragApiMetrics}
  ingestion API     ${stack.urls.ingestion}/runs   manifest ${stack.urls.manifest}
  Qdrant stand-in   ${stack.urls.qdrant}   (api-key: ${QDRANT_KEY})
  Pushgateway       ${pgw.url}
  Prometheus        ${prometheus.url}   (alerts: ${prometheus.url}/alerts)
  Alertmanager      ${alertmanager.url}
  blackbox exporter ${blackbox.url}
  Slack/PagerDuty   ${receiver.url}   (notifications are printed below)
  generated configs ${dir}${config.dropped.length ? `   (scrape jobs without a local process: ${config.dropped.join(', ')})` : ''}
Ctrl-C stops everything.
`);
		if (!process.argv.includes('--no-loop')) await runLoop({ n8n, stack, log });
	} catch (error) {
		console.error(`[demo] failed to start: ${(error as Error).stack ?? error}`);
		await stopAll(1);
	}
}

void main();
