/**
 * loki/alloy/config.alloy: Grafana Alloy ships every Docker container's logs
 * to Loki. Only low-cardinality labels survive relabelling: `service` (the
 * compose service, which the Loki rules and logs dashboard select on) and
 * `container`; container ids and image digests are dropped because every
 * restart would start a new stream.
 */
import { GENERATED_HEADER, type GeneratedFile } from '../types';
import { LOKI_PORT } from './config';

export const ALLOY_CONFIG_MOUNT = '/etc/alloy/config.alloy';
export const DOCKER_SOCKET = 'unix:///var/run/docker.sock';

export function alloyConfig(): string {
	return `// ${GENERATED_HEADER}

discovery.docker "containers" {
	host             = "${DOCKER_SOCKET}"
	refresh_interval = "15s"
}

discovery.relabel "containers" {
	targets = discovery.docker.containers.targets

	rule {
		source_labels = ["__meta_docker_container_label_com_docker_compose_service"]
		target_label  = "service"
	}

	// Docker names start with a slash ("/ragops-loki-1").
	rule {
		source_labels = ["__meta_docker_container_name"]
		regex         = "/(.*)"
		target_label  = "container"
	}

	// Containers outside compose have no service: keep them under their container name.
	rule {
		source_labels = ["service", "container"]
		regex         = ";(.+)"
		target_label  = "service"
	}
}

loki.source.docker "containers" {
	host          = "${DOCKER_SOCKET}"
	targets       = discovery.docker.containers.targets
	relabel_rules = discovery.relabel.containers.rules
	forward_to    = [loki.write.default.receiver]
}

loki.write "default" {
	endpoint {
		url = "http://loki:${LOKI_PORT}/loki/api/v1/push"
	}
}
`;
}

export function alloyConfigFile(): GeneratedFile {
	return { path: 'loki/alloy/config.alloy', content: alloyConfig() };
}
