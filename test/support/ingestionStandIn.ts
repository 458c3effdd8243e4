/**
 * The ingestion API of the tests: the example service itself
 * (examples/stack/ingestionApi.ts, SQLite-backed, honouring Idempotency-Key),
 * started without a manifest directory, in memory, on an ephemeral port of
 * 127.0.0.1. Kept as the tests' entry point so they read the same as before;
 * its hooks (`behave`, `finish`, `starts`, `conflicts`, `replays`,
 * `statusRequests`) are the service's.
 */
import { startIngestionApi, type IngestionApi, type IngestionApiOptions, type SourceBehaviour } from '../../examples/stack/ingestionApi';

export type { Outcome, SourceBehaviour, StartRequest } from '../../examples/stack/ingestionApi';
export type IngestionStandIn = IngestionApi;

export async function startIngestionStandIn(
	defaultBehaviour: SourceBehaviour = { outcome: 'succeed' },
	options: Omit<IngestionApiOptions, 'defaultBehaviour'> = {},
): Promise<IngestionStandIn> {
	return startIngestionApi({ ...options, defaultBehaviour });
}
