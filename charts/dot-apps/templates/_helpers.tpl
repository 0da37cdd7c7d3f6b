{{/*
The name of kube-prometheus-stack's Prometheus Service: the chart's fullname
(fullnameOverride, else the release name joined with the chart name, cut at 26
characters as kube-prometheus-stack does) and "-prometheus".
*/}}
{{- define "dot-apps.prometheusService" -}}
{{- $kps := index .Values "kube-prometheus-stack" | default dict -}}
{{- $fullname := "" -}}
{{- if $kps.fullnameOverride -}}
{{- $fullname = $kps.fullnameOverride | trunc 26 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "kube-prometheus-stack" $kps.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- $fullname = .Release.Name | trunc 26 | trimSuffix "-" -}}
{{- else -}}
{{- $fullname = printf "%s-%s" .Release.Name $name | trunc 26 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- printf "%s-prometheus" $fullname -}}
{{- end }}

{{/*
"true" when the KEDA HTTP add-on ends up installed: dotk8s-post removes it when
KEDA is off, because Helm's condition list cannot say "add-on AND KEDA".
*/}}
{{- define "dot-apps.httpAddonOn" -}}
{{- if and .Values.apps.keda.enabled .Values.apps.keda.httpAddon.enabled -}}true{{- end -}}
{{- end }}

{{/*
Helm 3 never shows hooks to a post-renderer, so hooks stay in the release
namespace while dotk8s-post moves everything else. That works only where the
release namespace is the namespace of the component that owns the hooks:
- Envoy Gateway's certgen Job writes the controller's TLS Secrets into its own
  namespace, and its topology-injector webhook selects that namespace: the
  release must be installed into apps.envoyGateway.namespace;
- kube-prometheus-stack's admission hook Jobs write the Secret the operator
  mounts into theirs: turn them off (values/helm3.yaml) unless the release
  namespace is apps.prometheus.namespace.
Fails the render with what to do otherwise. Helm 4 hands hooks to the
post-renderer, which moves them with their components.
*/}}
{{- define "dot-apps.checkHelm3" -}}
{{- if hasPrefix "v3." .Capabilities.HelmVersion.Version -}}
{{- $apps := .Values.apps -}}
{{- if and $apps.envoyGateway.enabled (ne .Release.Namespace $apps.envoyGateway.namespace) -}}
{{- fail (printf "\n\nHelm 3 never shows hooks to a post-renderer, so Envoy Gateway's certgen hook would write the controller's TLS Secrets into the release namespace %q while the controller runs in %q.\nWith Helm 3, install into Envoy Gateway's namespace and use the Helm 3 profile:\n  helm install %s <chart> -n %s --create-namespace -f <chart>/values/helm3.yaml --post-renderer dotk8s-post\nor use Helm 4, which passes hooks to the post-renderer (docs/chart.md, \"Helm 3\")." .Release.Namespace $apps.envoyGateway.namespace .Release.Name $apps.envoyGateway.namespace) -}}
{{- end -}}
{{- $kps := index .Values "kube-prometheus-stack" | default dict -}}
{{- $operator := dig "prometheusOperator" "enabled" true $kps -}}
{{- $webhooks := dig "prometheusOperator" "admissionWebhooks" "enabled" true $kps -}}
{{- $patch := dig "prometheusOperator" "admissionWebhooks" "patch" "enabled" true $kps -}}
{{- $certManager := dig "prometheusOperator" "admissionWebhooks" "certManager" "enabled" false $kps -}}
{{- if and $apps.prometheus.enabled $operator $webhooks $patch (not $certManager) (ne .Release.Namespace $apps.prometheus.namespace) -}}
{{- fail (printf "\n\nHelm 3 never shows hooks to a post-renderer, so kube-prometheus-stack's admission hook Jobs would run in the release namespace %q while the operator runs in %q.\nWith Helm 3, turn them off with the Helm 3 profile: -f <chart>/values/helm3.yaml\n(kube-prometheus-stack.prometheusOperator.admissionWebhooks.enabled=false and prometheusOperator.tls.enabled=false), or use Helm 4 (docs/chart.md, \"Helm 3\")." .Release.Namespace $apps.prometheus.namespace) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
Helm 3.18.0 reads values as json.Number, so `{{ if 0 }}` is true
(helm/helm#30880, reverted in 3.18.1 by helm/helm#30884): the HTTP add-on's
PodDisruptionBudget gets minAvailable: 0 beside maxUnavailable and
kube-prometheus-stack's Prometheus maximumStartupDurationSeconds: 0, both of
which the API server rejects. Refused before anything is sent to a cluster.
*/}}
{{- define "dot-apps.checkHelmVersion" -}}
{{- if eq .Capabilities.HelmVersion.Version "v3.18.0" -}}
{{- fail "\n\nHelm v3.18.0 renders `{{ if 0 }}` as true (helm/helm#30880, fixed in v3.18.1): the HTTP add-on's PodDisruptionBudget would get minAvailable: 0 beside maxUnavailable and kube-prometheus-stack's Prometheus maximumStartupDurationSeconds: 0, which the API server rejects.\nUse Helm v3.17.x, v3.18.1 or newer, or Helm 4." -}}
{{- end -}}
{{- end }}
