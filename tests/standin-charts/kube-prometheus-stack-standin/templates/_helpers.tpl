{{- define "kube-prometheus-stack.standin.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 26 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 26 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 26 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- /* The parent chart labels with chart/release/heritage, not helm.sh/chart. */}}
{{- define "kube-prometheus-stack.standin.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: "{{ .Chart.Version }}"
app.kubernetes.io/part-of: {{ .Chart.Name }}
chart: {{ .Chart.Name }}-{{ .Chart.Version }}
release: {{ .Release.Name | quote }}
heritage: {{ .Release.Service | quote }}
{{- end }}

{{- define "kube-prometheus-stack.standin.selector" -}}
{{- $spec := index .root.Values.prometheus.prometheusSpec (printf "%sSelector" .kind) -}}
{{- if $spec -}}
{{- toYaml $spec }}
{{- else if index .root.Values.prometheus.prometheusSpec (printf "%sSelectorNilUsesHelmValues" .kind) -}}
matchLabels:
  release: {{ .root.Release.Name | quote }}
{{- else -}}
{}
{{- end }}
{{- end }}

{{- define "kube-prometheus-stack.standin.admissionHooks" -}}
{{- if and .Values.prometheusOperator.enabled .Values.prometheusOperator.admissionWebhooks.enabled .Values.prometheusOperator.admissionWebhooks.patch.enabled (not .Values.prometheusOperator.admissionWebhooks.certManager.enabled) -}}
true
{{- end }}
{{- end }}
