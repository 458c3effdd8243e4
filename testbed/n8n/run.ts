// A workflow run as n8n records it (IRun: `data.resultData.runData`), with
// accessors for what tests assert: each node's items per output and the time
// n8n measured for the node.

export interface NodeItem {
	json: Record<string, unknown>;
	binary?: Record<string, unknown>;
	pairedItem?: unknown;
	error?: unknown;
}

interface TaskData {
	executionTime: number;
	executionStatus?: string;
	startTime?: number;
	data?: { main?: Array<NodeItem[] | null> };
	error?: { message?: string; description?: string; [key: string]: unknown };
}

export interface RawRun {
	finished?: boolean;
	status?: string;
	mode?: string;
	data: {
		resultData: {
			runData: Record<string, TaskData[]>;
			lastNodeExecuted?: string;
			error?: { message?: string; description?: string; node?: { name?: string }; [key: string]: unknown };
		};
	};
	[key: string]: unknown;
}

export class WorkflowRun {
	constructor(
		readonly raw: RawRun,
		/** The CLI's output (or empty for runs read back from the server). */
		readonly log = '',
	) {}

	/** n8n's status for the run (`success`, `error`, …). */
	get status(): string | undefined {
		return this.raw.status;
	}

	/** The workflow-level error (a node failed without "continue on fail"), if any. */
	get error() {
		return this.raw.data.resultData.error;
	}

	/** Names of the nodes that ran, in execution order of their first run. */
	get nodesRun(): string[] {
		return Object.keys(this.raw.data.resultData.runData);
	}

	private task(node: string, run = 0): TaskData {
		const runs = this.raw.data.resultData.runData[node];
		if (!runs) {
			throw new Error(`Node "${node}" did not run; nodes that ran: ${this.nodesRun.join(', ') || '(none)'}`);
		}
		if (!runs[run]) throw new Error(`Node "${node}" ran ${runs.length} time(s); run ${run} does not exist`);
		return runs[run];
	}

	/** Items per output of a node (`runData[node][run].data.main`); an output that got nothing is `[]`. */
	outputs(node: string, run = 0): NodeItem[][] {
		return (this.task(node, run).data?.main ?? []).map((items) => items ?? []);
	}

	/** Items on one output of a node (output 0 by default). */
	items(node: string, output = 0, run = 0): NodeItem[] {
		return this.outputs(node, run)[output] ?? [];
	}

	/** Just the `json` of the items on one output. */
	json(node: string, output = 0, run = 0): Array<Record<string, unknown>> {
		return this.items(node, output, run).map((item) => item.json);
	}

	/** Milliseconds n8n measured for the node's run. */
	executionTime(node: string, run = 0): number {
		return this.task(node, run).executionTime;
	}

	/** The node's error when it failed (n8n stores it on the task). */
	nodeError(node: string, run = 0) {
		return this.task(node, run).error;
	}
}

/**
 * Extracts the run from `n8n execute --rawOutput` output. n8n prints log lines
 * first, then `JSON.stringify(run, null, 2)` — which starts with a line `{` and
 * ends with a line `}`. On a failed run it logs the same JSON before the error.
 */
export function parseCliRun(output: string): RawRun | undefined {
	const lines = output.split('\n').map((l) => l.trimEnd());
	const starts = lines.flatMap((l, i) => (l === '{' ? [i] : []));
	const ends = lines.flatMap((l, i) => (l === '}' ? [i] : [])).reverse();
	let attempts = 0;
	for (const start of starts) {
		for (const end of ends) {
			if (end <= start || ++attempts > 100) break;
			try {
				const parsed = JSON.parse(lines.slice(start, end + 1).join('\n'));
				if (parsed?.data?.resultData) return parsed as RawRun;
			} catch {
				// a log line that happens to be a lone brace: keep looking
			}
		}
	}
	return undefined;
}
