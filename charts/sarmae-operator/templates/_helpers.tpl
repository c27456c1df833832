{{- define "sarmae-operator.labels" -}}
app.kubernetes.io/name: sarmae-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
{{- define "sarmae-operator.selector" -}}
app.kubernetes.io/name: sarmae-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "sarmae-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default .Release.Name .Values.serviceAccount.name }}
{{- else -}}
{{ required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end -}}
{{- end }}
{{/* The workload rules: only what the operator calls (docs/operator.md, "RBAC"). No Secrets. */}}
{{- define "sarmae-operator.rules" -}}
- apiGroups: ["sarmae.io"]
  resources: ["sarmaepretrains", "sarmaefinetunes"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["sarmae.io"]
  resources: ["sarmaepretrains/status", "sarmaefinetunes/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "update"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "list"]
- apiGroups: ["scheduling.volcano.sh", "scheduling.x-k8s.io"]
  resources: ["podgroups"]
  verbs: ["create"]
- apiGroups: ["kueue.x-k8s.io"]
  resources: ["workloads"]
  verbs: ["get", "list", "watch", "create"]
- apiGroups: ["kueue.x-k8s.io"]
  resources: ["workloads/status"]
  verbs: ["update"]
{{- end }}
{{- define "sarmae-operator.podMonitorNamespaces" -}}
{{- if .Values.metrics.podMonitor.namespaces -}}
{{ toYaml .Values.metrics.podMonitor.namespaces }}
{{- else if .Values.watchNamespaces -}}
{{ toYaml .Values.watchNamespaces }}
{{- end -}}
{{- end }}
