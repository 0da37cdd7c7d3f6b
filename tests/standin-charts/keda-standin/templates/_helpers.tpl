{{- /* Labels every KEDA object carries; `name` varies per object. */}}
{{- define "keda.standin.labels" -}}
app.kubernetes.io/name: {{ .name }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: keda-operator
app.kubernetes.io/version: {{ .root.Chart.AppVersion }}
{{- if not .crd }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}
{{- end }}

{{- /* A minimal CRD of our own: name, group, kind, plural, scope. */}}
{{- define "keda.standin.crd" -}}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {{ .plural }}.{{ .group }}
  labels:
    {{- include "keda.standin.labels" (dict "root" .root "name" "keda-operator" "crd" true) | nindent 4 }}
spec:
  group: {{ .group }}
  names:
    kind: {{ .kind }}
    listKind: {{ .kind }}List
    plural: {{ .plural }}
    singular: {{ lower .kind }}
  scope: {{ .scope }}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
{{- end }}
