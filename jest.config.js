// Two projects: `unit` (fast, real HTTP servers and Debian binaries on
// 127.0.0.1) and `e2e` (the real n8n test bed under Node 24; slow).
const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
module.exports = {
	// Tests drive real servers and binaries; on a loaded 2-core machine the 5 s default is too tight.
	testTimeout: 60_000,
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
	],
};
