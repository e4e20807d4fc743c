{{/* [REQ-05] The operator's rules on VirtualMachines and ImageTransfers (ClusterRole or per-namespace Role), as
measured by test/integration/install/least-privilege.test.ts: VMs are read, patched (finalizer, annotations) and
their status replaced (PUT); finalizers are patched on the object itself, so no finalizers subresource.
ImageTransfers: read and patched (finalizer) by their controller, status replaced (PUT); created by the VM
controller for disks from {url, digest} images (owned by the VM). */}}
{{- define "virtfleet.workloadRules" -}}
- apiGroups: [virtfleet.io]
  resources: [virtualmachines]
  verbs: [get, list, watch, patch]
- apiGroups: [virtfleet.io]
  resources: [virtualmachines/status]
  verbs: [update]
- apiGroups: [virtfleet.io]
  resources: [imagetransfers]
  verbs: [get, list, watch, create, patch]
- apiGroups: [virtfleet.io]
  resources: [imagetransfers/status]
  verbs: [update]
{{- end }}

{{/* In a watched namespace: the VirtualMachines' cloud-init user data (spec.cloudInit.userDataSecretRef) and the
ImageTransfers' headers (spec.source.url.headersSecretRef), get only. */}}
{{- define "virtfleet.userDataSecretRules" -}}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- end }}

{{/* Host credentials: read-only. */}}
{{- define "virtfleet.secretRules" -}}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
{{- end }}

{{/* A RoleBinding of the Role <fullname>-<suffix> in `namespace` to the operator's ServiceAccount. */}}
{{- define "virtfleet.roleBinding" -}}
{{- $root := .root }}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "virtfleet.fullname" $root }}-{{ .suffix }}
  namespace: {{ .namespace }}
  labels:
    {{- include "virtfleet.labels" $root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ include "virtfleet.fullname" $root }}-{{ .suffix }}
subjects:
  - kind: ServiceAccount
    name: {{ include "virtfleet.serviceAccountName" $root }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}

{{/* What the user roles grant: -view reads, -edit adds changing VirtualMachines and ImageTransfers. */}}
{{- define "virtfleet.viewRules" -}}
- apiGroups: [virtfleet.io]
  resources: [hosts, hosts/status, virtualmachines, virtualmachines/status, imagetransfers, imagetransfers/status]
  verbs: [get, list, watch]
{{- end }}
{{- define "virtfleet.editRules" -}}
- apiGroups: [virtfleet.io]
  resources: [virtualmachines, imagetransfers]
  verbs: [create, update, patch, delete, deletecollection]
{{- end }}
