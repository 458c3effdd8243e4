import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The shared secret a webhook sender (GitHub, GitLab, a CI job, an ingestion
 * pipeline) signs its deliveries with. Used only to verify HMAC SHA-256
 * signatures in the Ingest Webhook Trigger; it never leaves n8n.
 *
 * There is no remote endpoint to test a secret against, so the trigger node
 * tests it locally (`testedBy`: present, long enough, no stray whitespace).
 *
 * Data: `{ secret: string }`.
 */
export class RagOpsWebhookSecretApi implements ICredentialType {
	name = 'ragOpsWebhookSecretApi';

	displayName = 'RagOps Webhook Secret API';

	icon: Icon = { light: 'file:webhookSecret.svg', dark: 'file:webhookSecret.dark.svg' };

	documentationUrl =
		'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The webhook secret configured at the sender (GitHub: repository Settings → Webhooks → Secret). Use a long random string.',
		},
	];
}
