/**
 * The example ingestion API as its own process, for tests that need a second
 * process on the same SQLite file (the uniqueness must come from the
 * database, not from one process's event loop):
 *   node --import tsx testbed/stack/ingestionApiProcess.ts <dataPath> <port>
 * answers GET /healthz once ready (testbed/processes.ts waits for it) and stops on SIGTERM.
 */
import { startIngestionApi } from './ingestionApi';

void (async () => {
	const api = await startIngestionApi({ dataPath: process.argv[2], port: Number(process.argv[3]) });
	console.log(`listening ${api.url}`);
	process.once('SIGTERM', () => void api.stop().then(() => process.exit(0)));
})();
