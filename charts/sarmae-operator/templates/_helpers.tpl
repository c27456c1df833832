{{- define "sarmae-operator.labels" -}}
app.kubernetes.io/name: sarmae-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "sarmae-operator.selector" -}}
app.kubernetes.io/name: sarmae-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
