// Lint = the rules n8n's verification scanner (@n8n/scan-community-package)
// applies to nodes/, credentials/ and package.json, kept identical to its
// buildScanConfig(), plus typescript-eslint's recommended set for the dev-time
// code (generators, tests, scripts). `npm run lint` runs with --max-warnings=0
// and --no-inline-config, so an eslint-disable comment cannot hide a finding
// the scanner would report.
import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const parser = tseslint.parser;

export default tseslint.config(
	{
		ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', '**/*.js', '**/*.mjs', 'grafonnet/**'],
	},
	// Dev-time TypeScript (generators, tests, scripts).
	{
		files: ['gen/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'testbed/**/*.ts'],
		extends: [...tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	// Shippable code: exactly the scanner's configuration.
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
		...n8nCommunityNodesPlugin.configs.recommended,
	},
	{ files: ['nodes/**/*.ts', 'credentials/**/*.ts'], rules: { 'no-console': 'error' } },
	{ files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'], linterOptions: { noInlineConfig: true } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{ files: ['package.json'], languageOptions: { parser } },
	{ files: ['nodes/**/*.ts', 'credentials/**/*.ts'], languageOptions: { parser } },
);
