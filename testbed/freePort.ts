import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1: the OS picks it, the caller binds it right
 * after. The one copy for tests, benchmarks and the demo.
 */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.unref();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}
