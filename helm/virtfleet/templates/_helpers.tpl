{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "virtfleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects. */}}
{{- define "virtfleet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "virtfleet.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "virtfleet.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "virtfleet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "virtfleet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "virtfleet.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "virtfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "virtfleet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "virtfleet.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* controller_config.yaml: the values, plus what the chart owns: the metrics address, the lease namespace and
the credentials namespaces (see virtfleet.credentialsNamespaces). */}}
{{- define "virtfleet.controllerConfig" -}}
{{- $controller := deepCopy (.Values.config.controller | default dict) }}
{{- $leaderElection := deepCopy (get $controller "leaderElection" | default dict) }}
{{- if not (get $leaderElection "leaseNamespace") }}
{{- $_ := set $leaderElection "leaseNamespace" .Release.Namespace }}
{{- end }}
{{- $_ := set $controller "leaderElection" $leaderElection }}
{{- $_ := set $controller "metricsAddress" (printf "0.0.0.0:%d" (int .Values.metrics.port)) }}
{{- $_ := set $controller "credentialsNamespaces" (include "virtfleet.credentialsNamespaces" . | fromYamlArray) }}
{{- toYaml $controller }}
{{- end }}

{{/* The namespaces whose Host credentials are read, as a YAML list: config.controller.credentialsNamespaces
when given; [] (all) with the opt-in rbac.secrets.clusterWide; else the release namespace alone. */}}
{{- define "virtfleet.credentialsNamespaces" -}}
{{- $given := get (.Values.config.controller | default dict) "credentialsNamespaces" | default list }}
{{- if and $given .Values.rbac.secrets.clusterWide }}
{{- fail "rbac.secrets.clusterWide: true grants Secret reads in every namespace; it cannot be combined with config.controller.credentialsNamespaces (set one of them)" }}
{{- end }}
{{- if $given }}
{{- toYaml $given }}
{{- else if .Values.rbac.secrets.clusterWide }}
{{- toYaml list }}
{{- else }}
{{- toYaml (list .Release.Namespace) }}
{{- end }}
{{- end }}

{{/* The namespaces whose VirtualMachines and ImageTransfers are watched (config.controller.namespaces); [] = all. */}}
{{- define "virtfleet.watchedNamespaces" -}}
{{- toYaml (get (.Values.config.controller | default dict) "namespaces" | default list) }}
{{- end }}

{{/* The directory of the audit file when config.controller.audit.sink is file, else empty. */}}
{{- define "virtfleet.auditDir" -}}
{{- $audit := get (.Values.config.controller | default dict) "audit" | default dict }}
{{- if eq (get $audit "sink" | default "stdout") "file" }}
{{- dir (get $audit "path" | default "/var/log/virtfleet/audit.log") }}
{{- end }}
{{- end }}

{{/* Refuses value combinations that would deploy something broken; each message names the keys. */}}
{{- define "virtfleet.checkValues" -}}
{{- $leaderElection := get (.Values.config.controller | default dict) "leaderElection" | default dict }}
{{- if and (gt (int .Values.replicaCount) 1) (eq (toString (get $leaderElection "enabled")) "false") }}
{{- fail "replicaCount > 1 needs config.controller.leaderElection.enabled: true (two active controllers would fight over every host)" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled: the ServiceMonitor scrapes that Service" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (eq (int .Values.replicaCount) 1) (eq (toString .Values.podDisruptionBudget.maxUnavailable) "0") }}
{{- fail "podDisruptionBudget.maxUnavailable: 0 with replicaCount: 1 blocks every node drain; raise replicaCount or maxUnavailable" }}
{{- end }}
{{- if .Values.networkPolicy.enabled }}
{{- if not .Values.networkPolicy.apiServer }}
{{- fail "networkPolicy.apiServer: list the API server's addresses (kubectl get endpoints kubernetes) when networkPolicy.enabled" }}
{{- end }}
{{- if not .Values.networkPolicy.hosts.cidrs }}
{{- fail "networkPolicy.hosts.cidrs: list the hypervisor hosts' addresses when networkPolicy.enabled" }}
{{- end }}
{{- end }}
{{- end }}
