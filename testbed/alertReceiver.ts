/**
 * A local webhook receiver standing in for Slack, PagerDuty, the heartbeat
 * (dead man's switch) and the HTTP Request node of an n8n workflow: it
 * records every request it gets, with its arrival time, and answers 200 like
 * the real services do (Slack answers "ok"; PagerDuty Events v2 answers 202
 * `{status: "success", dedup_key}`).
 *
 * Paths: `/slack` (the generated Alertmanager config's slack_configs, via
 * api_url_file), `/pagerduty` (pagerduty_configs `url`), `/heartbeat`
 * (the Watchdog's webhook), anything else (e.g. `/n8n` for workflow messages).
 *
 * Alertmanager notifications are parsed into {status, alertname, severity,
 * service} from the generated template's title
 * (`[FIRING:1] RagHealthTargetDown (critical) on rag-api`): the title is the
 * one place both Slack's and PagerDuty's payloads carry the group's labels.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
	path: string;
	/** ms since the epoch when the body was complete. */
	at: number;
	body: unknown;
}

export interface AlertNotification {
	receiver: 'slack' | 'pagerduty';
	status: 'firing' | 'resolved';
	alertname: string;
	severity: string;
	service: string;
	at: number;
	/** PagerDuty's event_action (trigger/resolve); undefined for Slack. */
	eventAction?: string;
	raw: unknown;
}

export interface AlertReceiver {
	readonly url: string;
	readonly requests: readonly ReceivedRequest[];
	/** Requests to one path (e.g. '/n8n'). */
	on(path: string): ReceivedRequest[];
	/** Every Slack and PagerDuty notification, parsed. */
	notifications(): AlertNotification[];
	/** Resolves with the first notification matching `match` (already received or arriving later). */
	waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T>;
	stop(): Promise<void>;
}

const TITLE = /^\[(FIRING|RESOLVED)(?::\d+)?\] (\S+) \((\w*)\) on (\S*)/;

function parse(req: ReceivedRequest): AlertNotification | undefined {
	const body = req.body as Record<string, unknown> | undefined;
	if (!body || typeof body !== 'object') return undefined;
	let title: string | undefined;
	let receiver: AlertNotification['receiver'];
	let eventAction: string | undefined;
	if (req.path === '/slack') {
		receiver = 'slack';
		const attachments = body.attachments as Array<{ title?: string }> | undefined;
		title = attachments?.[0]?.title;
	} else if (req.path === '/pagerduty') {
		receiver = 'pagerduty';
		eventAction = body.event_action as string | undefined;
		title = (body.payload as { summary?: string } | undefined)?.summary;
	} else return undefined;
	const m = title ? TITLE.exec(title) : null;
	if (!m) return undefined;
	return {
		receiver,
		status: m[1] === 'FIRING' ? 'firing' : 'resolved',
		alertname: m[2],
		severity: m[3],
		service: m[4],
		at: req.at,
		eventAction,
		raw: body,
	};
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
	const requests: ReceivedRequest[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body: unknown = text;
			try {
				body = text ? JSON.parse(text) : undefined;
			} catch {
				// keep the raw text
			}
			const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
			requests.push({ path, at: Date.now(), body });
			if (path === '/pagerduty') {
				res.writeHead(202, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: (body as { dedup_key?: string })?.dedup_key }));
			} else {
				res.writeHead(200, { 'content-type': 'text/plain' });
				res.end('ok');
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		requests,
		on: (path) => requests.filter((r) => r.path === path),
		notifications: () => requests.map(parse).filter((n): n is AlertNotification => n !== undefined),
		waitFor: async (find, what, timeoutMs) => {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const found = find();
				if (found !== undefined) return found;
				if (Date.now() > deadline) throw new Error(`alert receiver: no ${what} within ${timeoutMs} ms; got ${requests.length} requests: ${JSON.stringify(requests.map((r) => r.path))}`);
				await new Promise((r) => setTimeout(r, 200));
			}
		},
		stop: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** A workflow node as exported JSON (enough for {@link receiverNode}). */
export interface ExportedNode {
	id?: string;
	name: string;
	type: string;
	typeVersion?: number;
	position: unknown;
	parameters: Record<string, unknown>;
	credentials?: unknown;
}

/**
 * Replaces a SaaS node of an exported workflow (Slack, PagerDuty, ...) with an
 * n8n HTTP Request node that POSTs `{ node, ...fields }` to `url` (a receiver
 * path): the workflow runs unchanged otherwise, and the test counts messages.
 */
export function receiverNode(node: ExportedNode, url: string, fields: Record<string, unknown>): ExportedNode {
	return {
		id: node.id,
		name: node.name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: node.position,
		parameters: {
			method: 'POST',
			url,
			sendBody: true,
			contentType: 'json',
			specifyBody: 'keypair',
			bodyParameters: {
				parameters: [
					{ name: 'node', value: node.name },
					...Object.entries(fields).map(([name, value]) => ({ name, value: String(value ?? '') })),
				],
			},
			options: {},
		},
	};
}
