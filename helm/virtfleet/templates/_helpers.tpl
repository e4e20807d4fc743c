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

{{/* controller_config.yaml: the values, plus the metrics address and the lease namespace the chart owns. */}}
{{- define "virtfleet.controllerConfig" -}}
{{- $controller := deepCopy (.Values.config.controller | default dict) }}
{{- $leaderElection := deepCopy (get $controller "leaderElection" | default dict) }}
{{- if not (get $leaderElection "leaseNamespace") }}
{{- $_ := set $leaderElection "leaseNamespace" .Release.Namespace }}
{{- end }}
{{- $_ := set $controller "leaderElection" $leaderElection }}
{{- $_ := set $controller "metricsAddress" (printf "0.0.0.0:%d" (int .Values.metrics.port)) }}
{{- toYaml $controller }}
{{- end }}

{{/* The namespaces of Host credentials (config.controller.credentialsNamespaces) as a YAML list; [] = all. */}}
{{- define "virtfleet.credentialsNamespaces" -}}
{{- $controller := .Values.config.controller | default dict }}
{{- toYaml (get $controller "credentialsNamespaces" | default list) }}
{{- end }}
