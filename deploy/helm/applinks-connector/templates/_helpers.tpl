{{- define "applinks-connector.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "applinks-connector.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "applinks-connector.labels" -}}
{{ include "applinks-connector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "applinks-connector.secretName" -}}
{{- default (include "applinks-connector.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The values' affinity, or by default: spread replicas over nodes when the cluster can. */}}
{{- define "applinks-connector.affinity" -}}
{{- if .Values.affinity -}}
{{- toYaml .Values.affinity -}}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "applinks-connector.selectorLabels" . | nindent 12 }}
{{- end -}}
{{- end -}}
