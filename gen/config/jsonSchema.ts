/** ragops.config.schema.json: editor completion and validation for ragops.config.yaml. */
import { z } from 'zod/v4';
import type { GeneratedFile } from '../types';
import { ragopsConfigSchema } from './schema';

export function generateJsonSchema(): GeneratedFile[] {
	// `io: 'input'` describes what a user may write (defaults make keys optional).
	const schema = z.toJSONSchema(ragopsConfigSchema, { io: 'input', unrepresentable: 'any' });
	return [
		{
			path: 'ragops.config.schema.json',
			content: JSON.stringify({ title: 'ragops.config.yaml', ...schema }, null, 2) + '\n',
		},
	];
}
