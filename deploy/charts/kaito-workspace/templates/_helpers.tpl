{{/*
The chart name, or nameOverride.
*/}}
{{- define "kaito-workspace.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: fullnameOverride, else the release name when it already contains the
chart name, else <release>-<chart>; at most 63 characters.
*/}}
{{- define "kaito-workspace.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
chart-version, for the helm.sh/chart label.
*/}}
{{- define "kaito-workspace.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "kaito-workspace.labels" -}}
helm.sh/chart: {{ include "kaito-workspace.chart" . }}
{{ include "kaito-workspace.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kaito-swift
{{- end }}

{{/*
Labels that select the controller's pods.
*/}}
{{- define "kaito-workspace.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kaito-workspace.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount name (<fullname>-sa, as in Kaito's chart).
*/}}
{{- define "kaito-workspace.serviceAccountName" -}}
{{- printf "%s-sa" (include "kaito-workspace.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
--feature-gates value: Name=value pairs joined by commas, sorted by name.
*/}}
{{- define "kaito-workspace.featureGates" -}}
{{- $pairs := list }}
{{- range $name, $value := .Values.featureGates }}
{{- $pairs = append $pairs (printf "%s=%v" $name $value) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
Whether the controller creates NodeClaims: provisioner nodeclaim, or machine with the Karpenter gate on.
*/}}
{{- define "kaito-workspace.usesNodeClaims" -}}
{{- if or (eq .Values.provisioner "nodeclaim") (and (eq .Values.provisioner "machine") (eq (toString .Values.featureGates.Karpenter) "true")) }}true{{ end }}
{{- end }}

{{/*
Fails the render on values the controller would refuse at start-up.
*/}}
{{- define "kaito-workspace.validateValues" -}}
{{- if not (has .Values.provisioner (list "machine" "nodeclaim" "none")) }}
{{- fail (printf "provisioner must be machine, nodeclaim or none, not %q" (toString .Values.provisioner)) }}
{{- end }}
{{- if not (has .Values.nodeClaimVersion (list "v1beta1" "v1")) }}
{{- fail (printf "nodeClaimVersion must be v1beta1 or v1, not %q" (toString .Values.nodeClaimVersion)) }}
{{- end }}
{{- if not (has .Values.cloudProviderName (list "azure" "aws")) }}
{{- fail (printf "cloudProviderName must be azure or aws, not %q" (toString .Values.cloudProviderName)) }}
{{- end }}
{{- range $name, $value := .Values.featureGates }}
{{- if ne $name "Karpenter" }}
{{- fail (printf "featureGates: unknown gate %q (the only gate is Karpenter)" $name) }}
{{- end }}
{{- if not (has (toString $value) (list "true" "false")) }}
{{- fail (printf "featureGates.%s must be \"true\" or \"false\", not %q" $name (toString $value)) }}
{{- end }}
{{- end }}
{{- end }}
