"""The Go types a real API server decodes built-in kinds into, as facts: each struct's JSON fields in
declaration order with their Go types.

Transcribed from k8s.io/api v0.37.2 (core/v1, apps/v1, rbac/v1 and coordination/v1 types.go) and
k8s.io/apimachinery (pkg/apis/meta/v1/types.go), for the kinds the dashboard, the lab and their
clients write, and every struct reachable from them, so that an unknown field anywhere below is known
to be unknown.

Notation: `name:type`, types written as Go writes them with the package path (`[]core/v1.Container`,
`map[string]string`, `[]byte`); `...T` is an embedded struct whose fields are promoted; `~T` a type
with its own JSON decoding (times, quantities, int-or-strings, raw fields), taken as it comes; a
named scalar (`v1.SecretType`) is a string. Pointers are left out: Go decodes into them alike.
"""

from __future__ import annotations

from app.sim.storage.resources import DEPLOYMENTS, EVENTS, LEASES, NAMESPACES, RBAC_GROUP, SERVICES

STRUCTS: dict[str, str] = {
    "core/v1.ConfigMap": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta immutable:bool data:map[string]string "
        "binaryData:map[string][]byte"
    ),
    "meta/v1.TypeMeta": "kind:string apiVersion:string",
    "meta/v1.ObjectMeta": (
        "name:string generateName:string namespace:string selfLink:string uid:~types.UID "
        "resourceVersion:string generation:int64 creationTimestamp:~v1.Time deletionTimestamp:~v1.Time "
        "deletionGracePeriodSeconds:int64 labels:map[string]string annotations:map[string]string "
        "ownerReferences:[]meta/v1.OwnerReference finalizers:[]string "
        "managedFields:[]meta/v1.ManagedFieldsEntry"
    ),
    "meta/v1.OwnerReference": (
        "apiVersion:string kind:string name:string uid:~types.UID controller:bool blockOwnerDeletion:bool"
    ),
    "meta/v1.ManagedFieldsEntry": (
        "manager:string operation:v1.ManagedFieldsOperationType apiVersion:string time:~v1.Time "
        "fieldsType:string fieldsV1:~v1.FieldsV1 subresource:string"
    ),
    "core/v1.Secret": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta immutable:bool data:map[string][]byte "
        "stringData:map[string]string type:v1.SecretType"
    ),
    "core/v1.Service": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta spec:core/v1.ServiceSpec "
        "status:core/v1.ServiceStatus"
    ),
    "core/v1.ServiceSpec": (
        "ports:[]core/v1.ServicePort selector:map[string]string clusterIP:string clusterIPs:[]string "
        "type:v1.ServiceType externalIPs:[]string sessionAffinity:v1.ServiceAffinity "
        "loadBalancerIP:string loadBalancerSourceRanges:[]string externalName:string "
        "externalTrafficPolicy:v1.ServiceExternalTrafficPolicy healthCheckNodePort:int32 "
        "publishNotReadyAddresses:bool sessionAffinityConfig:core/v1.SessionAffinityConfig "
        "ipFamilies:[]v1.IPFamily ipFamilyPolicy:v1.IPFamilyPolicy allocateLoadBalancerNodePorts:bool "
        "loadBalancerClass:string internalTrafficPolicy:v1.ServiceInternalTrafficPolicy "
        "trafficDistribution:string"
    ),
    "core/v1.ServicePort": (
        "name:string protocol:v1.Protocol appProtocol:string port:int32 targetPort:~intstr.IntOrString "
        "nodePort:int32"
    ),
    "core/v1.SessionAffinityConfig": "clientIP:core/v1.ClientIPConfig",
    "core/v1.ClientIPConfig": "timeoutSeconds:int32",
    "core/v1.ServiceStatus": "loadBalancer:core/v1.LoadBalancerStatus conditions:[]meta/v1.Condition",
    "core/v1.LoadBalancerStatus": "ingress:[]core/v1.LoadBalancerIngress",
    "core/v1.LoadBalancerIngress": (
        "ip:string hostname:string ipMode:v1.LoadBalancerIPMode ports:[]core/v1.PortStatus"
    ),
    "core/v1.PortStatus": "port:int32 protocol:v1.Protocol error:string",
    "meta/v1.Condition": (
        "type:string status:v1.ConditionStatus observedGeneration:int64 lastTransitionTime:~v1.Time "
        "reason:string message:string"
    ),
    "core/v1.Namespace": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta spec:core/v1.NamespaceSpec "
        "status:core/v1.NamespaceStatus"
    ),
    "core/v1.NamespaceSpec": "finalizers:[]v1.FinalizerName",
    "core/v1.NamespaceStatus": "phase:v1.NamespacePhase conditions:[]core/v1.NamespaceCondition",
    "core/v1.NamespaceCondition": (
        "type:v1.NamespaceConditionType status:v1.ConditionStatus lastTransitionTime:~v1.Time "
        "reason:string message:string"
    ),
    "core/v1.Event": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta involvedObject:core/v1.ObjectReference "
        "reason:string message:string source:core/v1.EventSource firstTimestamp:~v1.Time "
        "lastTimestamp:~v1.Time count:int32 type:string eventTime:~v1.MicroTime "
        "series:core/v1.EventSeries action:string related:core/v1.ObjectReference "
        "reportingComponent:string reportingInstance:string"
    ),
    "core/v1.ObjectReference": (
        "kind:string namespace:string name:string uid:~types.UID apiVersion:string resourceVersion:string "
        "fieldPath:string"
    ),
    "core/v1.EventSource": "component:string host:string",
    "core/v1.EventSeries": "count:int32 lastObservedTime:~v1.MicroTime",
    "apps/v1.Deployment": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta spec:apps/v1.DeploymentSpec "
        "status:apps/v1.DeploymentStatus"
    ),
    "apps/v1.DeploymentSpec": (
        "replicas:int32 selector:meta/v1.LabelSelector template:core/v1.PodTemplateSpec "
        "strategy:apps/v1.DeploymentStrategy minReadySeconds:int32 revisionHistoryLimit:int32 paused:bool "
        "progressDeadlineSeconds:int32"
    ),
    "meta/v1.LabelSelector": (
        "matchLabels:map[string]string matchExpressions:[]meta/v1.LabelSelectorRequirement"
    ),
    "meta/v1.LabelSelectorRequirement": "key:string operator:v1.LabelSelectorOperator values:[]string",
    "core/v1.PodTemplateSpec": "metadata:meta/v1.ObjectMeta spec:core/v1.PodSpec",
    "core/v1.PodSpec": (
        "volumes:[]core/v1.Volume initContainers:[]core/v1.Container containers:[]core/v1.Container "
        "ephemeralContainers:[]core/v1.EphemeralContainer restartPolicy:v1.RestartPolicy "
        "terminationGracePeriodSeconds:int64 activeDeadlineSeconds:int64 dnsPolicy:v1.DNSPolicy "
        "nodeSelector:map[string]string serviceAccountName:string serviceAccount:string "
        "automountServiceAccountToken:bool nodeName:string hostNetwork:bool hostPID:bool hostIPC:bool "
        "shareProcessNamespace:bool securityContext:core/v1.PodSecurityContext "
        "imagePullSecrets:[]core/v1.LocalObjectReference hostname:string subdomain:string "
        "affinity:core/v1.Affinity schedulerName:string tolerations:[]core/v1.Toleration "
        "hostAliases:[]core/v1.HostAlias priorityClassName:string priority:int32 "
        "dnsConfig:core/v1.PodDNSConfig readinessGates:[]core/v1.PodReadinessGate runtimeClassName:string "
        "enableServiceLinks:bool preemptionPolicy:v1.PreemptionPolicy overhead:~v1.ResourceList "
        "topologySpreadConstraints:[]core/v1.TopologySpreadConstraint setHostnameAsFQDN:bool "
        "os:core/v1.PodOS hostUsers:bool schedulingGates:[]core/v1.PodSchedulingGate "
        "resourceClaims:[]core/v1.PodResourceClaim resources:core/v1.ResourceRequirements "
        "hostnameOverride:string schedulingGroup:core/v1.PodSchedulingGroup "
        "evictionResponders:[]core/v1.EvictionResponder"
    ),
    "core/v1.Volume": "name:string ...core/v1.VolumeSource",
    "core/v1.VolumeSource": (
        "hostPath:core/v1.HostPathVolumeSource emptyDir:core/v1.EmptyDirVolumeSource "
        "gcePersistentDisk:core/v1.GCEPersistentDiskVolumeSource "
        "awsElasticBlockStore:core/v1.AWSElasticBlockStoreVolumeSource "
        "gitRepo:core/v1.GitRepoVolumeSource secret:core/v1.SecretVolumeSource "
        "nfs:core/v1.NFSVolumeSource iscsi:core/v1.ISCSIVolumeSource "
        "glusterfs:core/v1.GlusterfsVolumeSource "
        "persistentVolumeClaim:core/v1.PersistentVolumeClaimVolumeSource rbd:core/v1.RBDVolumeSource "
        "flexVolume:core/v1.FlexVolumeSource cinder:core/v1.CinderVolumeSource "
        "cephfs:core/v1.CephFSVolumeSource flocker:core/v1.FlockerVolumeSource "
        "downwardAPI:core/v1.DownwardAPIVolumeSource fc:core/v1.FCVolumeSource "
        "azureFile:core/v1.AzureFileVolumeSource configMap:core/v1.ConfigMapVolumeSource "
        "vsphereVolume:core/v1.VsphereVirtualDiskVolumeSource quobyte:core/v1.QuobyteVolumeSource "
        "azureDisk:core/v1.AzureDiskVolumeSource "
        "photonPersistentDisk:core/v1.PhotonPersistentDiskVolumeSource "
        "projected:core/v1.ProjectedVolumeSource portworxVolume:core/v1.PortworxVolumeSource "
        "scaleIO:core/v1.ScaleIOVolumeSource storageos:core/v1.StorageOSVolumeSource "
        "csi:core/v1.CSIVolumeSource ephemeral:core/v1.EphemeralVolumeSource "
        "image:core/v1.ImageVolumeSource"
    ),
    "core/v1.HostPathVolumeSource": "path:string type:v1.HostPathType",
    "core/v1.EmptyDirVolumeSource": "medium:v1.StorageMedium sizeLimit:~resource.Quantity mode:int32",
    "core/v1.GCEPersistentDiskVolumeSource": "pdName:string fsType:string partition:int32 readOnly:bool",
    "core/v1.AWSElasticBlockStoreVolumeSource": "volumeID:string fsType:string partition:int32 readOnly:bool",
    "core/v1.GitRepoVolumeSource": "repository:string revision:string directory:string",
    "core/v1.SecretVolumeSource": (
        "secretName:string items:[]core/v1.KeyToPath defaultMode:int32 optional:bool defaultUser:int64"
    ),
    "core/v1.KeyToPath": "key:string path:string mode:int32 user:int64",
    "core/v1.NFSVolumeSource": "server:string path:string readOnly:bool",
    "core/v1.ISCSIVolumeSource": (
        "targetPortal:string iqn:string lun:int32 iscsiInterface:string fsType:string readOnly:bool "
        "portals:[]string chapAuthDiscovery:bool chapAuthSession:bool "
        "secretRef:core/v1.LocalObjectReference initiatorName:string"
    ),
    "core/v1.LocalObjectReference": "name:string",
    "core/v1.GlusterfsVolumeSource": "endpoints:string path:string readOnly:bool",
    "core/v1.PersistentVolumeClaimVolumeSource": "claimName:string readOnly:bool",
    "core/v1.RBDVolumeSource": (
        "monitors:[]string image:string fsType:string pool:string user:string keyring:string "
        "secretRef:core/v1.LocalObjectReference readOnly:bool"
    ),
    "core/v1.FlexVolumeSource": (
        "driver:string fsType:string secretRef:core/v1.LocalObjectReference readOnly:bool "
        "options:map[string]string"
    ),
    "core/v1.CinderVolumeSource": (
        "volumeID:string fsType:string readOnly:bool secretRef:core/v1.LocalObjectReference"
    ),
    "core/v1.CephFSVolumeSource": (
        "monitors:[]string path:string user:string secretFile:string "
        "secretRef:core/v1.LocalObjectReference readOnly:bool"
    ),
    "core/v1.FlockerVolumeSource": "datasetName:string datasetUUID:string",
    "core/v1.DownwardAPIVolumeSource": (
        "items:[]core/v1.DownwardAPIVolumeFile defaultMode:int32 defaultUser:int64"
    ),
    "core/v1.DownwardAPIVolumeFile": (
        "path:string fieldRef:core/v1.ObjectFieldSelector resourceFieldRef:core/v1.ResourceFieldSelector "
        "mode:int32 user:int64"
    ),
    "core/v1.ObjectFieldSelector": "apiVersion:string fieldPath:string",
    "core/v1.ResourceFieldSelector": "containerName:string resource:string divisor:~resource.Quantity",
    "core/v1.FCVolumeSource": "targetWWNs:[]string lun:int32 fsType:string readOnly:bool wwids:[]string",
    "core/v1.AzureFileVolumeSource": "secretName:string shareName:string readOnly:bool",
    "core/v1.ConfigMapVolumeSource": (
        "...core/v1.LocalObjectReference items:[]core/v1.KeyToPath defaultMode:int32 optional:bool "
        "defaultUser:int64"
    ),
    "core/v1.VsphereVirtualDiskVolumeSource": (
        "volumePath:string fsType:string storagePolicyName:string storagePolicyID:string"
    ),
    "core/v1.QuobyteVolumeSource": (
        "registry:string volume:string readOnly:bool user:string group:string tenant:string"
    ),
    "core/v1.AzureDiskVolumeSource": (
        "diskName:string diskURI:string cachingMode:v1.AzureDataDiskCachingMode fsType:string "
        "readOnly:bool kind:v1.AzureDataDiskKind"
    ),
    "core/v1.PhotonPersistentDiskVolumeSource": "pdID:string fsType:string",
    "core/v1.ProjectedVolumeSource": "sources:[]core/v1.VolumeProjection defaultMode:int32 defaultUser:int64",
    "core/v1.VolumeProjection": (
        "secret:core/v1.SecretProjection downwardAPI:core/v1.DownwardAPIProjection "
        "configMap:core/v1.ConfigMapProjection serviceAccountToken:core/v1.ServiceAccountTokenProjection "
        "clusterTrustBundle:core/v1.ClusterTrustBundleProjection "
        "podCertificate:core/v1.PodCertificateProjection"
    ),
    "core/v1.SecretProjection": "...core/v1.LocalObjectReference items:[]core/v1.KeyToPath optional:bool",
    "core/v1.DownwardAPIProjection": "items:[]core/v1.DownwardAPIVolumeFile",
    "core/v1.ConfigMapProjection": "...core/v1.LocalObjectReference items:[]core/v1.KeyToPath optional:bool",
    "core/v1.ServiceAccountTokenProjection": "audience:string expirationSeconds:int64 path:string user:int64",
    "core/v1.ClusterTrustBundleProjection": (
        "name:string signerName:string labelSelector:meta/v1.LabelSelector optional:bool path:string "
        "user:int64"
    ),
    "core/v1.PodCertificateProjection": (
        "signerName:string keyType:string maxExpirationSeconds:int32 credentialBundlePath:string "
        "keyPath:string certificateChainPath:string userAnnotations:map[string]string user:int64"
    ),
    "core/v1.PortworxVolumeSource": "volumeID:string fsType:string readOnly:bool",
    "core/v1.ScaleIOVolumeSource": (
        "gateway:string system:string secretRef:core/v1.LocalObjectReference sslEnabled:bool "
        "protectionDomain:string storagePool:string storageMode:string volumeName:string fsType:string "
        "readOnly:bool"
    ),
    "core/v1.StorageOSVolumeSource": (
        "volumeName:string volumeNamespace:string fsType:string readOnly:bool "
        "secretRef:core/v1.LocalObjectReference"
    ),
    "core/v1.CSIVolumeSource": (
        "driver:string readOnly:bool fsType:string volumeAttributes:map[string]string "
        "nodePublishSecretRef:core/v1.LocalObjectReference"
    ),
    "core/v1.EphemeralVolumeSource": "volumeClaimTemplate:core/v1.PersistentVolumeClaimTemplate",
    "core/v1.PersistentVolumeClaimTemplate": (
        "metadata:meta/v1.ObjectMeta spec:core/v1.PersistentVolumeClaimSpec"
    ),
    "core/v1.PersistentVolumeClaimSpec": (
        "accessModes:[]v1.PersistentVolumeAccessMode selector:meta/v1.LabelSelector "
        "resources:core/v1.VolumeResourceRequirements volumeName:string storageClassName:string "
        "volumeMode:v1.PersistentVolumeMode dataSource:core/v1.TypedLocalObjectReference "
        "dataSourceRef:core/v1.TypedObjectReference volumeAttributesClassName:string"
    ),
    "core/v1.VolumeResourceRequirements": "limits:~v1.ResourceList requests:~v1.ResourceList",
    "core/v1.TypedLocalObjectReference": "apiGroup:string kind:string name:string",
    "core/v1.TypedObjectReference": "apiGroup:string kind:string name:string namespace:string",
    "core/v1.ImageVolumeSource": "reference:string pullPolicy:v1.PullPolicy",
    "core/v1.Container": (
        "name:string image:string command:[]string args:[]string workingDir:string "
        "ports:[]core/v1.ContainerPort envFrom:[]core/v1.EnvFromSource env:[]core/v1.EnvVar "
        "resources:core/v1.ResourceRequirements resizePolicy:[]core/v1.ContainerResizePolicy "
        "restartPolicy:v1.ContainerRestartPolicy restartPolicyRules:[]core/v1.ContainerRestartRule "
        "volumeMounts:[]core/v1.VolumeMount volumeDevices:[]core/v1.VolumeDevice "
        "livenessProbe:core/v1.Probe readinessProbe:core/v1.Probe startupProbe:core/v1.Probe "
        "lifecycle:core/v1.Lifecycle terminationMessagePath:string "
        "terminationMessagePolicy:v1.TerminationMessagePolicy imagePullPolicy:v1.PullPolicy "
        "securityContext:core/v1.SecurityContext stdin:bool stdinOnce:bool tty:bool"
    ),
    "core/v1.ContainerPort": (
        "name:string hostPort:int32 containerPort:int32 protocol:v1.Protocol hostIP:string"
    ),
    "core/v1.EnvFromSource": (
        "prefix:string configMapRef:core/v1.ConfigMapEnvSource secretRef:core/v1.SecretEnvSource"
    ),
    "core/v1.ConfigMapEnvSource": "...core/v1.LocalObjectReference optional:bool",
    "core/v1.SecretEnvSource": "...core/v1.LocalObjectReference optional:bool",
    "core/v1.EnvVar": "name:string value:string valueFrom:core/v1.EnvVarSource",
    "core/v1.EnvVarSource": (
        "fieldRef:core/v1.ObjectFieldSelector resourceFieldRef:core/v1.ResourceFieldSelector "
        "configMapKeyRef:core/v1.ConfigMapKeySelector secretKeyRef:core/v1.SecretKeySelector "
        "fileKeyRef:core/v1.FileKeySelector"
    ),
    "core/v1.ConfigMapKeySelector": "...core/v1.LocalObjectReference key:string optional:bool",
    "core/v1.SecretKeySelector": "...core/v1.LocalObjectReference key:string optional:bool",
    "core/v1.FileKeySelector": "volumeName:string path:string key:string optional:bool",
    "core/v1.ResourceRequirements": (
        "limits:~v1.ResourceList requests:~v1.ResourceList claims:[]core/v1.ResourceClaim"
    ),
    "core/v1.ResourceClaim": "name:string request:string",
    "core/v1.ContainerResizePolicy": (
        "resourceName:v1.ResourceName restartPolicy:v1.ResourceResizeRestartPolicy"
    ),
    "core/v1.ContainerRestartRule": (
        "action:v1.ContainerRestartRuleAction exitCodes:core/v1.ContainerRestartRuleOnExitCodes"
    ),
    "core/v1.ContainerRestartRuleOnExitCodes": (
        "operator:v1.ContainerRestartRuleOnExitCodesOperator values:[]int32"
    ),
    "core/v1.VolumeMount": (
        "name:string readOnly:bool recursiveReadOnly:v1.RecursiveReadOnlyMode mountPath:string "
        "subPath:string mountPropagation:v1.MountPropagationMode subPathExpr:string "
        "bindMountOptions:[]string"
    ),
    "core/v1.VolumeDevice": "name:string devicePath:string",
    "core/v1.Probe": (
        "...core/v1.ProbeHandler initialDelaySeconds:int32 timeoutSeconds:int32 periodSeconds:int32 "
        "successThreshold:int32 failureThreshold:int32 terminationGracePeriodSeconds:int64"
    ),
    "core/v1.ProbeHandler": (
        "exec:core/v1.ExecAction httpGet:core/v1.HTTPGetAction tcpSocket:core/v1.TCPSocketAction "
        "grpc:core/v1.GRPCAction"
    ),
    "core/v1.ExecAction": "command:[]string",
    "core/v1.HTTPGetAction": (
        "path:string port:~intstr.IntOrString host:string scheme:v1.URIScheme "
        "httpHeaders:[]core/v1.HTTPHeader protocol:v1.HTTPProtocol"
    ),
    "core/v1.HTTPHeader": "name:string value:string",
    "core/v1.TCPSocketAction": "port:~intstr.IntOrString host:string",
    "core/v1.GRPCAction": "port:int32 service:string mode:v1.GRPCProbeMode",
    "core/v1.Lifecycle": (
        "postStart:core/v1.LifecycleHandler preStop:core/v1.LifecycleHandler stopSignal:v1.Signal"
    ),
    "core/v1.LifecycleHandler": (
        "exec:core/v1.ExecAction httpGet:core/v1.HTTPGetAction tcpSocket:core/v1.TCPSocketAction "
        "sleep:core/v1.SleepAction"
    ),
    "core/v1.SleepAction": "seconds:int64",
    "core/v1.SecurityContext": (
        "capabilities:core/v1.Capabilities privileged:bool seLinuxOptions:core/v1.SELinuxOptions "
        "windowsOptions:core/v1.WindowsSecurityContextOptions runAsUser:int64 runAsGroup:int64 "
        "runAsNonRoot:bool readOnlyRootFilesystem:bool allowPrivilegeEscalation:bool "
        "procMount:v1.ProcMountType seccompProfile:core/v1.SeccompProfile "
        "appArmorProfile:core/v1.AppArmorProfile"
    ),
    "core/v1.Capabilities": "add:[]v1.Capability drop:[]v1.Capability",
    "core/v1.SELinuxOptions": "user:string role:string type:string level:string",
    "core/v1.WindowsSecurityContextOptions": (
        "gmsaCredentialSpecName:string gmsaCredentialSpec:string runAsUserName:string hostProcess:bool"
    ),
    "core/v1.SeccompProfile": "type:v1.SeccompProfileType localhostProfile:string",
    "core/v1.AppArmorProfile": "type:v1.AppArmorProfileType localhostProfile:string",
    "core/v1.EphemeralContainer": "...core/v1.EphemeralContainerCommon targetContainerName:string",
    "core/v1.EphemeralContainerCommon": (
        "name:string image:string command:[]string args:[]string workingDir:string "
        "ports:[]core/v1.ContainerPort envFrom:[]core/v1.EnvFromSource env:[]core/v1.EnvVar "
        "resources:core/v1.ResourceRequirements resizePolicy:[]core/v1.ContainerResizePolicy "
        "restartPolicy:v1.ContainerRestartPolicy restartPolicyRules:[]core/v1.ContainerRestartRule "
        "volumeMounts:[]core/v1.VolumeMount volumeDevices:[]core/v1.VolumeDevice "
        "livenessProbe:core/v1.Probe readinessProbe:core/v1.Probe startupProbe:core/v1.Probe "
        "lifecycle:core/v1.Lifecycle terminationMessagePath:string "
        "terminationMessagePolicy:v1.TerminationMessagePolicy imagePullPolicy:v1.PullPolicy "
        "securityContext:core/v1.SecurityContext stdin:bool stdinOnce:bool tty:bool"
    ),
    "core/v1.PodSecurityContext": (
        "seLinuxOptions:core/v1.SELinuxOptions windowsOptions:core/v1.WindowsSecurityContextOptions "
        "runAsUser:int64 runAsGroup:int64 runAsNonRoot:bool supplementalGroups:[]int64 "
        "supplementalGroupsPolicy:v1.SupplementalGroupsPolicy fsGroup:int64 sysctls:[]core/v1.Sysctl "
        "fsGroupChangePolicy:v1.PodFSGroupChangePolicy seccompProfile:core/v1.SeccompProfile "
        "appArmorProfile:core/v1.AppArmorProfile seLinuxChangePolicy:v1.PodSELinuxChangePolicy"
    ),
    "core/v1.Sysctl": "name:string value:string",
    "core/v1.Affinity": (
        "nodeAffinity:core/v1.NodeAffinity podAffinity:core/v1.PodAffinity "
        "podAntiAffinity:core/v1.PodAntiAffinity"
    ),
    "core/v1.NodeAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution:core/v1.NodeSelector "
        "preferredDuringSchedulingIgnoredDuringExecution:[]core/v1.PreferredSchedulingTerm"
    ),
    "core/v1.NodeSelector": "nodeSelectorTerms:[]core/v1.NodeSelectorTerm",
    "core/v1.NodeSelectorTerm": (
        "matchExpressions:[]core/v1.NodeSelectorRequirement matchFields:[]core/v1.NodeSelectorRequirement"
    ),
    "core/v1.NodeSelectorRequirement": "key:string operator:v1.NodeSelectorOperator values:[]string",
    "core/v1.PreferredSchedulingTerm": "weight:int32 preference:core/v1.NodeSelectorTerm",
    "core/v1.PodAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution:[]core/v1.PodAffinityTerm "
        "preferredDuringSchedulingIgnoredDuringExecution:[]core/v1.WeightedPodAffinityTerm"
    ),
    "core/v1.PodAffinityTerm": (
        "labelSelector:meta/v1.LabelSelector namespaces:[]string topologyKey:string "
        "namespaceSelector:meta/v1.LabelSelector matchLabelKeys:[]string mismatchLabelKeys:[]string"
    ),
    "core/v1.WeightedPodAffinityTerm": "weight:int32 podAffinityTerm:core/v1.PodAffinityTerm",
    "core/v1.PodAntiAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution:[]core/v1.PodAffinityTerm "
        "preferredDuringSchedulingIgnoredDuringExecution:[]core/v1.WeightedPodAffinityTerm"
    ),
    "core/v1.Toleration": (
        "key:string operator:v1.TolerationOperator value:string effect:v1.TaintEffect tolerationSeconds:int64"
    ),
    "core/v1.HostAlias": "ip:string hostnames:[]string",
    "core/v1.PodDNSConfig": "nameservers:[]string searches:[]string options:[]core/v1.PodDNSConfigOption",
    "core/v1.PodDNSConfigOption": "name:string value:string",
    "core/v1.PodReadinessGate": "conditionType:v1.PodConditionType",
    "core/v1.TopologySpreadConstraint": (
        "maxSkew:int32 topologyKey:string whenUnsatisfiable:v1.UnsatisfiableConstraintAction "
        "labelSelector:meta/v1.LabelSelector minDomains:int32 nodeAffinityPolicy:v1.NodeInclusionPolicy "
        "nodeTaintsPolicy:v1.NodeInclusionPolicy matchLabelKeys:[]string"
    ),
    "core/v1.PodOS": "name:v1.OSName",
    "core/v1.PodSchedulingGate": "name:string",
    "core/v1.PodResourceClaim": "name:string resourceClaimName:string resourceClaimTemplateName:string",
    "core/v1.PodSchedulingGroup": "podGroupName:string",
    "core/v1.EvictionResponder": "name:string priority:int32",
    "apps/v1.DeploymentStrategy": (
        "type:v1.DeploymentStrategyType rollingUpdate:apps/v1.RollingUpdateDeployment"
    ),
    "apps/v1.RollingUpdateDeployment": "maxUnavailable:~intstr.IntOrString maxSurge:~intstr.IntOrString",
    "apps/v1.DeploymentStatus": (
        "observedGeneration:int64 replicas:int32 updatedReplicas:int32 readyReplicas:int32 "
        "availableReplicas:int32 unavailableReplicas:int32 terminatingReplicas:int32 "
        "conditions:[]apps/v1.DeploymentCondition collisionCount:int32"
    ),
    "apps/v1.DeploymentCondition": (
        "type:v1.DeploymentConditionType status:v1.ConditionStatus lastUpdateTime:~v1.Time "
        "lastTransitionTime:~v1.Time reason:string message:string"
    ),
    "rbac/v1.Role": "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta rules:[]rbac/v1.PolicyRule",
    "rbac/v1.PolicyRule": (
        "verbs:[]string apiGroups:[]string resources:[]string resourceNames:[]string nonResourceURLs:[]string"
    ),
    "rbac/v1.ClusterRole": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta rules:[]rbac/v1.PolicyRule "
        "aggregationRule:rbac/v1.AggregationRule"
    ),
    "rbac/v1.AggregationRule": "clusterRoleSelectors:[]meta/v1.LabelSelector",
    "rbac/v1.RoleBinding": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta subjects:[]rbac/v1.Subject roleRef:rbac/v1.RoleRef"
    ),
    "rbac/v1.Subject": "kind:string apiGroup:string name:string namespace:string",
    "rbac/v1.RoleRef": "apiGroup:string kind:string name:string",
    "rbac/v1.ClusterRoleBinding": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta subjects:[]rbac/v1.Subject roleRef:rbac/v1.RoleRef"
    ),
    "coordination/v1.Lease": (
        "...meta/v1.TypeMeta metadata:meta/v1.ObjectMeta spec:coordination/v1.LeaseSpec"
    ),
    "coordination/v1.LeaseSpec": (
        "holderIdentity:string leaseDurationSeconds:int32 acquireTime:~v1.MicroTime "
        "renewTime:~v1.MicroTime leaseTransitions:int32 strategy:v1.CoordinatedLeaseStrategy "
        "preferredHolder:string"
    ),
}

ROOTS: dict[str, str] = {
    "configmaps": "core/v1.ConfigMap",
    "secrets": "core/v1.Secret",
    SERVICES: "core/v1.Service",
    NAMESPACES: "core/v1.Namespace",
    EVENTS: "core/v1.Event",
    DEPLOYMENTS: "apps/v1.Deployment",
    f"roles.{RBAC_GROUP}": "rbac/v1.Role",
    f"clusterroles.{RBAC_GROUP}": "rbac/v1.ClusterRole",
    f"rolebindings.{RBAC_GROUP}": "rbac/v1.RoleBinding",
    f"clusterrolebindings.{RBAC_GROUP}": "rbac/v1.ClusterRoleBinding",
    LEASES: "coordination/v1.Lease",
}
"""The root struct of each built-in kind (by resource key) described here."""
