{{- define "keda-add-ons-http.standin.selector" -}}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/name: http-add-on
app.kubernetes.io/part-of: {{ .root.Chart.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "keda-add-ons-http.standin.labels" -}}
{{ include "keda-add-ons-http.standin.selector" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
{{- end }}

{{- /* A ServiceAccount, a ClusterRole on HTTPScaledObjects and its binding. */}}
{{- define "keda-add-ons-http.standin.rbac" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "keda-add-ons-http.standin.labels" . | nindent 4 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .name }}
  labels:
    {{- include "keda-add-ons-http.standin.labels" . | nindent 4 }}
rules:
- apiGroups: [http.keda.sh]
  resources: [httpscaledobjects]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .name }}
  labels:
    {{- include "keda-add-ons-http.standin.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ .name }}
subjects:
- kind: ServiceAccount
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
{{- end }}
